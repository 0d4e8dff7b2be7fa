import Datasets
import Foundation
import NeuralNet

/// What ships in `Assets/`: presets, data sets in compact form (`datasets/NAME`, named in presets and options by
/// NAME) and trained models (`models/PRESET-ROLE.safetensors`, made by the Makefile's targets: the target classifier,
/// the evaluator, GMI's and KEDMI's GANs and LOMMA's students), so that a preset opens with no download and no wait for them to train.
extension ExperimentConfig {
    /// The data sets that ship in Assets/datasets, by name.
    public static let shippedDataSets = ["orl-faces"]

    /// Where `spec` is read from: a shipped data set's folder, or `spec` itself (an embedded generator or a path).
    public static func dataSource(_ spec: String) -> DataSource {
        guard shippedDataSets.contains(spec), let folder = assetFile("datasets/\(spec)") else { return DataSource(spec: spec) }
        return .path(folder.path)
    }

    /// The names of the presets in the first presets folder found, sorted.
    public static var presetNames: [String] {
        guard let folder = assetFile("presets"),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Where assets are looked for: $INVERTLAB_ASSETS, ./Assets, and Assets above the running executable (a build
    /// folder inside the checkout).
    static var assetFolders: [URL] {
        var folders: [URL] = []
        if let assets = ProcessInfo.processInfo.environment["INVERTLAB_ASSETS"] { folders.append(URL(fileURLWithPath: assets)) }
        folders.append(URL(fileURLWithPath: "Assets"))
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            folders.append(directory.appendingPathComponent("Assets"))
            directory = directory.deletingLastPathComponent()
        }
        return folders
    }

    /// The first existing file at `path` inside an assets folder.
    public static func assetFile(_ path: String) -> URL? {
        assetFolders.map { $0.appendingPathComponent(path) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The first existing file at `path` (such as `scripts/torch_engine.py`) beside an assets folder: in the
    /// repository invertlab runs from.
    public static func repositoryFile(_ path: String) -> URL? {
        assetFolders.map { $0.deletingLastPathComponent().appendingPathComponent(path) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// A trained target classifier shipped for a preset whose settings that shape the classifier are these ones,
    /// when the file is there.
    public var shippedClassifier: URL? { shippedModel("classifier") { $0.classifierSettings } }

    /// The settings that shape the evaluation classifier: the classifier's without its defence (the judge is trained
    /// plainly whatever the target's training), whatever the seed for data read from files (its split and training
    /// have their own fixed seed); the embedded generators draw other people under another seed, so there the seed
    /// counts.
    public var evaluatorSettings: ExperimentConfig {
        var settings = classifierSettings
        settings.defence = .none
        if !DataSource(spec: data).isGenerated { settings.seed = ExperimentConfig().seed }
        return settings
    }

    /// A trained evaluation classifier shipped for a preset with these evaluator settings, when the file is there.
    public var shippedEvaluator: URL? { shippedModel("evaluator") { $0.evaluatorSettings } }

    /// The settings that shape what an optimisation attacker trains on its auxiliary images (GMI's GAN, LOMMA's
    /// students): the target's, and the auxiliary set.
    var attackerModelSettings: ExperimentConfig {
        var settings = classifierSettings
        settings.attack.auxiliary = attack.auxiliary
        settings.auxiliarySize = auxiliarySize
        return settings
    }

    /// The GAN of `kind` shipped for a preset with these attacker settings (`models/PRESET-gan.safetensors`, GMI's,
    /// or `models/PRESET-kedmi-gan.safetensors`), when there. KEDMI's learned the shipped target's soft labels, so it
    /// is offered only when the target attacked is the shipped one (`targetIsShipped`).
    public func shippedPrior(_ kind: GenerativePrior.Kind, targetIsShipped: Bool) -> URL? {
        guard kind == .general || targetIsShipped else { return nil }
        return shippedModel(kind == .general ? "gan" : "kedmi-gan") { $0.attackerModelSettings }
    }

    /// LOMMA's three students shipped for a preset with these attacker settings (`models/PRESET-student-N.safetensors`),
    /// when all three are there.
    public var shippedStudents: [URL]? {
        let files = StudentNetwork.allCases.map { shippedModel("student-\($0.rawValue + 1)") { $0.attackerModelSettings } }
        return files.allSatisfy { $0 != nil } ? files.compactMap { $0 } : nil
    }

    /// `models/PRESET-ROLE.safetensors` of the first preset whose `settings` equal these settings', when it exists.
    private func shippedModel(_ role: String, settings: (ExperimentConfig) -> ExperimentConfig) -> URL? {
        let wanted = settings(self)
        for name in ExperimentConfig.presetNames {
            guard let preset = try? ExperimentConfig.preset(named: name), settings(preset) == wanted,
                  let file = ExperimentConfig.assetFile("models/\(name)-\(role).safetensors") else { continue }
            return file
        }
        return nil
    }
}
