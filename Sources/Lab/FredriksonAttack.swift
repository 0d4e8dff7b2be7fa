import Datasets
import Foundation
import NeuralNet

/// Fredrikson et al.'s model inversion (MI-FACE, CCS 2015), the optimisation attack the CCS 2019 paper compares
/// against: with the target's gradients, start from the auxiliary set's mean face and descend on the image to
/// minimise 1 - p_y(x) for class y, keeping the best image; stop after `iterations`, once p_y reaches `threshold`, or
/// when the cost has not improved for `plateau` iterations. The CCS 2019 paper then denoises and sharpens the
/// result. All classes asked for are optimised together, one batch row each (the target runs in evaluation mode, so
/// rows do not interact).
public final class FredriksonAttack: ClassAttack {
    /// The attack's parameters; the defaults are Fredrikson et al.'s (α = 5000, β = 100, γ = 0.99, λ = 0.1).
    public struct Settings: Sendable, Equatable {
        public var iterations = 5000
        public var plateau = 100
        public var threshold: Float = 0.99
        public var learningRate: Float = 0.1
        /// The Gaussian denoising and unsharp-mask sharpening applied afterwards; nil keeps the raw optimum.
        public var postProcessing: PostProcessing? = PostProcessing(denoise: 0.5, sharpen: 1)

        public init() {}
    }

    /// The CCS 2019 paper's filters: a Gaussian blur of `denoise` pixels, then an unsharp mask of `sharpen`.
    public struct PostProcessing: Sendable, Equatable {
        public var denoise: Float
        public var sharpen: Float
    }

    public let settings: Settings
    /// The image every class starts from: the auxiliary set's mean (set by `prepare`).
    private var start: [Float]?
    /// Reconstructions already made, by class.
    private var made: [Int: [Float]] = [:]
    /// The target's confidence in its class for each class's reconstruction before post-processing.
    public private(set) var confidence: [Int: Float] = [:]

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public var name: String { "Fredrikson et al. (white-box gradient descent on the image)" }
    public var method: String { "fredrikson" }
    public var watch: AttackWatch?
    /// Fredrikson's attack trains nothing.
    public var trainedModels: [(file: String, network: Sequential)] { [] }

    public func prepare(_ context: AttackContext) throws {
        guard case .whiteBox = context.target else {
            throw ConfigurationError("\(name) needs the target's gradients (white-box access)")
        }
        start = context.auxiliary.meanImage()
    }

    public func reconstruct(classes: [Int], context: AttackContext) throws -> Tensor {
        guard case .whiteBox(let model, _) = context.target, let start else {
            throw ConfigurationError("\(name) must be prepared with white-box access first")
        }
        let missing = Array(Set(classes.filter { made[$0] == nil })).sorted()
        if !missing.isEmpty {
            try withFrozenParameters(of: [model]) { try optimise(missing, model: model, start: start, context: context) }
        }
        let side = Int(Double(start.count).squareRoot())
        let result = Tensor(zeros: [classes.count, 1, side, side])
        for (row, label) in classes.enumerated() {
            made[label]!.withUnsafeBufferPointer { (result.pointer + row * start.count).update(from: $0.baseAddress!, count: start.count) }
        }
        return result
    }

    /// Descends on one image per class of `classes` at once and stores each class's best (post-processed) image.
    private func optimise(_ classes: [Int], model: Sequential, start: [Float], context: AttackContext) throws {
        let pixels = start.count
        let side = Int(Double(pixels).squareRoot())
        let images = Tensor(shape: [classes.count, 1, side, side], values: Array(classes.map { _ in start }.joined()))
        var best = classes.map { _ in (cost: Float.infinity, image: start, sinceBetter: 0) }
        var active = Array(repeating: true, count: classes.count)
        try context.observe(.stage("Fredrikson et al.: gradient descent on \(classes.count) images, up to \(settings.iterations) iterations"))
        let outputGradient = Tensor()
        for iteration in 1...max(settings.iterations, 1) {
            try context.checkpoint()
            let logits = try model.forward(images, mode: .evaluation)
            let count = logits.shape[1]
            outputGradient.resize(logits.shape)
            var totalCost: Float = 0
            for (row, label) in classes.enumerated() {
                let scores = logits.pointer + row * count
                let probabilities = Self.probabilities(scores, count: count)
                let probability = probabilities[label]
                let cost = 1 - probability
                totalCost += cost
                if active[row] {
                    if cost < best[row].cost {
                        best[row] = (cost, Array(images.sample(row)), 0)
                    } else {
                        best[row].sinceBetter += 1
                    }
                    if probability >= settings.threshold || best[row].sinceBetter >= settings.plateau { active[row] = false }
                }
                // d(1 - p_y)/dz_j = p_y (p_j - [j = y]); rows that stopped get no gradient.
                for entry in 0..<count {
                    let own: Float = entry == label ? 1 : 0
                    outputGradient[row * count + entry] = active[row] ? probability * (probabilities[entry] - own) : 0
                }
            }
            if iteration % 10 == 0 || !active.contains(true) {
                try context.observe(.step(model: .attack, epoch: 1, epochs: 1, step: iteration, steps: settings.iterations,
                                          loss: totalCost / Float(classes.count)))
            }
            let finishing = !active.contains(true) || iteration >= settings.iterations
            if let watch, iteration % max(watch.interval, 1) == 0 || finishing {
                try watch.see(AttackSnapshot(iteration: iteration, iterations: settings.iterations, images: images.clone(), priorLoss: nil,
                                             identityLoss: totalCost / Float(classes.count)))
            }
            guard !finishing else { break }
            let gradient = model.backward(outputGradient, needsInputGradient: true)
            for row in 0..<classes.count where active[row] {
                for pixel in 0..<pixels {
                    let index = row * pixels + pixel
                    images[index] = min(max(images[index] - settings.learningRate * gradient[index], 0), 1)
                }
            }
        }
        let raw = Tensor(shape: [classes.count, 1, side, side], values: Array(best.map(\.image).joined()))
        var finished = raw
        if let filters = settings.postProcessing {
            finished = ImageFilters.unsharpMask(ImageFilters.gaussianBlur(raw, sigma: filters.denoise), sigma: max(filters.denoise, 1),
                                                amount: filters.sharpen)
        }
        for (row, label) in classes.enumerated() {
            made[label] = Array(finished.sample(row))
            confidence[label] = 1 - best[row].cost
        }
    }
}
