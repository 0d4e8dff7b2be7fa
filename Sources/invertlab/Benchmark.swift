import Dispatch
import Foundation
import Lab
import NeuralNet
import Workbench

/// One benchmark configuration: the paper's models at a width, class count and image size.
struct BenchConfig: Codable, Equatable {
    let width: Int
    let classes: Int
    let pixels: Int

    /// The four configurations the engine is measured at, smallest first; the last is the paper's FaceScrub scale.
    static let standard = [BenchConfig(width: 32, classes: 40, pixels: 64), BenchConfig(width: 32, classes: 40, pixels: 32),
                           BenchConfig(width: 64, classes: 100, pixels: 64), BenchConfig(width: 128, classes: 530, pixels: 64)]

    var label: String { "(\(width), \(classes), \(pixels))" }
}

/// The speed of one kind of training step.
struct StepFigures: Codable {
    let imagesPerSecond: Double
    /// GEMM-layer work over the whole step's time.
    let gflops: Double
    /// Convolution work over the time spent inside convolution layers.
    let convolutionGflops: Double
    let steps: Int

    enum CodingKeys: String, CodingKey {
        case imagesPerSecond = "images_per_second", gflops, convolutionGflops = "conv_gflops", steps
    }
}

/// Figures for one configuration.
struct ConfigFigures: Codable {
    let width: Int
    let classes: Int
    let pixels: Int
    let classifier: StepFigures
    let attack: StepFigures
    /// A DP-SGD step of the classifier with group normalisation: per-example clipping (norm 1), noise multiplier 1.
    let privateClassifier: StepFigures
    /// A step of GMI's GAN (discriminator on real and generated images, then generator), images = real ones.
    let gan: StepFigures
    /// One iteration of GMI's latent search: generator, discriminator and target forward and back to z, per latent.
    let gmiIteration: StepFigures

    enum CodingKeys: String, CodingKey {
        case width, classes, pixels, classifier, attack, privateClassifier = "private_classifier", gan, gmiIteration = "gmi_iteration"
    }
}

/// Training speed without and with the workbench drawing.
struct WorkbenchFigures: Codable {
    let headlessImagesPerSecond: Double
    let drawingImagesPerSecond: Double
    var ratio: Double { drawingImagesPerSecond / headlessImagesPerSecond }

    enum CodingKeys: String, CodingKey {
        case headlessImagesPerSecond = "headless_images_per_second", drawingImagesPerSecond = "drawing_images_per_second"
    }
}

/// The whole benchmark run.
struct BenchReport: Codable {
    let batch: Int
    let sgemmGflops: Double
    /// `BLASKernels.report()`: the library, its kernels and the CPU's features, so figures say what ran.
    let blas: String
    let configs: [ConfigFigures]
    let workbench: WorkbenchFigures?
    let keyLatency: [KeyLatency.Figures]?

    enum CodingKeys: String, CodingKey {
        case batch, sgemmGflops = "sgemm_gflops", blas, configs, workbench, keyLatency = "key_latency"
    }
}

/// Times training steps of the paper's models at batch `batch`.
struct Benchmark {
    let batch: Int
    /// Each kind of step is repeated until it has run at least this long (and at least twice).
    let minimumSeconds: Double
    /// When set, layer times of the measured steps are collected here, one profile per model and kind of step.
    var profiles: ((String) -> LayerProfile)?

