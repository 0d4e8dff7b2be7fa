import Foundation
import NeuralNet

/// One row of the defence table: a release policy applied to the plain target, or a target trained with a defence
/// and released whole.
public struct DefenceSetting: Sendable, Equatable {
    public let release: ReleasePolicy
    public let training: TrainingDefence

    public init(release: ReleasePolicy, training: TrainingDefence) {
        self.release = release
        self.training = training
    }

    /// The row's name, in the text forms `--truncation` and `--defence` take.
    public var name: String {
        switch (release, training) {
        case (.full, .none): "none"
        case (_, .none): "release \(release.text)"
        default: training.text
        }
    }

    /// The rows `invertlab defend` measures: none; top-1 and top-3; rounding to one decimal; label only; Gaussian
    /// noise of deviation 0.05; DP-SGD at ε 1, 8 and ∞ (clipping alone); label smoothing 0.1 and −0.05; MID at
    /// β 0.01.
    public static let standard: [DefenceSetting] = [
        .init(release: .full, training: .none), .init(release: .topK(1), training: .none),
        .init(release: .topK(3), training: .none), .init(release: .rounded(decimals: 1), training: .none),
        .init(release: .labelOnly, training: .none), .init(release: .noise(standardDeviation: 0.05), training: .none),
        .init(release: .full, training: .differentialPrivacy(epsilon: 1, clipNorm: TrainingDefence.defaultClipNorm)),
        .init(release: .full, training: .differentialPrivacy(epsilon: 8, clipNorm: TrainingDefence.defaultClipNorm)),
        .init(release: .full, training: .differentialPrivacy(epsilon: .infinity, clipNorm: TrainingDefence.defaultClipNorm)),
        .init(release: .full, training: .labelSmoothing(0.1)), .init(release: .full, training: .labelSmoothing(-0.05)),
        .init(release: .full, training: .informationBottleneck(0.01)),
    ]
}

/// What one defence costs and buys, for one seed.
public struct DefenceRow: Codable, Sendable {
    public let defence: String
    /// The target's accuracy on its held-out private images: the defence's price.
    public let testAccuracy: Double
    /// The aligned training-based attacker (its decoder trained on vectors released as the victims' are): the
    /// evaluator's top-1 accuracy on its reconstructions of the test victims, and their MSE.
    public let attackAccuracyTop1: Double
    public let mseVictimTest: Double
    /// Fredrikson's white-box attack on the same target, top-1 over the classes asked for (nil when not run). It
    /// sees the model, not the release, so release rows share the plain target's figure.
    public let whiteBoxAccuracyTop1: Double?
    /// How many queries of the attacker's stream the service's monitor let pass before flagging it; nil if never.
    public let queriesUntilFlagged: Int?
    /// ε of DP-SGD rows with noise.
    public let epsilon: Double?

    enum CodingKeys: String, CodingKey {
        case defence, testAccuracy = "test_accuracy", attackAccuracyTop1 = "attack_acc_top1", mseVictimTest = "mse_victim_test"
        case whiteBoxAccuracyTop1 = "white_box_acc_top1", queriesUntilFlagged = "queries_until_flagged", epsilon
    }
}

/// The `defend` flow: every defence setting against the same attacks on one seed's data.
public enum DefenceTable {
    /// Measures `settings` on `config` (its release and defence are replaced row by row; the attacker is aligned).
    /// The plain target is `classifierFile` when given (the shipped one, say), else trained once and shared by the
    /// release rows; each training defence trains its own. `whiteBoxClasses` runs Fredrikson's attack on those
    /// classes of each distinct target (none when empty).
    public static func measure(_ config: ExperimentConfig, settings: [DefenceSetting] = DefenceSetting.standard,
                               classifierFile: URL?, evaluator: EvaluatorChoice = .automatic, whiteBoxClasses: [Int],
                               whiteBoxIterations: Int = 1000,
                               observe: @escaping (LabEvent) throws -> Void,
                               progress: (String) -> Void = { _ in }) throws -> [DefenceRow] {
        var plain: Experiment?
        var plainWhiteBox: Double?
        // The judge does not depend on the target's defence (`evaluatorSettings`): one serves every row.
        var judge: EvaluationClassifier?
        var rows: [DefenceRow] = []
        for setting in settings {
            progress(setting.name)
            var rowConfig = config
            rowConfig.defence = setting.training
            rowConfig.attack.victimRelease = setting.release
            rowConfig.attack.trainingRelease = .likeVictims
            let lab: Experiment
            if setting.training == .none, let plain {
                lab = plain
            } else {
                let usesFile = setting.training == .none ? classifierFile : nil
                lab = try Experiment(rowConfig, classifierFile: usesFile, evaluator: evaluator, observe: observe)
                lab.evaluatorInUse = judge
                if usesFile == nil { try lab.trainClassifier() }
                if setting.training == .none { plain = lab }
            }
            try lab.startMonitoring()
            let attack = try lab.inversion(for: rowConfig.attack)
            let test = lab.split.classifierTest
            let images = try lab.testVictimReconstructions(of: attack, policy: setting.release)
            let grade = try lab.grade(images, of: test, indices: Array(0..<test.count))
            judge = try lab.evaluator()
            var whiteBox: Double?
            if !whiteBoxClasses.isEmpty {
                if setting.training == .none, let plainWhiteBox {
                    whiteBox = plainWhiteBox
                } else {
                    whiteBox = try whiteBoxAccuracy(lab, classes: whiteBoxClasses, iterations: whiteBoxIterations)
                    if setting.training == .none { plainWhiteBox = whiteBox }
                }
            }
            rows.append(DefenceRow(defence: setting.name, testAccuracy: try lab.classifierAccuracy(on: test),
                                   attackAccuracyTop1: grade.accuracyTop1 ?? 0, mseVictimTest: grade.pixels.mse,
                                   whiteBoxAccuracyTop1: whiteBox, queriesUntilFlagged: lab.api.attackerFlaggedAfter,
                                   epsilon: lab.classifier.privacy?.budget?.epsilon))
        }
        return rows
    }

    /// Fredrikson's attack on `classes` of `lab`'s target: the evaluator's top-1 accuracy on its reconstructions.
    private static func whiteBoxAccuracy(_ lab: Experiment, classes: [Int], iterations: Int) throws -> Double {
        var settings = FredriksonAttack.Settings()
        settings.iterations = iterations
        let attack = FredriksonAttack(settings: settings)
        let context = try lab.whiteBoxContext(auxiliary: lab.config.attack.auxiliary)
        try attack.prepare(context)
        let images = try attack.reconstruct(classes: classes, context: context)
        return try lab.gradeClasses(images, classes: classes).accuracyTop1 ?? 0
    }
}
