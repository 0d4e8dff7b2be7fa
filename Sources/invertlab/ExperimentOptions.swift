import ArgumentParser
import Foundation
import Lab

/// The options that set up an experiment, shared by `run` and `sweep`: a preset, then any setting overridden.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "Start from a preset: classroom-faces, paper-facescrub, orl, mnist, or a .json file (default: orl for the workbench, classroom-faces otherwise).")
    var preset: String?

    /// The preset run and sweep start from: synthetic faces, small enough to train in seconds.
    static let headlessPreset = "classroom-faces"

    @Option(help: "Private data: synthetic-faces or a path (image folder, IDX, CSV, NPY/NPZ, CIFAR).")
    var data: String?

    @Option(parsing: .unconditional, help: "How many classes (the first ones) the target classifier knows.")
    var privateClasses: Int?

    @Option(help: "Attacker's background knowledge: same, generic, distinct, aligned, augmented, or a path.")
    var aux: String?

    @Option(parsing: .unconditional, help: "How many auxiliary images the attacker has (default: all; the synthetic faces draw more people when asked).")
    var auxSize: Int?

    @Option(parsing: .unconditional, help: "Image side: 32 or 64.")
    var size: Int?

    @Option(parsing: .unconditional, help: "Channel width of both models (the paper: 128).")
    var width: Int?

    @Option(parsing: .unconditional, help: "Classifier training epochs.")
    var epochsClassifier: Int?

    @Option(parsing: .unconditional, help: "Inversion model training epochs.")
    var epochsInversion: Int?

    @Option(parsing: .unconditional, help: "Images per training step.")
    var batch: Int?

    @Option(parsing: .unconditional, help: "Seed of every random choice.", transform: SeedArgument.parse)
    var seed: UInt64?

    @Flag(help: "Apply the authors' per-pixel min-max scaling to the data.")
    var minMaxScaling = false

    @Flag(help: "Cut CelebA-style aligned faces to 108 x 108 at (35, 70) first.")
    var celebaCrop = false

    @Option(help: "How the target is trained to resist inversion: \(TrainingDefence.textForms).")
    var defence: String?

    @Option(help: "Train the target with DP-SGD at this epsilon (delta 1e-5, clipping norm 1): short for --defence dp:E.")
    var dpEpsilon: String?

    @Option(parsing: .unconditional, help: "The most queries the service answers one client; past it, it refuses (default: no limit).")
    var queryBudget: Int?

    @Option(help: "Evaluation classifier that grades the attacks: a trained evaluator (.safetensors), or new to train one (default: the one shipped for the preset, else a new one).")
    var evaluator: String?

    /// The evaluator `--evaluator` asks for.
    func evaluatorChoice() throws -> EvaluatorChoice {
        try evaluator.map { try EvaluatorChoice(parsing: $0, option: "--evaluator") } ?? .automatic
    }

    /// The preset asked for, or `fallback`.
    func presetName(default fallback: String = headlessPreset) -> String { preset ?? fallback }

    /// The preset (`--preset`, or `defaultPreset`) with the given options applied.
    func config(defaultPreset: String = headlessPreset) throws -> ExperimentConfig {
        let preset = presetName(default: defaultPreset)
        var config = preset.hasSuffix(".json")
            ? try ExperimentConfig.load(preset: .init(fileURLWithPath: preset))
            : try ExperimentConfig.preset(named: preset)
        if let data { config.data = data }
        if let privateClasses { config.privateClasses = privateClasses }
        if let aux {
            config.attack.auxiliary = try AuxiliarySource(parsing: aux, option: "--aux")
            try config.attack.auxiliary.checkAvailable(option: "--aux")
        }
        if let auxSize { config.auxiliarySize = auxSize }
        if let size { config.size = size }
        if let width { config.width = width }
        if let epochsClassifier { config.epochsClassifier = epochsClassifier }
        if let epochsInversion { config.epochsInversion = epochsInversion }
        if let batch { config.batch = batch }
        if let seed { config.seed = seed }
        if minMaxScaling { config.minMaxScaling = true }
        if celebaCrop { config.celebaCrop = true }
        if let defence { config.defence = try TrainingDefence(parsing: defence, option: "--defence") }
        if let dpEpsilon {
            guard defence == nil else { throw ConfigurationError("--dp-epsilon and --defence both choose the training defence: give one") }
            guard let epsilon = dpEpsilon == "inf" ? Double.infinity : Double(dpEpsilon), epsilon > 0, !epsilon.isNaN else {
                throw ConfigurationError("--dp-epsilon must be a positive number, or inf for clipping without noise, not '\(dpEpsilon)'")
            }
            config.defence = .differentialPrivacy(epsilon: epsilon, clipNorm: TrainingDefence.defaultClipNorm)
        }
        if let queryBudget { config.queryBudget = queryBudget }
        return config
    }
}

/// The release settings and the optional trained target that `run` and the workbench share (`sweep` varies them).
struct ReleaseOptions: ParsableArguments {
    @Option(help: "Victims' release: all, K (top-k), round:D, label, noise:S or threshold:T.")
    var truncation: String?

    @Option(help: "Release of the attacker's training vectors: victims (released like the victims', the paper's truncation alignment), all, or a policy as for --truncation.")
    var trainTruncation: String?

    @Option(help: "Load this trained classifier (safetensors) instead of training one.")
    var classifier: String?

    /// `config` with the release settings given applied; an error names the option and what it takes.
    func apply(to config: inout ExperimentConfig) throws {
        if let truncation { config.attack.victimRelease = try ReleasePolicy(parsing: truncation, option: "--truncation") }
        if let trainTruncation {
            config.attack.trainingRelease = try TrainingRelease(parsing: trainTruncation, option: "--train-truncation")
        }
    }

    var classifierFile: URL? { classifier.map { URL(fileURLWithPath: $0) } }
}
