import Datasets
import NeuralNet

/// The black box the attacker talks to: it runs the target classifier in evaluation mode, takes the softmax and
/// applies the release policy, and counts the queries. Attack code gets only what it returns, never the model.
/// A service may cap each client's queries (`budget`) and watch each client's stream (`monitor`).
public final class ReleaseAPI: @unchecked Sendable {
    private let predictor: SoftmaxPredictor
    private var rng: RandomGenerator
    private let batch = Tensor()
    /// How many images have been sent so far, by everyone.
    public private(set) var queries = 0
    /// How many images the attacker has sent.
    public private(set) var attackerQueries = 0
    public let classes: Int
    /// The most queries one client may send; past it the service refuses. Victims each ask once about their own
    /// photo, so it binds the attacker.
    public var budget: Int?
    /// The detector watching the attacker's stream, as it would watch every client's; setting one starts afresh.
    public var monitor: QueryMonitor? {
        didSet { attackerStream = monitor.map { QueryStream(monitor: $0) } }
    }
    private var attackerStream: QueryStream?
    /// How many queries the attacker had sent when the monitor flagged it; nil while it has not.
    public var attackerFlaggedAfter: Int? { attackerStream?.flaggedAfter }

    /// A service around `classifier`, which outputs `classes` logits; `seed` drives the noise policy.
    public init(classifier: Sequential, classes: Int, seed: UInt64) {
        predictor = SoftmaxPredictor(model: classifier)
        self.classes = classes
        rng = RandomGenerator(seed: seed)
    }

    /// The released vectors `[n, classes]` for images `indices` of `images`, asked by `client`, in a new tensor.
    /// `checkpoint` runs before each chunk, so a cancel does not wait for a large query to end. Throws
    /// `QueryRefusal` when the attacker's request would exceed the budget; nothing is answered then.
    public func query(_ images: ImageSet, _ indices: [Int], policy: ReleasePolicy, from client: QueryClient,
                      chunk: Int = 64, checkpoint: () throws -> Void = {}) throws -> Tensor {
        if client == .attacker, let budget, attackerQueries + indices.count > budget {
            throw QueryRefusal(description: "the service refused the attacker's \(indices.count) queries: each client may send \(budget) (query budget) and it has sent \(attackerQueries)")
        }
        let released = Tensor(zeros: [indices.count, classes])
        var start = 0
        while start < indices.count {
            try checkpoint()
            let part = Array(indices[start..<min(start + chunk, indices.count)])
            images.fill(batch, with: part)
            let vectors = try predictor(batch)
            if client == .attacker, attackerStream != nil {
                for row in 0..<part.count {
                    let confidences = UnsafeBufferPointer(start: vectors.pointer + row * classes, count: classes)
                    _ = attackerStream!.observe(confidences.max()!)
                }
            }
            policy.apply(to: vectors, rng: &rng)
            (released.pointer + start * classes).update(from: vectors.pointer, count: vectors.count)
            start += part.count
        }
        queries += indices.count
        if client == .attacker { attackerQueries += indices.count }
        return released
    }
}

/// Who sends a query: the attacker (its background knowledge, its probes) or the victims (each asking once about
/// their own photo, whose answers the attacker then obtains).
public enum QueryClient: Sendable {
    case attacker
    case victims
}

/// A request the service would not answer; the message says why.
public struct QueryRefusal: Error, CustomStringConvertible, Sendable {
    public let description: String
}
