import Datasets
import NeuralNet

/// The malicious developer's training: classifier and inversion model trained together on the private training
/// data with loss = NLL + λ · MSE, the reconstruction's gradient flowing back through the decoder, the encoding
/// and the softmax into the classifier.
public final class JointTrainer {
    public let classifier: ClassifierTrainer
    public let inversion: InversionTrainer
    public let weight: Float
    private let optimizer: Adam
    private let logSoftmax = Softmax(logarithmic: true)
    private let softmax = Softmax(logarithmic: false)
    private let nll = NLLLoss()
    private let mse = MSELoss()
    private let images = Tensor()
    private let logitGradient = Tensor()

    public init(imageSize: Int, classes: Int, width: Int, releasePolicy: ReleasePolicy, weight: Float, seed: UInt64) throws {
        classifier = try ClassifierTrainer(imageSize: imageSize, classes: classes, width: width, seed: seed)
        inversion = InversionTrainer(imageSize: imageSize, classes: classes, width: width, trainingPolicy: releasePolicy,
                                     seed: seed &+ 1)
        self.weight = weight
        optimizer = Adam.paper(classifier.model.parameters + inversion.model.parameters)
    }

    /// One pass over `set`; returns the mean (NLL, MSE).
    @discardableResult
    public func trainEpoch(on set: ImageSet, batch: Int, rng: inout RandomGenerator,
                           observe: StepObserver = { _, _ in }) throws -> (Float, Float) {
        var (classification, reconstruction): (Float, Float) = (0, 0)
        var steps = 0
        for indices in shuffledBatches(set.count, size: batch, rng: &rng) {
            set.fill(images, with: indices)
            optimizer.zeroGradients()
            let logits = try classifier.model.forward(images, mode: .training)
            let nllLoss = try nll(try logSoftmax.forward(logits, mode: .training), targets: indices.map { set.labels![$0] })
            let probabilities = try softmax.forward(logits, mode: .training)
            let decoded = try inversion.model.forward(try inversion.encoding.forward(probabilities, mode: .training),
                                                      mode: .training)
            let mseLoss = try mse(decoded, images)
            guard nllLoss.isFinite, mseLoss.isFinite else {
                throw DivergenceError(description: "joint training's loss became \(nllLoss) + \(mseLoss)")
            }
            // Both paths end at the logits: add the classification gradient to the reconstruction's.
            for index in 0..<mse.gradient.count { mse.gradient[index] *= weight }
            let throughDecoder = inversion.model.backward(mse.gradient, needsInputGradient: true)
            let throughEncoding = inversion.encoding.backward(throughDecoder, needsInputGradient: true)
            logitGradient.copy(from: softmax.backward(throughEncoding, needsInputGradient: true))
            let direct = logSoftmax.backward(nll.gradient, needsInputGradient: true)
            for index in 0..<logitGradient.count { logitGradient[index] += direct[index] }
            _ = classifier.model.backward(logitGradient, needsInputGradient: false)
            optimizer.step()
            classification += nllLoss
            reconstruction += mseLoss
            steps += 1
            try observe(steps, nllLoss + weight * mseLoss)
        }
        return (classification / Float(max(steps, 1)), reconstruction / Float(max(steps, 1)))
    }
}
