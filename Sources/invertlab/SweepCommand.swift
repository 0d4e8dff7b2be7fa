import ArgumentParser
import Datasets
import Foundation
import Lab
import NeuralNet

/// `invertlab sweep`: the paper's truncation comparison, aligned against unaligned, on one classifier.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Compare aligned and unaligned inversion models across truncations and auxiliary sets.",
        discussion: """
            One classifier is trained (or loaded). For each auxiliary set, an unaligned inversion model is trained \
            on full vectors and, for each victim truncation k, an aligned one on top-k vectors; every victim is \
            reconstructed from its top-k vector by both. The table shows the per-pixel MSE on the classifier's \
            train and test victims (lower is a better attack); the paper finds aligned below unaligned for every \
            k below the class count, the gap widening as k shrinks.

            Example: invertlab sweep --truncation 1,3,5,10,all --aux generic,distinct --out runs/sweep
            """
    )

    @OptionGroup var experiment: ExperimentOptions

    @Option(help: "Victim truncations, comma separated: numbers and all.")
    var truncation = "1,3,5,10,all"

    @Option(name: .customLong("auxes"), help: "Auxiliary sets, comma separated (same, generic, distinct, aligned, augmented, paths).")
    var auxiliarySets = "generic"

    @Option(help: "Load this trained classifier (safetensors) instead of training one.")
    var classifier: String?

    @Option(help: "Write sweep.json, sweep.csv and a grid PNG per auxiliary set here.")
    var out: String?

    @Option(help: "Victims shown in each grid row.")
    var victims = 8

    @Flag(help: "Print one JSON object with the rows as the last line.")
    var json = false

    @Flag(help: "No progress on standard error.")
    var quiet = false

    func run() throws {
        var config = try experiment.config()
        let truncations = truncation.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for k in truncations where k != "all" && Int(k) == nil {
            throw ValidationError("--truncation: '\(k)' is not a number or all")
        }
        config.truncation = truncations.first ?? "all"
        config.trainTruncation = "aligned"
        let folder = try out.map { try RunFolder(URL(fileURLWithPath: $0)) }
        let progress = ProgressBar(quiet: quiet)
        let lab = try Experiment(config, classifierFile: classifier.map { URL(fileURLWithPath: $0) }, observe: progress.show)
        for k in truncations { _ = try ExperimentConfig.with(truncation: k, from: config).victimPolicy(classes: config.privateClasses) }
        if classifier == nil { try lab.trainClassifier() }
        var rows: [SweepRow] = []
        for aux in auxiliarySets.split(separator: ",").map(String.init) {
            let unaligned = try lab.inversionModel(auxiliary: aux, trainingPolicy: .full)
            let test = lab.split.classifierTest
            var grid = ImageGrid(imageHeight: config.size, imageWidth: config.size, columns: min(victims, test.count))
            for index in 0..<min(victims, test.count) { grid.append(test.image(index)) }
            for k in truncations {
                let policy = ReleasePolicy(k)!
                let aligned = try lab.inversionModel(auxiliary: aux, trainingPolicy: policy)
                let alignedErrors = try lab.victimErrors(of: aligned, policy: policy)
                let unalignedErrors = try lab.victimErrors(of: unaligned, policy: policy)
                rows.append(SweepRow(k: k, aux: aux, alignedTrain: alignedErrors.train, alignedTest: alignedErrors.test,
                                     unalignedTrain: unalignedErrors.train, unalignedTest: unalignedErrors.test))
                let shown = try lab.reconstructions(of: test, count: victims, policy: policy, by: aligned).images
                for index in 0..<shown.shape[0] { grid.append(floats: shown.sample(index)) }
            }
            try folder.map { try grid.writePNG(to: $0.file("sweep_\(aux.replacingOccurrences(of: "/", with: "_")).png")) }
        }
        let report = SweepReport(classifierTestAccuracy: try lab.classifier.accuracy(on: lab.split.classifierTest), rows: rows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let jsonText = String(decoding: try encoder.encode(report), as: UTF8.self)
        if let folder {
            try (jsonText + "\n").write(to: folder.file("sweep.json"), atomically: true, encoding: .utf8)
            try report.table.write(to: folder.file("sweep.txt"), atomically: true, encoding: .utf8)
        }
        print(json ? jsonText : report.table, terminator: json ? "\n" : "")
    }
}

/// One (k, auxiliary set) row of the comparison.
struct SweepRow: Codable {
    let k: String
    let aux: String
    let alignedTrain: Double
    let alignedTest: Double
    let unalignedTrain: Double
    let unalignedTest: Double

    enum CodingKeys: String, CodingKey {
        case k, aux, alignedTrain = "aligned_mse_train", alignedTest = "aligned_mse_test"
        case unalignedTrain = "unaligned_mse_train", unalignedTest = "unaligned_mse_test"
    }
}

/// The sweep's results.
struct SweepReport: Codable {
    let classifierTestAccuracy: Double
    let rows: [SweepRow]

    enum CodingKeys: String, CodingKey { case classifierTestAccuracy = "classifier_test_accuracy", rows }

    /// The paper-style table.
    var table: String {
        var lines = [String(format: "classifier test accuracy %.1f%%", 100 * classifierTestAccuracy),
                     "aux        k     aligned MSE (train / test)   unaligned MSE (train / test)"]
        for row in rows {
            lines.append(String(format: "%-10@ %-5@ %.4f / %.4f              %.4f / %.4f", row.aux as NSString, row.k as NSString,
                                row.alignedTrain, row.alignedTest, row.unalignedTrain, row.unalignedTest))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
