import Datasets
import Foundation
import NeuralNet
import TensorFiles

/// GMI's prior (Zhang et al., CVPR 2020): a GAN trained on the attacker's public (auxiliary) images, so that an
/// optimisation attack searches the generator's latent space, where images look like faces, instead of pixel space.
/// The generator is the inversion model's decoder fed a latent vector z in [−1, 1]^100 instead of a prediction vector;
/// the discriminator is the classifier with one output logit (real or generated). Trained as a standard GAN with the
/// non-saturating generator loss (GMI's WGAN-GP needs gradients of gradients, which the engine does not compute),
/// both with the paper's Adam. KEDMI's prior (`Kind.knowledgeEnriched`) is trained against the target instead.
public final class GenerativePrior {
    /// The latent dimension, GMI's.
    public static let latentSize = 100

    /// Which GAN this is.
    public enum Kind: String, Sendable, CaseIterable {
        /// GMI's: the discriminator has one output, real or generated.
        case general
        /// KEDMI's (Chen et al., ICCV 2021): the discriminator classifies into the target's classes, learning the
        /// target's soft labels on the auxiliary images, and calls an image real by the log-sum-exp of its logits
        /// (`SemiSupervisedGANLoss`); the generator matches the means of the discriminator's penultimate features
        /// of real images. KEDMI also adds an entropy term (weight 10⁻⁴) to the generator's loss, left out here.
        case knowledgeEnriched
    }

    public let kind: Kind
    public let generator: Sequential
    public let discriminator: Sequential
    public let imageSize: Int
    private let generatorOptimizer: Adam
    private let discriminatorOptimizer: Adam
    private let loss = BinaryCrossEntropyWithLogits()
    private let real = Tensor()
    private let latent = Tensor()
    private let softLabels = Tensor()

    /// A fresh GAN for `imageSize` px images with the models' channel `width`; a knowledge-enriched one for a
    /// target of `classes` classes.
    public init(imageSize: Int, width: Int, seed: UInt64, kind: Kind = .general, classes: Int = 1) {
        var rng = RandomGenerator(seed: seed)
        self.kind = kind
        self.imageSize = imageSize
        generator = PaperModels.inversion(imageSize: imageSize, classes: Self.latentSize, width: width, rng: &rng)
        discriminator = PaperModels.classifier(imageSize: imageSize, classes: kind == .general ? 1 : classes, width: width, rng: &rng)
        generatorOptimizer = Adam.paper(generator.parameters)
        discriminatorOptimizer = Adam.paper(discriminator.parameters)
    }

    /// The loss the latent search pays for images the discriminator scored `scores` (its output rows): each row's,
    /// and the gradient of `weight` x each row's own loss with respect to its scores (each row is its own search):
    /// GMI's −D(x), or for KEDMI's prior softplus(−log Σ exp D(x)), the cost of calling a real image real.
    public func priorLoss(_ scores: Tensor, weight: Float) -> (losses: [Float], gradient: Tensor) {
        let rows = scores.shape[0]
        switch kind {
        case .general:
            return ((0..<rows).map { -scores[$0] }, Tensor(shape: scores.shape, values: Array(repeating: -weight, count: scores.count)))
        case .knowledgeEnriched:
            // realness averages over the rows; scaled back, each row gets its own loss's gradient.
            return SemiSupervisedGANLoss.realness(scores, real: true, weight: weight * Float(rows))
        }
    }

    /// The generator and the discriminator as one network (`generator.*`, `discriminator.*`), for saving and
    /// loading the prior as one file.
    public var networks: Sequential { Sequential(named: [("generator", generator), ("discriminator", discriminator)]) }

