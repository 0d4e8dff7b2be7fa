/// One DP-SGD step of a classifier (Abadi et al., CCS 2016): each example's gradient is clipped to norm `clipNorm`,
/// the clipped gradients are summed, Gaussian noise of standard deviation `noiseMultiplier` x `clipNorm` is added to
/// every coordinate, and the sum is divided by the expected batch size before the optimiser's update.
///
/// Per-example gradients are never stored: a first backward pass gives each example's gradient norm from the layers'
/// inputs and output gradients (`backwardAddingPerExampleSquaredNorms`), and because backward is linear in the
/// loss gradient, a second pass with each example's loss gradient scaled by its clip factor min(1, C / |gₙ|) sums
/// exactly the clipped gradients.
public final class PrivateTrainingStep {
    public let model: Sequential
    public let optimizer: Optimizer
    public let clipNorm: Float
    public let noiseMultiplier: Float
    /// q x training-set size: the mean batch under Poisson sampling, the divisor Opacus uses too, so that the noise
    /// does not depend on the sampled batch's actual size.
    public let expectedBatch: Float
    /// The share of the last batch's examples whose gradient was longer than `clipNorm`.
    public private(set) var lastClippedShare: Float = 0
    private var rng: RandomGenerator
    private let logSoftmax = Softmax(logarithmic: true)
    private let loss: NLLLoss

    /// Throws `PerExampleGradientError` when a layer of `model` mixes the examples of a batch.
    public init(model: Sequential, optimizer: Optimizer, clipNorm: Float, noiseMultiplier: Float, expectedBatch: Float,
                labelSmoothing: Float = 0, seed: UInt64) throws {
        if let mixing = model.layersWithoutPerExampleGradients.first {
            throw PerExampleGradientError(description: "DP-SGD cannot train this model: \(mixing) mixes the examples of a batch")
        }
        self.model = model
        self.optimizer = optimizer
        self.clipNorm = clipNorm
        self.noiseMultiplier = noiseMultiplier
        self.expectedBatch = expectedBatch
        loss = NLLLoss(labelSmoothing: labelSmoothing)
        rng = RandomGenerator(seed: seed)
    }

    /// Trains on one sampled batch and returns its mean loss, nil for an empty batch (Poisson sampling can draw
    /// one; the step then applies the noise alone, as the privacy analysis assumes).
    @discardableResult
    public func callAsFunction(images: Tensor, labels: [Int]) throws -> Float? {
        optimizer.zeroGradients()
        var value: Float?
        if !labels.isEmpty {
            value = try loss(try logSoftmax.forward(try model.forward(images, mode: .training), mode: .training),
                             targets: labels)
            // The mean loss's gradient carries 1/N; each example's own loss gradient does not.
            let count = Float(labels.count)
            for index in 0..<loss.gradient.count { loss.gradient[index] *= count }
            let logitGradient = logSoftmax.backward(loss.gradient, needsInputGradient: true)
            var squaredNorms = Array(repeating: 0.0, count: labels.count)
            // This pass needs each example's norm only; the batch gradient comes from the second.
            _ = try withFrozenParameters(of: [model]) {
                try model.backwardAddingPerExampleSquaredNorms(logitGradient, into: &squaredNorms, needsInputGradient: false)
            }
            let classes = logitGradient.count / labels.count
            var clipped = 0
            for (row, squaredNorm) in squaredNorms.enumerated() {
                let norm = Float(squaredNorm.squareRoot())
                guard norm > clipNorm else { continue }
                clipped += 1
                let factor = clipNorm / norm
                let gradientRow = logitGradient.pointer + row * classes
                for index in 0..<classes { gradientRow[index] *= factor }
            }
            lastClippedShare = Float(clipped) / count
            _ = model.backward(logitGradient, needsInputGradient: false)
        }
        let deviation = noiseMultiplier * clipNorm
        let scale = 1 / expectedBatch
        for parameter in optimizer.parameters {
            let gradient = parameter.gradient.pointer
            for index in 0..<parameter.gradient.count {
                let noise = deviation == 0 ? 0 : deviation * rng.normal()
                gradient[index] = (gradient[index] + noise) * scale
            }
        }
        optimizer.step()
        return value
    }
}
