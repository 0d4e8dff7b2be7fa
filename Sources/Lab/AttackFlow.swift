import Foundation
import NeuralNet
import TensorFiles

/// The `attack` flow: a white-box optimisation attack on the target (loaded, shipped or trained), reconstructing one
/// image per class, graded as class-level attacks are graded, written to a run folder.
public enum AttackFlow {
    /// Runs `attack` against `config`'s target for `classes`. `classifierFile` loads the target (otherwise it
    /// trains); `folder` receives config.json, attack.json, reconstructions.npy, attack.png (a private photo of each
    /// person on top, the reconstruction below) and the models the attack trained, with `state.json` saying how the
    /// run ended.
    public static func run(_ config: ExperimentConfig, attack: any ClassAttack, classes: [Int]?, classifierFile: URL?,
                           evaluator: EvaluatorChoice = .automatic, folder: RunFolder?,
                           observe: @escaping (LabEvent) throws -> Void,
                           checkpoint: @escaping () throws -> Void = {}) throws -> AttackReport {
        let lab = try Experiment(config, classifierFile: classifierFile, evaluator: evaluator, runFolder: folder, observe: observe)
        lab.checkpoint = checkpoint
        let classes = classes ?? Array(0..<config.privateClasses)
        if let wrong = classes.first(where: { !(0..<config.privateClasses).contains($0) }) {
            throw ConfigurationError("--classes: \(wrong) is not a private class (0 to \(config.privateClasses - 1))")
        }
        let body = {
            try folder?.saveConfig(config)
            if classifierFile == nil { try lab.trainClassifier() }
            let started = Date()
            let context = try lab.whiteBoxContext(auxiliary: config.attack.auxiliary)
            try attack.prepare(context)
            let images = try attack.reconstruct(classes: classes, context: context)
            let seconds = Date().timeIntervalSince(started)
            let grade = try lab.gradeClasses(images, classes: classes)
            let report = AttackReport(method: attack.method, classes: classes.count, seconds: seconds,
                                      targetConfidence: classes.map { Double(attack.confidence[$0] ?? 0) }.reduce(0, +) / Double(classes.count),
                                      grade: grade, evaluatorAccuracy: try lab.evaluator().heldOutAccuracy ?? 0)
            if let folder {
                try NumpyArray.write(images, to: folder.file("reconstructions.npy"))
                let groups = lab.split.classifierTrain.indicesByClass()
                try folder.saveReconstructionGrid(truths: lab.split.classifierTrain.subset(classes.map { groups[$0][0] }),
                                                  reconstructions: images, name: "attack.png")
                try report.json.write(to: folder.file("attack.json"), atomically: true, encoding: .utf8)
                for (file, network) in attack.trainedModels { try network.saveState(to: folder.file(file)) }
            }
            return report
        }
        guard let folder else { return try body() }
        return try folder.track(body)
    }
}

/// What `attack` reports, printed as JSON by `attack --json`.
public struct AttackReport: Encodable, Sendable {
    public let method: String
    public let classes: Int
    /// The attack's own time (preparing and reconstructing), without training the target or grading.
    public let seconds: Double
    /// The target's mean confidence in each class for its reconstruction (before post-processing).
    public let targetConfidence: Double
    /// Attack accuracy, KNN distance, and the pixel metrics against each class's nearest private training image.
    public let grade: AttackGrade
    public let evaluatorAccuracy: Double

    enum CodingKeys: String, CodingKey {
        case method, classes, seconds, targetConfidence = "target_confidence", grade, evaluatorAccuracy = "evaluator_test_accuracy"
    }

    /// One line of JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
