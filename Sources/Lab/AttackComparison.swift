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
        /// The GAN and the students the GMI rows used, and how long training them took here (zero when given).
        public let prior: GenerativePrior?
        public let students: [Sequential]
        public let priorSeconds: Double
        public let studentSeconds: Double
    }

    /// Measures `attacks` on `config`'s target (`classifierFile`, else trained) for `classes`. `fredrikson` and `gmi`
    /// set the optimisation attacks (the variant is each row's); `prior` and `students` are used instead of training
    /// them when given, otherwise the first GMI row trains them and the later ones reuse them. With a `journal`,
    /// rows and models it kept from an unfinished comparison with these settings are read back, and what is
    /// measured or trained here is kept in it as soon as it is done.
    public static func measure(_ config: ExperimentConfig, attacks: [ComparedAttack], classes: [Int], classifierFile: URL?,
                               evaluator: EvaluatorChoice = .automatic, fredrikson: FredriksonAttack.Settings,
                               gmi: GMIAttack.Settings, prior: GenerativePrior? = nil, students: [Sequential] = [],
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
        var shared = (prior: prior, priorSeconds: 0.0, students: students, studentSeconds: 0.0)
        if shared.prior == nil, let kept = try journal?.prior(for: config) { (shared.prior, shared.priorSeconds) = kept }
        if shared.students.isEmpty, let kept = try journal?.students(for: config) { (shared.students, shared.studentSeconds) = kept }
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
            case .fredrikson, .gmi:
                let variant: GMIAttack.Variant? = if case .gmi(let variant) = attack { variant } else { nil }
                let augments = variant?.augmentsModels ?? false
                let given = augments ? shared.students : []
                if variant != nil, shared.prior != nil { reused += shared.priorSeconds }
                if !given.isEmpty { reused += shared.studentSeconds }
                let optimiser = attack.makeOptimisationAttack(fredrikson: fredrikson, gmi: gmi, prior: shared.prior, students: given)!
                let context = try lab.whiteBoxContext(auxiliary: config.attack.auxiliary)
                try optimiser.prepare(context)
                images = try optimiser.reconstruct(classes: classes, context: context)
                if let trained = optimiser as? GMIAttack {
                    if shared.prior == nil, let gan = trained.prior {
                        (shared.prior, shared.priorSeconds) = (gan, trained.trainingSeconds.prior)
                        try journal?.record(prior: gan, seconds: shared.priorSeconds)
                    }
                    if given.isEmpty && augments {
                        (shared.students, shared.studentSeconds) = (trained.augmented, trained.trainingSeconds.students)
                        try journal?.record(students: shared.students, seconds: shared.studentSeconds)
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
        return Outcome(rows: rows, victims: train.subset(victimIndices), reconstructions: reconstructions, prior: shared.prior,
                       students: shared.students, priorSeconds: shared.priorSeconds, studentSeconds: shared.studentSeconds)
    }
}
