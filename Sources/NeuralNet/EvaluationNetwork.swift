/// The evaluation classifier's network, which grades attacks by naming the person in a reconstruction. It differs from
/// the target (`PaperModels.classifier`) the way the field's evaluators differ from their targets (GMI and LOMMA judge
/// a VGG16 target with a deeper face network): it is deeper, two 3x3 convolutions per stage (VGG's pattern) instead
/// of one, so each feature sees a wider receptive field, and it ends in a separate embedding whose output is the
/// feature space of the KNN distance. An attack tuned to the target's own decision boundaries therefore does not
/// pass this judge for free.
public enum EvaluationNetwork {
    /// The architecture in a line, for reports.
    public static let summary = "VGG-style: two 3x3 convolutions per stage, embedding of 256, then the classes"

    /// Length of the penultimate features (the embedding).
    public static let embeddingLength = 256

    /// Stages of Conv 3x3 → BatchNorm → ReLU → Conv 3x3 → BatchNorm → MaxPool 2x2 → ReLU (4 at 64 px, 3 at 32 px)
    /// with width, 2x, 4x (and 8x) channels, then Linear → ReLU to the embedding (`features`), then Dropout(0.5) →
    /// Linear to `classes` logits (`head`). Input `[N, 1, size, size]`, output logits.
    public static func make(imageSize: Int, classes: Int, width: Int, rng: inout RandomGenerator) -> Sequential {
        precondition(PaperModels.imageSizes.contains(imageSize), "evaluator: image size \(imageSize) is not 32 or 64")
        let stages = imageSize == 64 ? 4 : 3
        var encoder: [Layer] = []
        var channels = 1
        for stage in 0..<stages {
            let next = width << stage
            encoder += [Conv2d(channels, next, kernel: 3, stride: 1, padding: 1, rng: &rng), BatchNorm2d(next), Activation(.relu),
                        Conv2d(next, next, kernel: 3, stride: 1, padding: 1, rng: &rng), BatchNorm2d(next),
                        MaxPool2d(kernel: 2, stride: 2), Activation(.relu)]
            channels = next
        }
        let flattened = channels * 4 * 4
        let features = Sequential(named: [
            ("encoder", Sequential(encoder)), ("flatten", Reshape(sampleShape: [flattened])),
            ("embedding", Sequential([Linear(flattened, embeddingLength, rng: &rng), Activation(.relu)])),
        ])
        let head = Sequential([Dropout(probability: 0.5, rng: &rng), Linear(embeddingLength, classes, rng: &rng)])
        return Sequential(named: [("features", features), ("head", head)])
    }

    /// The part of `network` (made by `make`) that outputs the embedding.
    public static func features(of network: Sequential) -> Sequential {
        guard let features = network.children.first(where: { $0.name == "features" })?.layer as? Sequential else {
            preconditionFailure("EvaluationNetwork.features: not an evaluation network")
        }
        return features
    }
}
