import Foundation
import NeuralNet

/// The `run` flow: train (or load) the target, prepare the configured attack, evaluate it on the victims,
/// optionally the joint attack beside it, and write the run folder.
public enum RunFlow {
    /// Runs `config` end to end; `classifierFile` loads the target instead of training it, `jointWeight` adds the
    /// malicious developer's joint training, `folder` receives the run folder (created once the data has loaded,
    /// its `state.json` saying how the run ended), `torch` trains the models with PyTorch instead of invertlab's
    /// engine (in the run folder, which it then needs). `describe` is told what was loaded before training starts;
    /// `checkpoint` runs between any two batches, and what it throws stops the run.
    public static func run(_ config: ExperimentConfig, classifierFile: URL?, evaluator: EvaluatorChoice = .automatic,
                           jointWeight: Float?, folder: RunFolder?, torch: TorchEngine? = nil,
                           observe: @escaping (LabEvent) throws -> Void,
                           checkpoint: @escaping () throws -> Void = {},
                           describe: (Experiment) -> Void = { _ in }) throws -> RunReport {
        let started = Date()
        if torch != nil { try TorchEngine.check(config, jointWeight: jointWeight, folder: folder) }
        let lab = try Experiment(config, classifierFile: classifierFile, evaluator: evaluator, runFolder: folder, observe: observe)
        lab.checkpoint = checkpoint
        describe(lab)
        guard let folder else { return try evaluate(lab, trainClassifier: classifierFile == nil, jointWeight: jointWeight, started: started) }
        return try folder.track {
            try folder.saveConfig(config)
            if let torch {
                try torch.train(lab, in: folder, trainClassifier: classifierFile == nil, plans: TorchDecoderPlan.run(config),
                                    observe: observe, checkpoint: checkpoint)
            }
            let report = try evaluate(lab, trainClassifier: classifierFile == nil && torch == nil, jointWeight: jointWeight,
                                      started: started)
            let attack = try lab.inversion(for: config.attack, checkpoints: true)
            try lab.writeRun(to: folder, attack: attack, settings: config.attack)
            return report
        }
    }

    /// Trains what needs training and measures the configured attack (and the joint one, when asked).
    private static func evaluate(_ lab: Experiment, trainClassifier: Bool, jointWeight: Float?, started: Date) throws -> RunReport {
        let config = lab.config
        if trainClassifier { try lab.trainClassifier() }
        try lab.startMonitoring()
        let trainAccuracy = try lab.classifierAccuracy(on: lab.split.classifierTrain)
        let testAccuracy = try lab.classifierAccuracy(on: lab.split.classifierTest)
        let attack = try lab.inversion(for: config.attack, checkpoints: true)
        let (mseTrain, mseTest) = try lab.finalVictimErrors(config.attack)
        let test = lab.split.classifierTest
        let images = try lab.testVictimReconstructions(of: attack, policy: config.attack.victimRelease)
        let recognised = ClassMeans(of: lab.split.classifierTrain, classes: config.privateClasses)
            .recognisedShare(images, victims: test, indices: Array(0..<test.count))
        let gradingStarted = Date()
        let evaluator = try lab.evaluator()
        let grade = try lab.grade(images, of: test, indices: Array(0..<test.count))
        let baselines = try lab.testVictimBaselines(policy: config.attack.victimRelease, auxiliary: config.attack.auxiliary)
        let gradingSeconds = Date().timeIntervalSince(gradingStarted)
        let monitor = try lab.monitorReport(auxiliary: config.attack.auxiliary)
        let joint = try jointWeight.map { weight in
            let result = try lab.jointAttack(weight: weight, epochs: config.epochsClassifier, policy: config.attack.victimRelease)
            return RunReport.Joint(weight: weight, testAccuracy: result.testAccuracy, mseVictimTrain: result.train,
                                   mseVictimTest: result.test)
        }
        return RunReport(
            classifier: .init(trainAccuracy: trainAccuracy, testAccuracy: testAccuracy, defence: config.defence.text,
                              privacy: lab.classifier.privacy?.budget),
            inversion: .init(aux: config.attack.auxiliary.text, kTrain: config.attack.trainingPolicy.text,
                             kVictim: config.attack.victimRelease.text, mseVictimTrain: mseTrain, mseVictimTest: mseTest,
                             psnrVictimTest: grade.pixels.psnr, ssimVictimTest: grade.pixels.ssim,
                             attackAccuracyTop1: grade.accuracyTop1 ?? 0, attackAccuracyTop5: grade.accuracyTop5 ?? 0,
                             knnDistanceVictimTest: grade.knnDistance, recognisedTest: recognised,
                             auxiliaryImages: try lab.auxiliarySet(config.attack.auxiliary).count, chosenEpoch: attack.chosenEpoch),
            evaluator: .init(testAccuracy: evaluator.heldOutAccuracy ?? 0, architecture: EvaluationNetwork.summary,
                             seconds: gradingSeconds),
            baselines: Dictionary(uniqueKeysWithValues: baselines.map { baseline, grade in
                (baseline.rawValue, RunReport.BaselineResult(mseVictimTest: grade.pixels.mse, attackAccuracyTop1: grade.accuracyTop1 ?? 0,
                                                             attackAccuracyTop5: grade.accuracyTop5 ?? 0))
            }),
            joint: joint, monitor: monitor, queries: lab.api.queries, seconds: Date().timeIntervalSince(started))
    }
}

