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

            --engine torch trains every model with PyTorch in the run folder (see run --help); the table is \
            measured by invertlab as always.

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

    @Option(help: "Write sweep.json, sweep.csv, sweep.txt (the table) and a grid PNG per auxiliary set here.")
    var out: String?

    @Option(parsing: .unconditional, help: "Victims shown in each grid row (at least 1).")
    var victims = 8

    @OptionGroup var engine: EngineOptions

    @OptionGroup var output: OutputFlags

    @OptionGroup var repeats: SeedsOption

    func validate() throws {
        guard victims >= 1 else { throw ValidationError("--victims must be at least 1, not \(victims)") }
        try repeats.check(classifier: classifier)
        try engine.check(out: out)
    }

    func run() throws {
        var config = try experiment.config()
        let policies = try truncation.split(separator: ",").map { try ReleasePolicy(parsing: String($0), option: "--truncation") }
        let auxiliaries = try auxiliarySets.split(separator: ",").map { try AuxiliarySource(parsing: String($0), option: "--auxes") }
        guard let first = policies.first, let firstAuxiliary = auxiliaries.first else {
            throw ValidationError("--truncation and --auxes each need at least one value")
        }
        config.attack = AttackSettings(auxiliary: firstAuxiliary, victimRelease: first, trainingRelease: .likeVictims)
        for policy in policies { try policy.check(classes: config.privateClasses, option: "--truncation") }
        for auxiliary in auxiliaries { try auxiliary.checkAvailable(option: "--auxes") }
        for warning in config.untrainedWarnings(classifierLoaded: classifier != nil) {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        guard repeats.seeds > 1 else {
            let report = try sweepOnce(config, policies: policies, auxiliaries: auxiliaries,
                                       folder: try out.map { try RunFolder(path: $0, replacing: output.overwrite) })
            return print(output.json ? report.json : report.table, terminator: output.json ? "\n" : "")
        }
        let summary = try repeats.repeatEach(config, out: out, overwrite: output.overwrite, quiet: output.quiet) { try sweepOnce($0, policies: policies, auxiliaries: auxiliaries, folder: $1) }
        let seeds = summary.seeds
        if output.json { return print(summary.json) }
        // Every figure of the report is a number or a text shared by all seeds, so the means read back as a report.
        let mean = try JSONDecoder().decode(SweepReport.self, from: JSONSerialization.data(withJSONObject: summary.mean))
        print("mean over seeds \(seeds.map(String.init).joined(separator: ", ")) (standard deviations in --json or summary.json):")
        print(mean.table, terminator: "")
    }

    /// One sweep of `config` on its own experiment, writing `folder` when given.
    private func sweepOnce(_ config: ExperimentConfig, policies: [ReleasePolicy], auxiliaries: [AuxiliarySource],
                           folder: RunFolder?) throws -> SweepReport {
        let progress = ProgressBar(quiet: output.quiet)
        let stop = SignalStop()
        let lab = try Experiment(config, classifierFile: classifier.map { URL(fileURLWithPath: $0) },
                                 evaluator: try experiment.evaluatorChoice(), observe: { try stop.check(); progress.show($0) })
        lab.checkpoint = stop.check
        return try stop.run(folder: folder) {
            guard let folder else { return try sweep(lab, policies: policies, auxiliaries: auxiliaries, folder: nil) }
            return try folder.track {
                if let torch = try engine.torch() {
                    try TorchEngine.check(config, jointWeight: nil, folder: folder)
                    try torch.train(lab, in: folder, trainClassifier: classifier == nil,
                                        plans: TorchDecoderPlan.sweep(auxiliaries: auxiliaries, policies: policies),
                                        observe: { try stop.check(); progress.show($0) }, checkpoint: stop.check)
                }
                return try sweep(lab, policies: policies, auxiliaries: auxiliaries, folder: folder)
            }
        }
    }

    /// Trains the classifier unless one was loaded, then both inversion models per auxiliary set and truncation;
    /// grids and the report go to `folder`.
    private func sweep(_ lab: Experiment, policies: [ReleasePolicy], auxiliaries: [AuxiliarySource], folder: RunFolder?) throws -> SweepReport {
        let config = lab.config
        if classifier == nil && engine.engine == .invertlab { try lab.trainClassifier() }
        var rows: [SweepReport.Row] = []
        let test = lab.split.classifierTest
        let shown = min(victims, test.count)
        for auxiliary in auxiliaries {
            var unaligned: [TruncationSweep.Row] = []
            try TruncationSweep.run(lab, auxiliary: auxiliary, trainingRelease: .fixed(.full), policies: policies,
                                    shown: shown) { unaligned.append($0) }
            var grid = ImageGrid(imageHeight: config.size, imageWidth: config.size, columns: shown)
            for index in 0..<shown { grid.append(test.image(index)) }
            var position = 0
            try TruncationSweep.run(lab, auxiliary: auxiliary, trainingRelease: .likeVictims, policies: policies,
                                    shown: shown) { aligned in
                rows.append(SweepReport.Row(aligned: aligned, unaligned: unaligned[position],
                                            baselines: try lab.testVictimBaselines(policy: aligned.policy, auxiliary: auxiliary)))
                position += 1
                for index in 0..<shown { grid.append(floats: aligned.reconstructions.sample(index)) }
            }
            try folder.map { try grid.writePNG(to: $0.file("sweep_\(auxiliary.text.replacingOccurrences(of: "/", with: "_")).png")) }
        }
        let report = SweepReport(classifierTestAccuracy: try lab.classifierAccuracy(on: test),
                                 evaluatorTestAccuracy: try lab.evaluator().heldOutAccuracy ?? 0, rows: rows)
        try folder.map { try report.write(to: $0) }
        return report
    }
}
