import Datasets
import Foundation
import NeuralNet
import TensorFiles

/// GMI's prior (Zhang et al., CVPR 2020): a GAN trained on the attacker's public (auxiliary) images, so that an
/// optimisation attack searches the generator's latent space, where images look like faces, instead of pixel space.
/// The generator is the inversion model's decoder fed a latent vector z in [−1, 1]^100 instead of a prediction vector;
/// the discriminator is the classifier with one output logit (real or generated). Trained as a standard GAN with the
/// non-saturating generator loss (GMI's WGAN-GP needs gradients of gradients, which the engine does not compute),
/// both with the paper's Adam.
public final class GenerativePrior {
    /// The latent dimension, GMI's.
    public static let latentSize = 100

    public let generator: Sequential
    public let discriminator: Sequential
    public let imageSize: Int
    private let generatorOptimizer: Adam
    private let discriminatorOptimizer: Adam
    private let loss = BinaryCrossEntropyWithLogits()
    private let real = Tensor()
    private let latent = Tensor()

    /// A fresh GAN for `imageSize` px images with the models' channel `width`.
    public init(imageSize: Int, width: Int, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        self.imageSize = imageSize
        generator = PaperModels.inversion(imageSize: imageSize, classes: Self.latentSize, width: width, rng: &rng)
        discriminator = PaperModels.classifier(imageSize: imageSize, classes: 1, width: width, rng: &rng)
        generatorOptimizer = Adam.paper(generator.parameters)
        discriminatorOptimizer = Adam.paper(discriminator.parameters)
    }

    /// The generator and the discriminator as one network (`generator.*`, `discriminator.*`), for saving and
    /// loading the prior as one file.
    public var networks: Sequential { Sequential(named: [("generator", generator), ("discriminator", discriminator)]) }

    /// Latent vectors `[count, 100]`, uniform in [−1, 1].
    public static func sampleLatent(_ count: Int, rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: [count, latentSize], values: (0..<count * latentSize).map { _ in rng.uniform(-1, 1) })
    }

    /// One pass over `set` in shuffled batches of `trainStep`. `observe` gets each step's discriminator and
    /// generator losses.
    public func trainEpoch(on set: ImageSet, batch: Int, rng: inout RandomGenerator,
                           observe: (_ step: Int, _ discriminatorLoss: Float, _ generatorLoss: Float) throws -> Void) throws {
        for (number, indices) in shuffledBatches(set.count, size: batch, rng: &rng).enumerated() where indices.count > 1 {
            set.fill(real, with: indices)
            let (discriminatorLoss, generatorLoss) = try trainStep(real: real, rng: &rng)
            try observe(number + 1, discriminatorLoss, generatorLoss)
        }
    }

    /// A discriminator step on the `real` images and as many generated ones, then a generator step through the
    /// discriminator; returns the discriminator's and the generator's losses.
    public func trainStep(real: Tensor, rng: inout RandomGenerator) throws -> (discriminator: Float, generator: Float) {
        let count = real.shape[0]
        discriminatorOptimizer.zeroGradients()
        let realLoss = loss(try discriminator.forward(real, mode: .training), target: 1)
        _ = discriminator.backward(loss.gradient, needsInputGradient: false)
        latent.copy(from: Self.sampleLatent(count, rng: &rng))
        let fakeLoss = loss(try discriminator.forward(try generator.forward(latent, mode: .training), mode: .training), target: 0)
        _ = discriminator.backward(loss.gradient, needsInputGradient: false)
        discriminatorOptimizer.step()

        generatorOptimizer.zeroGradients()
        latent.copy(from: Self.sampleLatent(count, rng: &rng))
        let generatorLoss = loss(try discriminator.forward(try generator.forward(latent, mode: .training), mode: .training), target: 1)
        _ = generator.backward(discriminator.backward(loss.gradient, needsInputGradient: true), needsInputGradient: false)
        generatorOptimizer.step()
        guard realLoss.isFinite, fakeLoss.isFinite, generatorLoss.isFinite else {
            throw DivergenceError(description: "the GAN's losses became \(realLoss + fakeLoss), \(generatorLoss)")
        }
        return (realLoss + fakeLoss, generatorLoss)
    }
}

extension GenerativePrior {
    /// A prior for `config`'s image size and width with the weights of `file` (written from `networks`).
    public static func load(from file: URL, for config: ExperimentConfig) throws -> GenerativePrior {
        let prior = GenerativePrior(imageSize: config.size, width: config.width, seed: config.seed)
        try prior.networks.loadState(from: file)
        return prior
    }
}