    /// The best of several square sgemm runs, in GFLOP/s: the machine's ceiling for GEMM-bound layers.
    func measureSgemm(size: Int = 1536, repeats: Int = 5) -> Double {
        let a = Tensor(zeros: [size, size])
        let b = Tensor(zeros: [size, size])
        a.fill(0.5)
        b.fill(0.25)
        let c = Tensor(zeros: [size, size])
        var best = Double.infinity
        for _ in 0..<repeats {
            let started = DispatchTime.now().uptimeNanoseconds
            matrixMultiply(a, b, into: c)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9)
        }
        return 2 * pow(Double(size), 3) / best / 1e9
    }

    /// Runs `step` once to warm up, then until `minimumSeconds` have passed; returns seconds a step.
    private func time(_ step: () throws -> Void, resetting models: [Sequential]) rethrows -> (seconds: Double, steps: Int) {
        try step()
        for model in models {
            model.resetGemmStats()
            model.profile?.reset()
        }
        let started = DispatchTime.now().uptimeNanoseconds
        var steps = 0
        var elapsed = 0.0
        while steps < 2 || elapsed < minimumSeconds {
            try step()
            steps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        }
        for model in models { model.profile?.steps = steps }
        return (elapsed / Double(steps), steps)
    }

    private func figures(seconds: Double, steps: Int, models: [Sequential]) -> StepFigures {
        let all = models.reduce(ComputeStats()) { $0 + $1.gemmStats() }
        let convolutions = models.reduce(ComputeStats()) {
            $0 + $1.gemmStats(of: Conv2d.self) + $1.gemmStats(of: ConvTranspose2d.self)
        }
        return StepFigures(imagesPerSecond: Double(batch) / seconds,
                           gflops: Double(all.flops) / Double(steps) / seconds / 1e9,
                           convolutionGflops: Double(convolutions.flops) / max(convolutions.seconds, 1e-12) / 1e9,
                           steps: steps)
    }

    /// Times the classifier's training step, the attack's step (classifier forward without gradients, then the
    /// inversion model's forward, backward and Adam), a DP-SGD step, a GAN step and a GMI iteration for `config`.
    func measure(_ config: BenchConfig) throws -> ConfigFigures {
        var rng = RandomGenerator(seed: 2019)
        let classifier = PaperModels.classifier(imageSize: config.pixels, classes: config.classes, width: config.width, rng: &rng)
        let inversion = PaperModels.inversion(imageSize: config.pixels, classes: config.classes, width: config.width, rng: &rng)
        let images = Tensor(shape: [batch, 1, config.pixels, config.pixels],
                            values: (0..<(batch * config.pixels * config.pixels)).map { _ in rng.nextUnitFloat() })
        let labels = (0..<batch).map { $0 % config.classes }
        classifier.profile = profiles?("\(config.label) classifier step: classifier")
        let classifierStep = ClassifierTrainingStep(model: classifier, optimizer: Adam.paper(classifier.parameters))
        let classifierTime = try time({ _ = try classifierStep(images: images, labels: labels) }, resetting: [classifier])
        let classifierFigures = figures(seconds: classifierTime.seconds, steps: classifierTime.steps, models: [classifier])

        classifier.profile = profiles?("\(config.label) attack step: classifier")
        inversion.profile = profiles?("\(config.label) attack step: inversion")
        let predictor = SoftmaxPredictor(model: classifier)
        let attackStep = InversionTrainingStep(model: inversion, optimizer: Adam.paper(inversion.parameters),
                                               encoding: PredictionEncoding(classes: config.classes, keep: config.classes))
        let attackTime = try time({ _ = try attackStep(predictions: try predictor(images), images: images) },
                                  resetting: [classifier, inversion])
        let attackFigures = figures(seconds: attackTime.seconds, steps: attackTime.steps, models: [classifier, inversion])

        let privateModel = PaperModels.classifier(imageSize: config.pixels, classes: config.classes, width: config.width,
                                                  normalisation: .group, rng: &rng)
        privateModel.profile = profiles?("\(config.label) DP-SGD classifier step: classifier")
        let privateStep = try PrivateTrainingStep(model: privateModel, optimizer: Adam.paper(privateModel.parameters),
                                                  clipNorm: 1, noiseMultiplier: 1, expectedBatch: Float(batch), seed: 2019)
        let privateTime = try time({ _ = try privateStep(images: images, labels: labels) }, resetting: [privateModel])
        let privateFigures = figures(seconds: privateTime.seconds, steps: privateTime.steps, models: [privateModel])

        let gan = GenerativePrior(imageSize: config.pixels, width: config.width, seed: 2019)
        var ganRandom = RandomGenerator(seed: 2020)
        gan.generator.profile = profiles?("\(config.label) GAN step: generator")
        gan.discriminator.profile = profiles?("\(config.label) GAN step: discriminator")
        let ganTime = try time({ _ = try gan.trainStep(real: images, rng: &ganRandom) }, resetting: [gan.generator, gan.discriminator])
        let ganFigures = figures(seconds: ganTime.seconds, steps: ganTime.steps, models: [gan.generator, gan.discriminator])

        let search = GMIAttack(prior: gan)
        gan.generator.profile = profiles?("\(config.label) GMI iteration: generator")
        gan.discriminator.profile = profiles?("\(config.label) GMI iteration: discriminator")
        classifier.profile = profiles?("\(config.label) GMI iteration: target")
        let latent = GenerativePrior.sampleLatent(batch, rng: &rng)
        let latentGradient = Tensor()
        // Frozen as the attack runs them: the search needs the latent's gradient only.
        let searchTime = try withFrozenParameters(of: [gan.generator, gan.discriminator, classifier]) {
            try time({
                _ = try search.objective(latent, labels: labels, target: classifier, prior: gan, latentGradient: latentGradient)
            }, resetting: [gan.generator, gan.discriminator, classifier])
        }
        let searchFigures = figures(seconds: searchTime.seconds, steps: searchTime.steps, models: [gan.generator, gan.discriminator, classifier])
        return ConfigFigures(width: config.width, classes: config.classes, pixels: config.pixels,
                             classifier: classifierFigures, attack: attackFigures, privateClassifier: privateFigures,
                             gan: ganFigures, gmiIteration: searchFigures)
    }
}
