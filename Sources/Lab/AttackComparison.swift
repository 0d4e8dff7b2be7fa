import Datasets
import Foundation
import NeuralNet

/// One attack's row of the comparison, for one seed.
public struct ComparisonRow: Codable, Sendable {
    public let attack: String
    public let needs: String
    /// The evaluation classifier's accuracy at naming each identity from its reconstruction.
    public let accuracyTop1: Double
    public let accuracyTop5: Double
    /// Distance in the evaluator's feature space from each reconstruction to its identity's nearest private image.
    public let knnDistance: Double?
    /// Per-pixel MSE against each identity's private training image nearest the reconstruction.
    public let mse: Double
    /// The attack's own time: training what it needs (a shared GAN or students counted in every row that uses them)
    /// and reconstructing; not the target's training or the grading.
    public let seconds: Double

    enum CodingKeys: String, CodingKey {
        case attack, needs, accuracyTop1 = "attack_acc_top1", accuracyTop5 = "attack_acc_top5", knnDistance = "knn_dist", mse, seconds
    }
}

/// The `compare` flow: every attack against one target on the same identities, graded alike. Class-level attacks
/// make one image per identity; the training-based attacks and the baselines reconstruct one victim per identity
/// (its first private training image, released under the victims' policy). Every image is graded against its
/// identity as class-level attacks are: evaluator accuracy, KNN distance, MSE to the nearest private image.
public enum AttackComparison {
    /// What one seed's comparison found: the rows, and the images behind them (`victims` first, then one tensor per
    /// row), for a picture.
    public struct Outcome {
        public let rows: [ComparisonRow]
        public let victims: ImageSet
        public let reconstructions: [Tensor]
        /// The GANs the GMI and KEDMI rows used, by kind, and the students of the augmented rows, with how long
        /// training them took here (zero when given).
        public let priors: [GenerativePrior.Kind: Trained<GenerativePrior>]
        public let students: Trained<[Sequential]>?
    }

    /// A model the rows that need it share, and how long training it took here (zero when given): every row that
    /// uses it counts that time in its seconds.
    public struct Trained<Model> {
        public let model: Model
        public let seconds: Double
    }

    /// Measures `attacks` on `config`'s target (`classifierFile`, else trained) for `classes`. `fredrikson` and `gmi`
    /// set the optimisation attacks (the variant is each row's); `priors` (by their kind) and `students` are used
    /// instead of training them when given, otherwise the first row that needs one trains it and the later ones
    /// reuse it. With a `journal`,
    /// rows and models it kept from an unfinished comparison with these settings are read back, and what is
    /// measured or trained here is kept in it as soon as it is done.
    public static func measure(_ config: ExperimentConfig, attacks: [ComparedAttack], classes: [Int], classifierFile: URL?,
                               evaluator: EvaluatorChoice = .automatic, fredrikson: FredriksonAttack.Settings,
                               gmi: GMIAttack.Settings, priors: [GenerativePrior] = [], students: [Sequential] = [],
                               journal: ComparisonJournal? = nil, observe: @escaping (LabEvent) throws -> Void, checkpoint: @escaping () throws -> Void = {},
                               progress: (ComparedAttack) -> Void = { _ in }) throws -> Outcome {
        let lab = try Experiment(config, classifierFile: classifierFile, evaluator: evaluator, observe: observe)
        lab.checkpoint = checkpoint
        if let wrong = classes.first(where: { !(0..<config.privateClasses).contains($0) }) {
            throw ConfigurationError("--classes: \(wrong) is not a private class (0 to \(config.privateClasses - 1))")
        }
        if classifierFile == nil { try lab.trainClassifier() }
        let train = lab.split.classifierTrain
        let groups = train.indicesByClass()
        let victimIndices = classes.map { groups[$0][0] }
        let release = config.attack.victimRelease
        var sharedPriors = Dictionary(priors.map { ($0.kind, Trained(model: $0, seconds: 0)) }) { first, _ in first }
        var sharedStudents = students.isEmpty ? nil : Trained(model: students, seconds: 0)
        for kind in GenerativePrior.Kind.allCases where sharedPriors[kind] == nil {
            sharedPriors[kind] = try journal?.prior(for: config, kind: kind)
        }
        if sharedStudents == nil { sharedStudents = try journal?.students(for: config) }
        var rows: [ComparisonRow] = [], reconstructions: [Tensor] = []
        for attack in attacks {
            if let finished = try journal?.finishedRow(attack, classes: classes.count, shape: [1, train.height, train.width]) {
                try observe(.stage("\(attack.name): measured before, read from \(journal?.folder.path ?? "")"))
                rows.append(finished.row)
                reconstructions.append(finished.images)
                continue
            }
            progress(attack)
            let started = Date()
            var reused = 0.0
            let images: Tensor
            switch attack {
            case .trainingBased(let aligned):
                let settings = AttackSettings(auxiliary: config.attack.auxiliary, victimRelease: release,
                                              trainingRelease: aligned ? .likeVictims : .fixed(.full))
                let inversion = try lab.inversion(for: settings)
                images = try inversion.reconstruct(victims: train, indices: victimIndices, release: release,
                                                   context: try lab.context(auxiliary: config.attack.auxiliary))
            case .fredrikson, .gmi, .kedmi:
                let variant: GMIAttack.Variant? = switch attack {
                case .gmi(let variant), .kedmi(let variant): variant
                default: nil
                }
                let augments = variant?.augmentsModels ?? false
                let prior = attack.gan.flatMap { sharedPriors[$0] }
                let given = augments ? sharedStudents : nil
                reused += (prior?.seconds ?? 0) + (given?.seconds ?? 0)
                let optimiser = attack.makeOptimisationAttack(fredrikson: fredrikson, gmi: gmi, prior: prior?.model, students: given?.model ?? [])!
                let context = try lab.whiteBoxContext(auxiliary: config.attack.auxiliary)
                try optimiser.prepare(context)
                images = try optimiser.reconstruct(classes: classes, context: context)
                if let trained = optimiser as? GMIAttack {
                    if prior == nil, let gan = trained.prior {
                        sharedPriors[gan.kind] = Trained(model: gan, seconds: trained.trainingSeconds.prior)
                        try journal?.record(prior: gan, seconds: trained.trainingSeconds.prior)
                    }
                    if given == nil && augments {
                        sharedStudents = Trained(model: trained.augmented, seconds: trained.trainingSeconds.students)
                        try journal?.record(students: trained.augmented, seconds: trained.trainingSeconds.students)
                    }
                }
            case .baseline(let baseline):
                images = try lab.baselineImages(baseline, victims: train, indices: victimIndices, policy: release,
                                                auxiliary: config.attack.auxiliary)
            }
            let seconds = Date().timeIntervalSince(started) + reused
            let grade = try lab.gradeClasses(images, classes: classes)
            let row = ComparisonRow(attack: attack.name, needs: attack.needs, accuracyTop1: grade.accuracyTop1 ?? 0,
                                    accuracyTop5: grade.accuracyTop5 ?? 0, knnDistance: grade.knnDistance,
                                    mse: grade.pixels.mse, seconds: seconds)
            try journal?.record(row, images: images)
            rows.append(row)
            reconstructions.append(images)
        }
        return Outcome(rows: rows, victims: train.subset(victimIndices), reconstructions: reconstructions, priors: sharedPriors,
                       students: sharedStudents)
    }
}