    /// Latent vectors `[count, 100]`, uniform in [−1, 1].
    public static func sampleLatent(_ count: Int, rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: [count, latentSize], values: (0..<count * latentSize).map { _ in rng.uniform(-1, 1) })
    }

    /// One pass over `set` in shuffled batches of `trainStep`; a knowledge-enriched GAN learns `teacherSoftmax`,
    /// the target's softmax of each image of `set` [count, classes]. `observe` gets each step's discriminator and
    /// generator losses.
    public func trainEpoch(on set: ImageSet, batch: Int, teacherSoftmax: Tensor? = nil, rng: inout RandomGenerator,
                           observe: (_ step: Int, _ discriminatorLoss: Float, _ generatorLoss: Float) throws -> Void) throws {
        precondition(kind == .general || teacherSoftmax?.shape[0] == set.count, "a knowledge-enriched GAN learns the target's softmax of every image")
        for (number, indices) in shuffledBatches(set.count, size: batch, rng: &rng).enumerated() where indices.count > 1 {
            set.fill(real, with: indices)
            let losses: (discriminator: Float, generator: Float)
            if let teacherSoftmax, kind == .knowledgeEnriched {
                let classes = teacherSoftmax.shape[1]
                softLabels.resize([indices.count, classes])
                for (row, index) in indices.enumerated() {
                    (softLabels.pointer + row * classes).update(from: teacherSoftmax.pointer + index * classes, count: classes)
                }
                losses = try knowledgeEnrichedStep(real: real, softLabels: softLabels, rng: &rng)
            } else {
                losses = try trainStep(real: real, rng: &rng)
            }
            try observe(number + 1, losses.discriminator, losses.generator)
        }
    }

    /// KEDMI's step: the discriminator learns the `softLabels` of the `real` images and calls them real and as many
    /// generated ones fake (each half the unsupervised loss, as KEDMI weighs them); then the generator moves the
    /// means of the discriminator's features of its images towards those of the real ones.
    public func knowledgeEnrichedStep(real: Tensor, softLabels: Tensor, rng: inout RandomGenerator) throws -> (discriminator: Float, generator: Float) {
        let count = real.shape[0]
        discriminatorOptimizer.zeroGradients()
        let realScores = try discriminator.forward(real, mode: .training)
        let supervised = SemiSupervisedGANLoss.softCrossEntropy(realScores, targets: softLabels)
        let realness = SemiSupervisedGANLoss.realness(realScores, real: true, weight: 0.5)
        for index in 0..<supervised.gradient.count { supervised.gradient[index] += realness.gradient[index] }
        _ = discriminator.backward(supervised.gradient, needsInputGradient: false)
        latent.copy(from: Self.sampleLatent(count, rng: &rng))
        let fakeScores = try discriminator.forward(try generator.forward(latent, mode: .training), mode: .training)
        let fakeness = SemiSupervisedGANLoss.realness(fakeScores, real: false, weight: 0.5)
        _ = discriminator.backward(fakeness.gradient, needsInputGradient: false)
        discriminatorOptimizer.step()
        let mean = { (values: [Float]) in values.reduce(0, +) / Float(max(values.count, 1)) }
        let discriminatorLoss = supervised.loss + 0.5 * (mean(realness.losses) + mean(fakeness.losses))

        generatorOptimizer.zeroGradients()
        let body = discriminator.splitBeforeLastLayer.body
        let realFeatures = try body.forward(real, mode: .training).clone()
        latent.copy(from: Self.sampleLatent(count, rng: &rng))
        let fakeFeatures = try body.forward(try generator.forward(latent, mode: .training), mode: .training)
        let matching = SemiSupervisedGANLoss.featureMatching(fake: fakeFeatures, real: realFeatures)
        // The generator's step needs only the discriminator's input gradient; its weights' would be cleared unused.
        let imageGradient = withFrozenParameters(of: [discriminator]) { body.backward(matching.gradient, needsInputGradient: true) }
        _ = generator.backward(imageGradient, needsInputGradient: false)
        generatorOptimizer.step()
        guard discriminatorLoss.isFinite, matching.loss.isFinite else {
            throw DivergenceError(description: "KEDMI's GAN losses became \(discriminatorLoss), \(matching.loss)")
        }
        return (discriminatorLoss, matching.loss)
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
        // The generator's step needs only the discriminator's input gradient; its weights' would be cleared unused.
        let imageGradient = withFrozenParameters(of: [discriminator]) { discriminator.backward(loss.gradient, needsInputGradient: true) }
        _ = generator.backward(imageGradient, needsInputGradient: false)
        generatorOptimizer.step()
        guard realLoss.isFinite, fakeLoss.isFinite, generatorLoss.isFinite else {
            throw DivergenceError(description: "the GAN's losses became \(realLoss + fakeLoss), \(generatorLoss)")
        }
        return (realLoss + fakeLoss, generatorLoss)
    }
}

extension GenerativePrior {
    /// The file a GAN of `kind` is kept in inside a run folder: `gan.safetensors` (GMI's) or `kedmi-gan.safetensors`.
    public static func fileName(_ kind: Kind) -> String { kind == .general ? "gan.safetensors" : "kedmi-gan.safetensors" }

    /// A prior of `kind` for `config`'s image size, width and classes with the weights of `file` (written from
    /// `networks`).
    public static func load(from file: URL, for config: ExperimentConfig, kind: Kind = .general) throws -> GenerativePrior {
        let prior = GenerativePrior(imageSize: config.size, width: config.width, seed: config.seed, kind: kind, classes: config.privateClasses)
        try prior.networks.loadState(from: file)
        return prior
    }
}
