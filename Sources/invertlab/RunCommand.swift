import ArgumentParser
import Datasets
import Foundation
import Lab

/// `invertlab run`: one attack end to end, headless.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train the target classifier and the attacker's inversion model, evaluate, write a run folder.",
        discussion: """
            The target classifier trains on the private classes (or is loaded with --classifier). The attacker \
            queries it with the auxiliary images, receives their released vectors and trains an inversion model \
            to turn vectors back into images. The victims (the classifier's train and test images) are then \
            released under --truncation and reconstructed; the per-pixel MSE says how close the attack came.

            --truncation K keeps the k largest confidences (the paper's defence); all releases the whole vector; \
            round:D, label, noise:S and threshold:T are the other defences. --train-truncation aligned (the \
            default) trains the inversion model on vectors released the same way, the paper's truncation \
            alignment; all trains on full vectors, the earlier approach the paper beats.

            Example: invertlab run --aux generic --truncation 3 --out runs/k3
            """
    )

    @OptionGroup var experiment: ExperimentOptions

    @OptionGroup var release: ReleaseOptions

    @Option(help: "Also train classifier and inversion model jointly (loss = NLL + λ · MSE), the malicious developer's case, and report it beside the black-box pair.")
    var joint: Float?

    @Option(help: "Write the run folder here (config.json, metrics.csv, grids, models).")
    var out: String?

    @Flag(help: "Print one JSON object with the results as the last line.")
    var json = false

    @Flag(help: "No progress on standard error.")
    var quiet = false

    func run() throws {
        let started = Date()
        var config = try experiment.config()
        release.apply(to: &config)
        let folder = try out.map { try RunFolder(URL(fileURLWithPath: $0)) }
        let progress = ProgressBar(quiet: quiet)
        let lab = try Experiment(config, classifierFile: release.classifierFile, runFolder: folder,
                                 observe: progress.show)
        if !quiet { FileHandle.standardError.write(Data((lab.split.summary + "\nauxiliary: \(lab.auxiliary.origin)\n").utf8)) }
        try folder?.saveConfig(config)
        if release.classifier == nil { try lab.trainClassifier() }
        let trainAccuracy = try lab.classifier.accuracy(on: lab.split.classifierTrain)
        let testAccuracy = try lab.classifier.accuracy(on: lab.split.classifierTest)
        try lab.trainInversion()
        let (mseTrain, mseTest) = try lab.finalVictimErrors()
        let jointResult = try joint.map { weight in
            let result = try lab.jointAttack(weight: weight, epochs: config.epochsClassifier)
            return RunResult.Joint(weight: weight, testAccuracy: result.testAccuracy, mseVictimTrain: result.train,
                                   mseVictimTest: result.test)
        }
        if let folder {
            try folder.saveMetrics(lab.history)
            try folder.saveModel(lab.classifier.model, as: "classifier")
            try folder.saveModel(lab.inversion.model, as: "inversion")
            for (set, name) in [(lab.split.classifierTrain, "reconstructions_train.png"), (lab.split.classifierTest, "reconstructions_test.png")] {
                let victims = try lab.reconstructions(of: set, count: 32)
                try folder.saveReconstructionGrid(truths: set, reconstructions: victims.images, name: name)
            }
            try folder.saveClassGrid(try lab.inversion.classRepresentatives(classes: config.privateClasses), name: "class_inference.png")
        }
        let result = RunResult(
            classifier: .init(trainAccuracy: trainAccuracy, testAccuracy: testAccuracy),
            inversion: .init(aux: config.aux, kTrain: config.trainTruncation == "aligned" ? config.truncation : config.trainTruncation,
                             kVictim: config.truncation, mseVictimTrain: mseTrain, mseVictimTest: mseTest),
            joint: jointResult, queries: lab.api.queries, seconds: Date().timeIntervalSince(started))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(String(format: "classifier accuracy: %.1f%% train, %.1f%% test", 100 * trainAccuracy, 100 * testAccuracy))
            print(String(format: "victim MSE (aux %@, train truncation %@, victim truncation %@): %.4f train, %.4f test",
                         result.inversion.aux, result.inversion.kTrain, result.inversion.kVictim, mseTrain, mseTest))
            if let jointResult {
                print(String(format: "joint training (λ = %g): classifier test accuracy %.1f%%, victim MSE %.4f train, %.4f test",
                             jointResult.weight, 100 * jointResult.testAccuracy, jointResult.mseVictimTrain, jointResult.mseVictimTest))
            }
            if let out { print("run folder: \(out)") }
        }
    }
}

/// The JSON `run --json` prints.
struct RunResult: Codable {
    struct Classifier: Codable {
        let trainAccuracy: Double
        let testAccuracy: Double
        enum CodingKeys: String, CodingKey { case trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy" }
    }

    struct Inversion: Codable {
        let aux: String
        let kTrain: String
        let kVictim: String
        let mseVictimTrain: Double
        let mseVictimTest: Double
        enum CodingKeys: String, CodingKey {
            case aux, kTrain = "k_train", kVictim = "k_victim", mseVictimTrain = "mse_victim_train", mseVictimTest = "mse_victim_test"
        }
    }

    struct Joint: Codable {
        let weight: Float
        let testAccuracy: Double
        let mseVictimTrain: Double
        let mseVictimTest: Double
        enum CodingKeys: String, CodingKey {
            case weight, testAccuracy = "test_accuracy", mseVictimTrain = "mse_victim_train", mseVictimTest = "mse_victim_test"
        }
    }

    let classifier: Classifier
    let inversion: Inversion
    let joint: Joint?
    let queries: Int
    let seconds: Double
}
