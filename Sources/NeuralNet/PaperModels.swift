/// The paper's two networks (Yang et al., CCS 2019), with the parameter and buffer names of the authors' PyTorch
/// `state_dict`, for 32 or 64 pixel greyscale images.
public enum PaperModels {
    /// Image sizes the architectures are defined for.
    public static let imageSizes = [32, 64]

    /// The target classifier: blocks of Conv 3x3 → BatchNorm → MaxPool 2x2 → ReLU (4 at 64 px, 3 at 32 px) with
    /// width, 2x, 4x (and 8x) channels, then Linear → Dropout(0.5) → Linear to `classes` logits. Names follow the
    /// authors' module: `encoder.{0,1,4,5,8,9,...}` and `fc.{0,2}`. Input `[N, 1, size, size]`, output logits.
    ///
    /// `normalisation: .group` swaps every batch normalisation for group normalisation (DP-SGD);
    /// `informationBottleneck: β` makes the first Linear output a mean and a deviation per code and puts MID's
    /// variational bottleneck of weight β in place of the dropout (the layer names stay `fc.{0,2}`).
    public static func classifier(imageSize: Int, classes: Int, width: Int, normalisation: FeatureNormalisation = .batch,
                                  informationBottleneck: Float? = nil, rng: inout RandomGenerator) -> Sequential {
        precondition(imageSizes.contains(imageSize), "classifier: image size \(imageSize) is not 32 or 64")
        let blocks = imageSize == 64 ? 4 : 3
        var encoder: [Layer] = []
        var channels = 1
        for block in 0..<blocks {
            let next = width << block
            let normalising: Layer = switch normalisation {
            case .batch: BatchNorm2d(next)
            case .group: GroupNorm2d(groups: GroupNorm2d.groupsReplacingBatchNorm(channels: next), channels: next)
            }
            encoder += [Conv2d(channels, next, kernel: 3, stride: 1, padding: 1, rng: &rng), normalising,
                        MaxPool2d(kernel: 2, stride: 2), Activation(.relu)]
            channels = next
        }
        let features = channels * 4 * 4
        let hidden = classes * 5
        let fc: [Layer] = if let informationBottleneck {
            [Linear(features, 2 * hidden, rng: &rng),
             VariationalBottleneck(dimension: hidden, weight: informationBottleneck, rng: &rng),
             Linear(hidden, classes, rng: &rng)]
        } else {
            [Linear(features, hidden, rng: &rng), Dropout(probability: 0.5, rng: &rng), Linear(hidden, classes, rng: &rng)]
        }
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

/// What normalises the classifier's convolution outputs: the paper's batch normalisation, or group normalisation
/// where each example's gradient must stay its own (DP-SGD), as Opacus substitutes it.
public enum FeatureNormalisation: Sendable {
    case batch
    case group
}
