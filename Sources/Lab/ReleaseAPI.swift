import Datasets
import NeuralNet

/// The black box the attacker talks to: it runs the target classifier in evaluation mode, takes the softmax and
/// applies the release policy, and counts the queries. Attack code gets only what it returns, never the model.
public final class ReleaseAPI: @unchecked Sendable {
    private let predictor: SoftmaxPredictor
    private var rng: RandomGenerator
    private let batch = Tensor()
    /// How many images have been sent so far.
    public private(set) var queries = 0
    public let classes: Int

    /// A service around `classifier`, which outputs `classes` logits; `seed` drives the noise policy.
    public init(classifier: Sequential, classes: Int, seed: UInt64) {
        predictor = SoftmaxPredictor(model: classifier)
        self.classes = classes
        rng = RandomGenerator(seed: seed)
    }

    /// The released vectors `[n, classes]` for images `indices` of `images`, in a new tensor. `checkpoint` runs
    /// before each chunk, so a cancel does not wait for a large query to end.
    public func query(_ images: ImageSet, _ indices: [Int], policy: ReleasePolicy, chunk: Int = 64,
                      checkpoint: () throws -> Void = {}) throws -> Tensor {
        let released = Tensor(zeros: [indices.count, classes])
        var start = 0
        while start < indices.count {
            try checkpoint()
            let part = Array(indices[start..<min(start + chunk, indices.count)])
            images.fill(batch, with: part)
            let vectors = try predictor(batch)
            policy.apply(to: vectors, rng: &rng)
            (released.pointer + start * classes).update(from: vectors.pointer, count: vectors.count)
            start += part.count
        }
        queries += indices.count
        return released
    }
}
