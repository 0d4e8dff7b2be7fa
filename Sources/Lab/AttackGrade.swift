import NeuralNet

/// How one set of reconstructions grades, as the model-inversion literature grades attacks: the pixel metrics
/// (MSE, PSNR, SSIM) and, with an evaluation classifier, whether it names the right person (attack accuracy top-1
/// and top-5) and how far its embedding lies from that person's nearest private image (KNN distance).
public struct AttackGrade: Encodable, Sendable {
    public let pixels: ReconstructionScore
    /// The share of reconstructions whose evaluator top-1 (top-5) class is the victim's.
    public let accuracyTop1: Double?
    public let accuracyTop5: Double?
    /// Mean squared KNN distance in the evaluator's embedding.
    public let knnDistance: Double?
    /// For each reconstruction, whether the evaluator's top-1 names the victim.
    public let named: [Bool]?

    enum CodingKeys: String, CodingKey {
        case accuracyTop1 = "attack_acc_top1", accuracyTop5 = "attack_acc_top5", knnDistance = "knn_dist"
    }

    /// One flat object: the pixel metrics' keys, then the identity metrics' when there are any.
    public func encode(to encoder: Encoder) throws {
        try pixels.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(accuracyTop1, forKey: .accuracyTop1)
        try container.encodeIfPresent(accuracyTop5, forKey: .accuracyTop5)
        try container.encodeIfPresent(knnDistance, forKey: .knnDistance)
    }

    /// Grades `reconstructions` of `truths` (see `ReconstructionScore` for shapes and names). With `identities`
    /// (the victims' labels, one per image), `evaluator` and `reference`, the identity metrics join them.
    public init(truths: Tensor, reconstructions: Tensor, truthName: String, reconstructionName: String,
                identities: [Int]? = nil, evaluator: EvaluationClassifier? = nil, reference: IdentityEmbeddings? = nil,
                checkpoint: () throws -> Void = {}) throws {
        pixels = try ReconstructionScore(truths: truths, reconstructions: reconstructions, truthName: truthName,
                                         reconstructionName: reconstructionName)
        guard let identities, let evaluator else {
            (accuracyTop1, accuracyTop5, knnDistance, named) = (nil, nil, nil, nil)
            return
        }
        guard identities.count == pixels.images else {
            throw ConfigurationError("\(identities.count) labels for the \(pixels.images) images of \(truthName)")
        }
        if let label = identities.first(where: { !(0..<evaluator.classes).contains($0) }) {
            throw ConfigurationError("label \(label) is not one of the evaluator's \(evaluator.classes) classes (0 to \(evaluator.classes - 1))")
        }
        let judgement = try evaluator.judge(reconstructions, checkpoint: checkpoint)
        let hits = zip(judgement.rankings, identities).map { ranking, label in (ranking.first == label, ranking.contains(label)) }
        let count = Double(identities.count)
        named = hits.map(\.0)
        accuracyTop1 = Double(hits.filter(\.0).count) / count
        accuracyTop5 = Double(hits.filter(\.1).count) / count
        let distances = reference.map { reference in
            zip(judgement.embeddings, identities).compactMap { reference.nearestDistance($0, label: $1) }
        } ?? []
        knnDistance = distances.isEmpty ? nil : distances.reduce(0, +) / Double(distances.count)
    }
}
