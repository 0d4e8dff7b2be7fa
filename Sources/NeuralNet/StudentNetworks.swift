/// The classifiers LOMMA's model augmentation distils from the target: one architecture family at three scales, as
/// LOMMA distils EfficientNet-B0, B1 and B2 from a VGG16 target. Like those, they are much lighter than the target
/// (the three together under half its multiply-adds, where the search pays for every one at every iteration), and
/// they see an image differently from it (`PaperModels.classifier`: a 3x3 convolution per stage, max-pooling, a wide
/// hidden layer): they are `StridedClassifier`s, which downsample with strided convolutions and send their features
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
    /// fraction channels wide.
    public func make(imageSize: Int, classes: Int, width: Int, rng: inout RandomGenerator) -> Sequential {
        let first = max(1, Int((Float(width) * widthFraction).rounded()))
        return StridedClassifier.make(imageSize: imageSize, outputs: classes, width: first, rng: &rng)
    }
}
