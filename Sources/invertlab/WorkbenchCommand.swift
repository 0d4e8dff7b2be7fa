import ArgumentParser
import Foundation
import Lab
import Workbench

/// `invertlab` with no subcommand: the interactive workbench.
struct WorkbenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workbench",
        abstract: "Open the interactive workbench (the default): live training, curves, faces, truncation controls.",
        discussion: """
            The target classifier trains live, then the attacker's inversion model; victims appear beside their \
            reconstructions and the vector the service released for them. Space pauses, k and K change how many \
            confidences the service releases, a switches the attacker's background knowledge, t switches between \
            aligned and full-vector training, ? lists every key, q quits.
            """
    )

    @OptionGroup var options: WorkbenchOptions

    func run() throws { try options.open(tour: false) }
}

/// `invertlab tour`: the workbench walking through the paper's story, one captioned step per Space.
struct TourCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tour",
        abstract: "The classroom tour: the paper's story in six steps on the workbench (Space on, Backspace back).",
        discussion: """
            The target and its accuracy; the attack with full vectors; truncation to top-1 against a model trained             on full vectors (faces degrade); truncation-aligned training (they recover); distinct against generic             background knowledge; class inference. The models later steps need train while earlier ones are shown.             Every workbench key works in between.
            """
    )

    @OptionGroup var options: WorkbenchOptions

    func run() throws { try options.open(tour: true) }
}

/// The options of the workbench and the tour.
struct WorkbenchOptions: ParsableArguments {
    @OptionGroup var experiment: ExperimentOptions

    @OptionGroup var release: ReleaseOptions

    @Option(help: "Where s saves the run folder and e exports views.")
    var out = "runs/workbench"

    @Flag(help: "Train the classifier live even where a pre-trained one ships (the orl and classroom-faces presets).")
    var retrain = false

    @Option(help: ArgumentHelp(
        "Open this trained inversion model (safetensors) instead of training one.",
        discussion: "It is taken as trained on the --aux set with vectors released as --train-truncation says; with --inversion that defaults to all (full vectors)."))
    var inversion: String?

    @Option(help: ArgumentHelp(
        "Open a run folder written by run (either engine): its settings, classifier and inversion model, untrained.",
        discussion: "The same as --preset DIR/config.json --classifier DIR/classifier.safetensors --inversion DIR/inversion.safetensors with the folder's training release."))
    var run: String?

    @Flag(help: "Draw faces with an ASCII ramp instead of 256-colour half blocks.")
    var ascii = false

    func validate() throws {
        if run != nil, experiment.preset != nil || release.classifier != nil || inversion != nil {
            throw ValidationError("--run takes the settings and models from its folder; leave out --preset, --classifier and --inversion")
        }
    }

    /// The workbench opens on real faces: on the synthetic ones the paper's lessons are too faint to teach with
    /// (distinct background knowledge 1.4x the generic MSE, against 3x on ORL). The tour's steps are timed for
    /// the synthetic faces, which train in seconds.
    static func defaultPreset(tour: Bool) -> String { tour ? ExperimentOptions.headlessPreset : "orl" }

    /// Opens the workbench, at the first step of the classroom tour when `tour`.
    func open(tour: Bool) throws {
        let runFolder = run.map { URL(fileURLWithPath: $0) }
        let presetName = runFolder?.appendingPathComponent("config.json").path
            ?? experiment.presetName(default: Self.defaultPreset(tour: tour))
        var config = try experiment.config(defaultPreset: presetName)
        if inversion != nil { config.attack.trainingRelease = .fixed(.full) }
        try release.apply(to: &config)
        try config.validate()
        let classifierFile = runFolder?.appendingPathComponent("classifier.safetensors") ?? release.classifierFile
        let inversionFile = runFolder?.appendingPathComponent("inversion.safetensors") ?? inversion.map { URL(fileURLWithPath: $0) }
        // The data and any model files are read before the screen opens, so bad input is reported on a normal terminal.
        // A preset with a classifier in Assets starts from it, so the attack begins within seconds.
        let metrics = runFolder?.appendingPathComponent("metrics.csv")
        // A folder without metrics.csv opens without curves; a link by that name is read, so a broken one is named.
        let history: [LabEvent] = try metrics.map { file -> [LabEvent] in
            let present = FileManager.default.fileExists(atPath: file.path)
                || (try? FileManager.default.destinationOfSymbolicLink(atPath: file.path)) != nil
            return present ? try RunMetrics.read(from: file) : []
        } ?? []
        let launch = WorkbenchLaunch(config: config, presetName: presetName, classifierFile: classifierFile,
                                     inversionFile: inversionFile, retrain: retrain, history: history,
                                     runOption: run.map { "--run \($0)" })
        let session = try launch.startSession()
        WorkbenchApp(launch: launch, session: session, ascii: ascii, outputFolder: URL(fileURLWithPath: out), tour: tour).run()
    }
}
