/// A classifier that downsamples with strided convolutions instead of pooling, as DCGAN's discriminator does:
/// stages of Conv 3x3 stride 2 → BatchNorm → ReLU, each halving the image and doubling the channels, down to 4 x 4,
/// then one Linear to the outputs. About a quarter of the paper's classifier's multiply-adds at the same width (no
/// full-resolution convolution, no hidden layer), which matters where a search runs it forward and backward at every
/// iteration, as LOMMA's students.
public enum StridedClassifier {
    /// The network for `imageSize` px images (32 or 64) with `outputs` logits, its first stage `width` channels.
    public static func make(imageSize: Int, outputs: Int, width: Int, rng: inout RandomGenerator) -> Sequential {
        precondition(PaperModels.imageSizes.contains(imageSize), "strided classifier: image size \(imageSize) is not 32 or 64")
        let stages = imageSize == 64 ? 4 : 3
        var encoder: [Layer] = []
        var channels = 1
        for stage in 0..<stages {
            let next = width << stage
            encoder += [Conv2d(channels, next, kernel: 3, stride: 2, padding: 1, rng: &rng), BatchNorm2d(next), Activation(.relu)]
            channels = next
        }
        let features = channels * 4 * 4
        return Sequential(named: [("encoder", Sequential(encoder)), ("flatten", Reshape(sampleShape: [features])),
                                  ("head", Linear(features, outputs, rng: &rng))])
    }
}
