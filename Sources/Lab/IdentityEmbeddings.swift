import Datasets
import NeuralNet

/// The evaluator's embeddings of a labelled set of private images, grouped by person: the reference of the KNN
/// distance (the squared Euclidean distance from a reconstruction's embedding to the nearest embedding of an image
/// of the same person, as GMI, KEDMI and LOMMA report it).
public struct IdentityEmbeddings: Sendable {
    /// Per class, the embeddings of its images.
    public let byClass: [[[Float]]]

    /// Embeds every image of `set`, whose labels must lie below `classes`.
    public init(of set: ImageSet, classes: Int, evaluator: EvaluationClassifier, checkpoint: () throws -> Void = {}) throws {
        let judgement = try evaluator.judge(set.batch(Array(0..<set.count)), checkpoint: checkpoint)
        try self.init(embeddings: judgement.embeddings, labels: set.labels ?? [], classes: classes)
    }

    /// Groups `embeddings` by `labels` (one each).
    public init(embeddings: [[Float]], labels: [Int], classes: Int) throws {
        guard embeddings.count == labels.count else {
            throw ConfigurationError("\(labels.count) labels for \(embeddings.count) images")
        }
        var groups = [[[Float]]](repeating: [], count: classes)
        for (embedding, label) in zip(embeddings, labels) {
            guard (0..<classes).contains(label) else { throw ConfigurationError("label \(label) is not a class of 0..<\(classes)") }
            groups[label].append(embedding)
        }
        byClass = groups
    }

    /// The squared distance from `embedding` to the nearest embedding of class `label` (nil when it has none).
    public func nearestDistance(_ embedding: [Float], label: Int) -> Double? {
        guard byClass.indices.contains(label) else { return nil }
        return byClass[label].map { reference in
            zip(embedding, reference).reduce(0.0) { sum, pair in sum + Double((pair.0 - pair.1) * (pair.0 - pair.1)) }
        }.min()
    }
}
