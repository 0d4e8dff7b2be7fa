/// The classifiers LOMMA's model augmentation distils from the target: one architecture family at three scales, as
/// LOMMA distils EfficientNet-B0, B1 and B2 from a VGG16 target. They see an image differently from the target
/// (`PaperModels.classifier`: one 3x3 convolution per stage, max-pooling, a wide hidden layer): each stage here is a
/// 3x3 convolution followed by a strided 3x3 convolution that downsamples in place of pooling, and the features go
/// straight to the logits. An image that all of them and the target assign to a class carries that class's features
/// rather than one network's quirks, which is what the augmentation is for.
public enum StudentNetwork: Int, CaseIterable, Sendable {
    case small, medium, large

    /// Channels of the first stage as a fraction of the target's width.
    var widthFraction: Float {
        switch self {
        case .small: 0.5
        case .medium: 0.75
        case .large: 1
        }
    }

    /// The network for `imageSize` px images (32 or 64) and `classes` outputs, its first stage `width` x the scale's
    /// fraction channels wide, doubling per stage: stages of Conv 3x3 → BatchNorm → ReLU → Conv 3x3 stride 2 →
    /// BatchNorm → ReLU down to 4 x 4, then one Linear to the logits.
    public func make(imageSize: Int, classes: Int, width: Int, rng: inout RandomGenerator) -> Sequential {
        precondition(PaperModels.imageSizes.contains(imageSize), "student: image size \(imageSize) is not 32 or 64")
        let stages = imageSize == 64 ? 4 : 3
        let first = max(1, Int((Float(width) * widthFraction).rounded()))
        var encoder: [Layer] = []
        var channels = 1
        for stage in 0..<stages {
            let next = first << stage
            encoder += [Conv2d(channels, next, kernel: 3, stride: 1, padding: 1, rng: &rng), BatchNorm2d(next), Activation(.relu),
                        Conv2d(next, next, kernel: 3, stride: 2, padding: 1, rng: &rng), BatchNorm2d(next), Activation(.relu)]
            channels = next
        }
        let features = channels * 4 * 4
        return Sequential(named: [("encoder", Sequential(encoder)), ("flatten", Reshape(sampleShape: [features])),
                                  ("head", Linear(features, classes, rng: &rng))])
    }
}
