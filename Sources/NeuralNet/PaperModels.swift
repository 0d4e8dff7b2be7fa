/// The paper's two networks (Yang et al., CCS 2019), with the parameter and buffer names of the authors' PyTorch
/// `state_dict`, for 32 or 64 pixel greyscale images.
public enum PaperModels {
    /// Image sizes the architectures are defined for.
    public static let imageSizes = [32, 64]

    /// The target classifier: blocks of Conv 3x3 → BatchNorm → MaxPool 2x2 → ReLU (4 at 64 px, 3 at 32 px) with
    /// width, 2x, 4x (and 8x) channels, then Linear → Dropout(0.5) → Linear to `classes` logits. Names follow the
    /// authors' module: `encoder.{0,1,4,5,8,9,...}` and `fc.{0,2}`. Input `[N, 1, size, size]`, output logits.
    public static func classifier(imageSize: Int, classes: Int, width: Int, rng: inout RandomGenerator) -> Sequential {
        precondition(imageSizes.contains(imageSize), "classifier: image size \(imageSize) is not 32 or 64")
        let blocks = imageSize == 64 ? 4 : 3
        var encoder: [Layer] = []
        var channels = 1
        for block in 0..<blocks {
            let next = width << block
            encoder += [Conv2d(channels, next, kernel: 3, stride: 1, padding: 1, rng: &rng), BatchNorm2d(next),
                        MaxPool2d(kernel: 2, stride: 2), Activation(.relu)]
            channels = next
        }
        let features = channels * 4 * 4
        let fc: [Layer] = [Linear(features, classes * 5, rng: &rng), Dropout(probability: 0.5, rng: &rng),
                           Linear(classes * 5, classes, rng: &rng)]
        return Sequential(named: [("encoder", Sequential(encoder)), ("flatten", Reshape(sampleShape: [features])),
                                  ("fc", Sequential(fc))])
    }

    /// The inversion model: transposed convolutions 4x4 (stride 1 to 4 px, then stride 2 doubling) with BatchNorm and
    /// Tanh between, from `classes` inputs through 8x (or 4x at 32 px), ..., 1x `width` channels to one Sigmoid
    /// channel. Names follow the authors' module: `decoder.{0,1,3,4,...}`. Input: encoded vectors `[N, classes]`;
    /// output `[N, 1, size, size]` in [0, 1].
    public static func inversion(imageSize: Int, classes: Int, width: Int, rng: inout RandomGenerator) -> Sequential {
        precondition(imageSizes.contains(imageSize), "inversion: image size \(imageSize) is not 32 or 64")
        let stages = imageSize == 64 ? 4 : 3
        var decoder: [Layer] = []
        var channels = classes
        for stage in 0..<stages {
            let next = width << (stages - 1 - stage)
            let first = stage == 0
            decoder += [ConvTranspose2d(channels, next, kernel: 4, stride: first ? 1 : 2, padding: first ? 0 : 1,
                                        rng: &rng),
                        BatchNorm2d(next), Activation(.tanh)]
            channels = next
        }
        decoder += [ConvTranspose2d(channels, 1, kernel: 4, stride: 2, padding: 1, rng: &rng), Activation(.sigmoid)]
        return Sequential(named: [("lift", Reshape(sampleShape: [classes, 1, 1])), ("decoder", Sequential(decoder))])
    }
}
