import ArgumentParser
import Foundation
import Lab
import NeuralNet
import TensorFiles

/// `invertlab attack`: a white-box optimisation attack on the target, one reconstruction per class, graded.
struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "Run a white-box optimisation attack on the target and grade its reconstruction of each class.",
        discussion: """
            fredrikson: Fredrikson et al. (CCS 2015), the baseline of the CCS 2019 paper: from the auxiliary \
            set's mean face, gradient descent on the image to minimise 1 - p_y for each class y (learning rate \
            0.1; stops after --iterations, once p_y reaches 0.99, or after 100 iterations without improvement), \
            then Gaussian denoising and unsharp-mask sharpening as the CCS 2019 paper does. It needs the target's \
            gradients, not only its released vectors.

            gmi: Zhang et al. (CVPR 2020): a GAN trained on the auxiliary images (--gan-epochs; generator shaped like \
            the inversion model's decoder from a latent z in [-1, 1]^100, discriminator like the classifier with \
            one output; standard GAN loss, not GMI's WGAN-GP) gives a prior over faces; for each class the attack \
            minimises -D(G(z)) + 100 x cross-entropy of the target at the class over z with Nesterov SGD (learning \
            rate 0.02, momentum 0.9, --iterations 1500, z clipped to [-1, 1]) from --restarts 5 random starts, and \
            keeps the start whose image the target is most confident in.

            gmi-logit, gmi-aug, lomma: GMI with the additions of Nguyen et al. (CVPR 2023, "LOMMA"). The logit loss \
            replaces the cross-entropy by -logit_y plus the mean squared distance (weight 1) of the target's \
            penultimate features from their mean over the auxiliary images; model augmentation distils three \
            classifiers of another architecture from the target's softmax on the auxiliary images (--distil-epochs) \
            and averages the identity loss over them and the target; lomma does both.

            kedmi: Chen et al. (ICCV 2021): the GAN learns from the target too: its discriminator classifies the \
            auxiliary images into the target's classes, learning the target's soft labels of them, and calls an \
            image real by the log-sum-exp of its logits; the generator matches the means of the discriminator's \
            features of real images. For each class the attack learns a Gaussian over the latent space (mean from \
            0, log-variance from 1) by Adam (learning rate 0.02, --iterations 1500) on one clipped sample per \
            iteration, minimising softplus(-logsumexp D(G(z))) + 100 x cross-entropy, then draws --restarts \
            samples and keeps the one the target is most confident in. kedmi-logit, kedmi-aug and kedmi-lomma add \
            LOMMA's logit loss, model augmentation, or both.

            The GANs and the students are saved in the run folder (gan.safetensors or kedmi-gan.safetensors, \
            student-1..3.safetensors); --gan and --students reuse them, so an attack need not train them again.

            The target is the preset's shipped classifier when one ships (so the attack starts at once), else \
            --classifier, else one trained first. Each reconstruction is graded against its class: attack accuracy \
            (the evaluation classifier names the class), KNN distance, and MSE, PSNR and SSIM against the private \
            training image of that person nearest to it.

            Example: invertlab attack --preset orl --method fredrikson --classes 0-9 --out runs/fredrikson --json
            """
    )

    /// The optimisation attacks `--method` offers.
    enum Method: String, ExpressibleByArgument, CaseIterable {
        case fredrikson
        case gmi
        case gmiLogit = "gmi-logit"
        case gmiAug = "gmi-aug"
        case lomma
        case kedmi
        case kedmiLogit = "kedmi-logit"
        case kedmiAug = "kedmi-aug"
        case kedmiLomma = "kedmi-lomma"

        /// The GAN a GMI-family method searches and LOMMA's changes it makes; nil for fredrikson.
        var latentSearch: (gan: GenerativePrior.Kind, variant: GMIAttack.Variant)? {
            switch self {
            case .fredrikson: nil
            case .gmi: (.general, .gmi)
            case .gmiLogit: (.general, .gmiLogit)
            case .gmiAug: (.general, .gmiAug)
            case .lomma: (.general, .lomma)
            case .kedmi: (.knowledgeEnriched, .gmi)
            case .kedmiLogit: (.knowledgeEnriched, .gmiLogit)
            case .kedmiAug: (.knowledgeEnriched, .gmiAug)
            case .kedmiLomma: (.knowledgeEnriched, .lomma)
            }
        }
    }

    @OptionGroup var experiment: ExperimentOptions

    @Option(help: "The attack: \(Method.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: Method = .fredrikson

    @Option(help: "Classes to reconstruct: numbers and ranges such as 0-19 or 0,3,7-9 (default: every private class).",
            transform: ClassListArgument.parse)
    var classes: [Int]?

    @Option(parsing: .unconditional, help: "Most iterations of gradient descent per class (default: fredrikson 5000, gmi 1500).")
    var iterations: Int?

    @OptionGroup var gmiOptions: GMIOptions

    @Option(help: "gmi, kedmi and their variants: reuse this trained GAN of the method's kind (gan.safetensors or kedmi-gan.safetensors of an earlier attack's run folder).")
    var gan: String?

    @Option(help: "gmi-aug, lomma, kedmi-aug, kedmi-lomma: reuse these three trained students, comma-separated (student-1..3.safetensors).",
            transform: { $0.split(separator: ",").map(String.init) })
    var students: [String]?

    @Option(help: "Load this trained classifier (safetensors) instead of the shipped one or training one.")
    var classifier: String?

    @Flag(help: "Train the target (and GMI's GAN and LOMMA's students) here even when trained ones ship.")
    var retrain = false

    @Option(help: "Write the run folder here (config.json, attack.json, reconstructions.npy, attack.png).")
    var out: String?

    @OptionGroup var output: OutputFlags

    func validate() throws {
        if let iterations, !(1...1_000_000).contains(iterations) {
            throw ValidationError("--iterations must be between 1 and 1000000, not \(iterations)")
        }
        if gan != nil && method == .fredrikson { throw ValidationError("--gan is for gmi, kedmi and their variants, not fredrikson") }
        if students != nil && !(method.latentSearch?.variant.augmentsModels ?? false) {
            throw ValidationError("--students is for gmi-aug, lomma, kedmi-aug and kedmi-lomma, not \(method.rawValue)")
        }
        if let students, students.count != StudentNetwork.allCases.count {
            throw ValidationError("--students takes \(StudentNetwork.allCases.count) files, comma-separated, not \(students.count)")
        }
        for file in [gan].compactMap({ $0 }) + (students ?? []) where !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("\(file): no such file")
        }
    }

    /// The attack `--method` and its options ask for, with the GAN and students of `--gan` and `--students` loaded
    /// for `config`'s image size, width and classes, or else those shipped for the preset (the students only when
    /// the target is the shipped one they were distilled from).
    private func makeAttack(_ config: ExperimentConfig, attacksShippedTarget: Bool) throws -> any ClassAttack {
        guard let search = method.latentSearch else {
            var settings = FredriksonAttack.Settings()
            if let iterations { settings.iterations = iterations }
            return FredriksonAttack(settings: settings)
        }
        var gmi = gmiOptions.settings(iterations: iterations)
        (gmi.gan, gmi.variant) = search
        let shippedPrior = retrain ? nil : config.shippedPrior(gmi.gan, targetIsShipped: attacksShippedTarget)
        let priorFile = gan.map { URL(fileURLWithPath: $0) } ?? shippedPrior
        let prior = try priorFile.map { try GenerativePrior.load(from: $0, for: config, kind: gmi.gan) }
        var trained: [Sequential] = []
        if let studentFiles = students.map({ $0.map { URL(fileURLWithPath: $0) } }) ?? (attacksShippedTarget ? config.shippedStudents : nil),
           gmi.variant.augmentsModels {
            trained = try ModelAugmentation.loadStudents(from: studentFiles, for: config)
        }
        return GMIAttack(settings: gmi, prior: prior, augmented: trained)
    }

    func run() throws {
        let config = try experiment.config()
        let folder = try out.map { try RunFolder(path: $0, replacing: output.overwrite) }
        let classifierFile = try classifier.map { path -> URL in
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("--classifier \(path): no such file") }
            return URL(fileURLWithPath: path)
        } ?? (retrain ? nil : config.shippedClassifier)
        let progress = ProgressBar(quiet: output.quiet)
        let stop = SignalStop()
        let report = try stop.run(folder: folder) {
            try AttackFlow.run(config, attack: makeAttack(config, attacksShippedTarget: classifierFile != nil && classifierFile == config.shippedClassifier), classes: classes, classifierFile: classifierFile,
                               evaluator: try experiment.evaluatorChoice(), folder: folder,
                               observe: { try stop.check(); progress.show($0) }, checkpoint: stop.check)
        }
        if output.json { return print(report.json) }
        let grade = report.grade
        print(String(format: "%@ on %d classes: %.1f s, the target's confidence in each class %.1f%% on average", method.rawValue,
                     report.classes, report.seconds, 100 * report.targetConfidence))
        print(String(format: "attack accuracy (evaluator, %.1f%% on its held-out private images): top-1 %.1f%%, top-5 %.1f%%, KNN distance %.1f",
                     100 * report.evaluatorAccuracy, 100 * (grade.accuracyTop1 ?? 0), 100 * (grade.accuracyTop5 ?? 0), grade.knnDistance ?? .nan))
        print(String(format: "against the nearest private image of each class: MSE %.4f, PSNR %.2f dB, SSIM %.4f", grade.pixels.mse,
                     grade.pixels.psnr, grade.pixels.ssim))
        if let out { print("run folder: \(out)") }
    }
}
