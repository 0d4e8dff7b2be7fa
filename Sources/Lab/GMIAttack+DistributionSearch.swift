import Foundation
import NeuralNet

extension GMIAttack {
    /// KEDMI's recovery (Chen et al., ICCV 2021): instead of one latent per start, each class learns a Gaussian
    /// N(μ, diag(e^v)) over the latent space, by Adam (learning rate `settings.learningRate`, PyTorch's betas) on μ
    /// (from 0) and the log-variance v (from 1), through one reparameterised sample z = clip(μ + e^{v/2}·ε, −1, 1)
    /// per class and iteration, with the same objective as GMI's search but KEDMI's prior loss. At the end
    /// `settings.restarts` samples are drawn from each class's distribution and the one the target is most
    /// confident in is kept.
    func distributionSearch(_ classes: [Int], target: Sequential, prior: GenerativePrior, context: AttackContext) throws {
        let size = GenerativePrior.latentSize
        let mean = Parameter(Tensor(zeros: [classes.count, size]))
        let logVariance = Parameter(Tensor(shape: [classes.count, size], values: Array(repeating: 1, count: classes.count * size)))
        let optimizer = Adam(parameters: [mean, logVariance], learningRate: settings.learningRate)
        var rng = RandomGenerator(seed: context.seed &+ 2)
        try context.observe(.stage("\(method): learning a latent distribution for each of \(classes.count) classes, \(settings.iterations) iterations"))
        let latent = Tensor(zeros: [classes.count, size]), noise = Tensor(zeros: [classes.count, size])
        let latentGradient = Tensor()
        /// Draws z = clip(μ + σ·ε) for every class into `latent`, keeping ε in `noise`.
        func sample() {
            for index in 0..<latent.count {
                noise[index] = rng.normal()
                latent[index] = min(max(mean.value[index] + expf(0.5 * logVariance.value[index]) * noise[index], -1), 1)
            }
        }
        let average = { (values: [Float]) in values.reduce(0, +) / Float(values.count) }
        for iteration in 1...max(settings.iterations, 1) {
            try context.checkpoint()
            sample()
            let (losses, priorLosses, _) = try objective(latent, labels: classes, target: target, prior: prior, latentGradient: latentGradient)
            for index in 0..<latent.count {
                // A clipped coordinate does not move with μ or v, as PyTorch's clamp passes no gradient there.
                let gradient = abs(latent[index]) < 1 ? latentGradient[index] : 0
                mean.gradient[index] = gradient
                logVariance.gradient[index] = gradient * noise[index] * 0.5 * expf(0.5 * logVariance.value[index])
            }
            if iteration % 10 == 0 {
                try context.observe(.step(model: .attack, epoch: 1, epochs: 1, step: iteration, steps: settings.iterations,
                                          loss: average(losses)))
            }
            if let watch, iteration % max(watch.interval, 1) == 0 {
                try watch.see(AttackSnapshot(iteration: iteration, iterations: settings.iterations,
                                             images: try prior.generator.forward(latent, mode: .evaluation).clone(),
                                             priorLoss: average(priorLosses), identityLoss: average(losses) - average(priorLosses)))
            }
            optimizer.step()
        }
        let samples = max(settings.restarts, 1)
        let pixels = prior.imageSize * prior.imageSize
        let images = Tensor(zeros: [classes.count, 1, prior.imageSize, prior.imageSize])
        var best = [Float](repeating: -1, count: classes.count)
        var losses: (all: [Float], prior: [Float]) = ([], [])
        for _ in 0..<samples {
            sample()
            let (sampleLosses, priorLosses, confidences) = try objective(latent, labels: classes, target: target, prior: prior,
                                                                         latentGradient: latentGradient)
            let drawn = try prior.generator.forward(latent, mode: .evaluation)
            for row in classes.indices where confidences[row] > best[row] {
                best[row] = confidences[row]
                (images.pointer + row * pixels).update(from: drawn.pointer + row * pixels, count: pixels)
            }
            losses = (sampleLosses, priorLosses)
        }
        for (row, label) in classes.enumerated() {
            made[label] = Array(images.sample(row))
            confidence[label] = best[row]
            distributions[label] = (Array(mean.value.sample(row)), Array(logVariance.value.sample(row)))
        }
        if let watch {
            try watch.see(AttackSnapshot(iteration: settings.iterations, iterations: settings.iterations, images: images,
                                         priorLoss: average(losses.prior), identityLoss: average(losses.all) - average(losses.prior)))
        }
    }
}