/// What `run` reports, printed as JSON by `run --json`.
public struct RunReport: Codable, Sendable {
    public struct Classifier: Codable, Sendable {
        public let trainAccuracy: Double
        public let testAccuracy: Double
        /// The training defence, in the text form `--defence` takes.
        public let defence: String
        /// Under DP-SGD with noise: the guarantee its training reached.
        public let privacy: PrivacyBudget?
        enum CodingKeys: String, CodingKey {
            case trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy", defence, privacy
        }
    }

    public struct Inversion: Codable, Sendable {
        public let aux: String
        public let kTrain: String
        public let kVictim: String
        public let mseVictimTrain: Double
        public let mseVictimTest: Double
        /// Mean PSNR (dB) and SSIM of the test victims' reconstructions.
        public let psnrVictimTest: Double
        public let ssimVictimTest: Double
        /// The evaluator's top-1 and top-5 accuracy on the test victims' reconstructions.
        public let attackAccuracyTop1: Double
        public let attackAccuracyTop5: Double
        /// Mean squared KNN distance of the test victims' reconstructions in the evaluator's embedding.
        public let knnDistanceVictimTest: Double?
        /// The share of test victims whose reconstruction is nearest their own class's mean image.
        public let recognisedTest: Double
        public let auxiliaryImages: Int
        /// The epoch whose weights were kept, chosen on held-out auxiliary images.
        public let chosenEpoch: Int?
        enum CodingKeys: String, CodingKey {
            case aux, kTrain = "k_train", kVictim = "k_victim", mseVictimTrain = "mse_victim_train", mseVictimTest = "mse_victim_test"
            case psnrVictimTest = "psnr_victim_test", ssimVictimTest = "ssim_victim_test"
            case attackAccuracyTop1 = "attack_acc_top1", attackAccuracyTop5 = "attack_acc_top5"
            case knnDistanceVictimTest = "knn_dist_victim_test"
            case recognisedTest = "recognised_test", auxiliaryImages = "aux_images", chosenEpoch = "chosen_epoch"
        }
    }

    /// The evaluation classifier that graded the attack.
    public struct Evaluator: Codable, Sendable {
        /// Its accuracy on the private images held out from its training.
        public let testAccuracy: Double
        public let architecture: String
        /// The time spent grading: the evaluator loaded (or trained), the attack and the baselines judged.
        public let seconds: Double
        enum CodingKeys: String, CodingKey { case testAccuracy = "test_accuracy", architecture, seconds }
    }

    /// A baseline's grade on the test victims (see `Baseline`).
    public struct BaselineResult: Codable, Sendable {
        public let mseVictimTest: Double
        public let attackAccuracyTop1: Double
        public let attackAccuracyTop5: Double
        enum CodingKeys: String, CodingKey {
            case mseVictimTest = "mse_victim_test", attackAccuracyTop1 = "attack_acc_top1", attackAccuracyTop5 = "attack_acc_top5"
        }
    }

    public struct Joint: Codable, Sendable {
        public let weight: Float
        public let testAccuracy: Double
        public let mseVictimTrain: Double
        public let mseVictimTest: Double
        enum CodingKeys: String, CodingKey {
            case weight, testAccuracy = "test_accuracy", mseVictimTrain = "mse_victim_train", mseVictimTest = "mse_victim_test"
        }
    }

    public let classifier: Classifier
    public let inversion: Inversion
    public let evaluator: Evaluator
    /// By baseline name (`mean`, `nearest`, `random`).
    public let baselines: [String: BaselineResult]
    public let joint: Joint?
    /// The service's query monitor against this attack's stream and against ordinary users.
    public let monitor: MonitorReport
    public let queries: Int
    public let seconds: Double
}
