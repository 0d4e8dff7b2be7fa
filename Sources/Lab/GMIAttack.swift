import Datasets
import Foundation
import NeuralNet

/// The generative model-inversion attack (GMI, Zhang et al., CVPR 2020): a GAN trained on the attacker's auxiliary
/// images gives a prior over faces; for each class y the attack searches the latent space for z whose image the
/// target assigns to y and the discriminator finds realistic, minimising −D(G(z)) + λ·CE(T(G(z)), y) with Nesterov
/// SGD, z kept in [−1, 1], from several random starts, keeping the start whose image the target is most confident in.
public final class GMIAttack: ClassAttack {
    /// GMI's settings: λ = 100, learning rate 0.02, momentum 0.9, 1500 iterations, 5 restarts; the GAN trains for
    /// `priorEpochs` passes over the auxiliary images.
    public struct Settings: Sendable, Equatable {
        public var iterations = 1500
        public var restarts = 5
        public var learningRate: Float = 0.02
        public var momentum: Float = 0.9
        public var identityWeight: Float = 100
        public var priorEpochs = 60

        public init() {}
    }

    public let settings: Settings
    /// The GAN, trained by `prepare` (or given).
    public private(set) var prior: GenerativePrior?
    private var made: [Int: [Float]] = [:]
    public private(set) var confidence: [Int: Float] = [:]

    /// An attack that trains its prior in `prepare`, or uses `prior` when given.
    public init(settings: Settings = Settings(), prior: GenerativePrior? = nil) {
        self.settings = settings
        self.prior = prior
    }

    public var name: String { "GMI (Zhang et al.: latent search in a GAN trained on the auxiliary images)" }
    public var method: String { "gmi" }

    public func prepare(_ context: AttackContext) throws {
        guard case .whiteBox = context.target else {
            throw ConfigurationError("\(name) needs the target's gradients (white-box access)")
        }
        guard prior == nil else { return }
        let set = context.auxiliary
        let gan = GenerativePrior(imageSize: set.height, width: context.modelWidth, seed: context.seed)
        try context.observe(.stage("GMI: training the GAN prior on \(set.count) auxiliary images"))
        var rng = RandomGenerator(seed: context.seed &+ 1)
        let steps = (set.count + context.budget.batch - 1) / context.budget.batch
        for epoch in 1...max(settings.priorEpochs, 1) {
            try gan.trainEpoch(on: set, batch: context.budget.batch, rng: &rng) { step, discriminatorLoss, generatorLoss in
                try context.checkpoint()
                try context.observe(.step(model: .attack, epoch: epoch, epochs: settings.priorEpochs, step: step, steps: steps,
                                          loss: discriminatorLoss + generatorLoss))
            }
        }
        prior = gan
    }

    public func reconstruct(classes: [Int], context: AttackContext) throws -> Tensor {
        guard case .whiteBox(let target, _) = context.target, let prior else {
            throw ConfigurationError("\(name) must be prepared with white-box access first")
        }
        let missing = Array(Set(classes.filter { made[$0] == nil })).sorted()
        if !missing.isEmpty { try search(missing, target: target, prior: prior, context: context) }
        let pixels = prior.imageSize * prior.imageSize
        let result = Tensor(zeros: [classes.count, 1, prior.imageSize, prior.imageSize])
        for (row, label) in classes.enumerated() {
            made[label]!.withUnsafeBufferPointer { (result.pointer + row * pixels).update(from: $0.baseAddress!, count: pixels) }
        }
        return result
    }

    /// The objective of every row of `latent` (row r searching for class `labels[r]`): each row's loss and the
    /// target's confidence in its class, with the loss's gradient with respect to the latent written to
    /// `latentGradient`. The three networks run in evaluation mode, so rows do not interact.
    func objective(_ latent: Tensor, labels: [Int], target: Sequential, prior: GenerativePrior,
                   latentGradient: Tensor) throws -> (losses: [Float], confidences: [Float]) {
        let images = try prior.generator.forward(latent, mode: .evaluation)
        let realism = try prior.discriminator.forward(images, mode: .evaluation)
        let logits = try target.forward(images, mode: .evaluation)
        let classes = logits.shape[1]
        let logitGradient = Tensor(zeros: logits.shape)
        var losses: [Float] = [], confidences: [Float] = []
        for (row, label) in labels.enumerated() {
            let scores = logits.pointer + row * classes
            let probabilities = Self.probabilities(scores, count: classes)
            let probability = probabilities[label]
            losses.append(-realism[row] - settings.identityWeight * logf(max(probability, 1e-30)))
            confidences.append(probability)
            for entry in 0..<classes {
                logitGradient[row * classes + entry] = settings.identityWeight * (probabilities[entry] - (entry == label ? 1 : 0))
            }
        }
        let imageGradient = target.backward(logitGradient, needsInputGradient: true).clone()
        let realismGradient = Tensor(shape: realism.shape, values: Array(repeating: -1, count: realism.count))
        let fromDiscriminator = prior.discriminator.backward(realismGradient, needsInputGradient: true)
        for index in 0..<imageGradient.count { imageGradient[index] += fromDiscriminator[index] }
        latentGradient.copy(from: prior.generator.backward(imageGradient, needsInputGradient: true))
        return (losses, confidences)
    }

    /// Runs every restart of every class of `classes` as one batch and keeps, per class, the restart whose image the
    /// target is most confident in.
    private func search(_ classes: [Int], target: Sequential, prior: GenerativePrior, context: AttackContext) throws {
        let restarts = max(settings.restarts, 1)
        let labels = classes.flatMap { Array(repeating: $0, count: restarts) }
        var rng = RandomGenerator(seed: context.seed &+ 2)
        let latent = Parameter(GenerativePrior.sampleLatent(labels.count, rng: &rng))
        let optimizer = SGD(parameters: [latent], learningRate: settings.learningRate, momentum: settings.momentum, nesterov: true)
        try context.observe(.stage("GMI: latent search for \(classes.count) classes x \(restarts) starts, \(settings.iterations) iterations"))
        var confidences: [Float] = []
        for iteration in 1...max(settings.iterations, 1) {
            try context.checkpoint()
            let (losses, reached) = try objective(latent.value, labels: labels, target: target, prior: prior,
                                                  latentGradient: latent.gradient)
            confidences = reached
            if iteration % 10 == 0 {
                try context.observe(.step(model: .attack, epoch: 1, epochs: 1, step: iteration, steps: settings.iterations,
                                          loss: losses.reduce(0, +) / Float(losses.count)))
            }
            optimizer.step()
            for index in 0..<latent.value.count { latent.value[index] = min(max(latent.value[index], -1), 1) }
        }
        // The confidences of the final latents, after the last step.
        confidences = try objective(latent.value, labels: labels, target: target, prior: prior,
                                    latentGradient: Tensor(zeros: latent.value.shape)).confidences
        let images = try prior.generator.forward(latent.value, mode: .evaluation)
        let pixels = prior.imageSize * prior.imageSize
        for (position, label) in classes.enumerated() {
            let rows = position * restarts..<(position + 1) * restarts
            let best = rows.max { confidences[$0] < confidences[$1] }!
            made[label] = Array(UnsafeBufferPointer(start: images.pointer + best * pixels, count: pixels))
            confidence[label] = confidences[best]
        }
    }
}
