import Foundation
import TensorFiles

/// Everything that defines one run of the attack; presets are files of these settings (Assets/presets/*.json).
public struct ExperimentConfig: Codable, Sendable, Equatable {
    /// `synthetic-faces` or a path the Datasets loaders read.
    public var data = "synthetic-faces"
    public var privateClasses = 40
    /// The release and the attacker's choices.
    public var attack = AttackSettings()
    /// What the *distinct* auxiliary set is: `synthetic-patterns` or a path.
    public var distinct = "synthetic-patterns"
    public var size = 32
    public var width = 32
    public var epochsClassifier = 30
    public var epochsInversion = 30
    public var batch = 128
    public var seed: UInt64 = 2019
    /// The authors' per-pixel min-max scaling of the data.
    public var minMaxScaling = false
    /// Cut CelebA-style aligned faces to 108 x 108 at (35, 70) first.
    public var celebaCrop = false
    /// Synthetic faces: photos per person.
    public var syntheticPhotos = 30
    /// How many images of the auxiliary set the attacker has (nil: all of it). With the synthetic faces, more
    /// generic people are drawn when the set would be smaller.
    public var auxiliarySize: Int?
    /// How the target is trained to resist inversion.
    public var defence = TrainingDefence.none
    /// The most queries the service answers one client (nil: no limit).
    public var queryBudget: Int?

    public init() {}

    /// The ranges the numeric settings must lie in: wide enough for the paper's scale and beyond, narrow enough that
    /// a typo cannot ask for hundreds of gigabytes.
    public enum Limits {
        public static let width = 1...1024
        public static let classes = 2...100_000
        public static let epochs = 0...100_000
        public static let batch = 2...4096
        public static let auxiliarySize = 1...200_000
        public static let syntheticPhotos = 1...1000
        public static let queryBudget = 1...1_000_000_000
    }

    /// `value` when it lies in `range`; otherwise an error naming `option` and the range.
    static func check(_ value: Int, in range: ClosedRange<Int>, option: String) throws {
        guard range.contains(value) else {
            throw ConfigurationError("\(option) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
    }

    /// Checks the settings that need no data; errors name the command-line options.
    public func validate() throws {
        try checkSettings(naming: .option)
    }

    /// How an error names a setting: by its command-line option or by its key in a preset file.
    enum SettingNames { case option, presetKey }

    private func checkSettings(naming names: SettingNames) throws {
        func name(_ option: String, _ key: String) -> String { names == .option ? option : key }
        guard [32, 64].contains(size) else { throw ConfigurationError("\(name("--size", "size")) must be 32 or 64, not \(size)") }
        try Self.check(width, in: Limits.width, option: name("--width", "width"))
        try Self.check(privateClasses, in: Limits.classes, option: name("--private-classes", "private_classes"))
        try Self.check(epochsClassifier, in: Limits.epochs, option: name("--epochs-classifier", "epochs_classifier"))
        try Self.check(epochsInversion, in: Limits.epochs, option: name("--epochs-inversion", "epochs_inversion"))
        try Self.check(batch, in: Limits.batch, option: name("--batch", "batch"))
        if let auxiliarySize { try Self.check(auxiliarySize, in: Limits.auxiliarySize, option: name("--aux-size", "aux_size")) }
        try Self.check(syntheticPhotos, in: Limits.syntheticPhotos, option: "synthetic_photos")
        if let queryBudget { try Self.check(queryBudget, in: Limits.queryBudget, option: name("--query-budget", "query_budget")) }
        try attack.check(classes: privateClasses, truncationName: name("--truncation", "truncation"),
                         trainingName: name("--train-truncation", "train_truncation"))
        if celebaCrop, data.hasPrefix("synthetic-") || Self.shippedDataSets.contains(data) {
            throw ConfigurationError("\(name("--celeba-crop", "celeba_crop")) cuts CelebA's aligned photographs; \(data) has nothing to cut")
        }
    }

    /// What a run with these settings should say before its figures: epochs of 0 leave a model untrained.
    public func untrainedWarnings(classifierLoaded: Bool) -> [String] {
        var warnings: [String] = []
        if epochsClassifier == 0 && !classifierLoaded {
            warnings.append("--epochs-classifier 0: the classifier keeps its random weights, so its figures mean nothing")
        }
        if epochsInversion == 0 {
            warnings.append("--epochs-inversion 0: the inversion model keeps its random weights, so the attack's figures mean nothing")
        }
        return warnings
    }

    /// Reads a preset file: a JSON object with any of these settings (others keep their defaults).
    public static func load(preset file: URL) throws -> ExperimentConfig {
        let data = try FileBytes.read(file)
        do {
            return try JSONDecoder().decode(ExperimentConfig.self, from: data)
        } catch let error as ConfigurationError {
            throw ConfigurationError("\(file.path): \(error)")
        } catch let error as DecodingError {
            throw ConfigurationError("\(file.path): not a valid preset (\(error))")
        } catch {
            throw ConfigurationError("\(file.path): cannot be read (\(error.localizedDescription))")
        }
    }

    /// The preset called `name` in the first presets folder found (see `assetFile`).
    public static func preset(named name: String) throws -> ExperimentConfig {
        guard let file = assetFile("presets/\(name).json") else {
            throw ConfigurationError("no preset '\(name)' in \(assetFolders.map { $0.appendingPathComponent("presets").path }.joined(separator: ", "))")
        }
        return try load(preset: file)
    }

    /// The settings that shape the target classifier: these, with the release and the attacker's choices (auxiliary
    /// sets, truncations, inversion epochs) at their defaults. Two configs with equal ones train the same classifier.
    public var classifierSettings: ExperimentConfig {
        var settings = self
        let defaults = ExperimentConfig()
        settings.attack = defaults.attack
        settings.distinct = defaults.distinct
        settings.epochsInversion = defaults.epochsInversion
        settings.auxiliarySize = defaults.auxiliarySize
        return settings
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case data, privateClasses = "private_classes", aux, distinct, truncation, trainTruncation = "train_truncation"
        case size, width, epochsClassifier = "epochs_classifier", epochsInversion = "epochs_inversion", batch, seed
        case minMaxScaling = "min_max_scaling", celebaCrop = "celeba_crop", syntheticPhotos = "synthetic_photos"
        case auxiliarySize = "aux_size", defence, queryBudget = "query_budget"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ExperimentConfig()
        data = try container.decodeIfPresent(String.self, forKey: .data) ?? defaults.data
        privateClasses = try container.decodeIfPresent(Int.self, forKey: .privateClasses) ?? defaults.privateClasses
        // Release settings are strings in JSON, read by the same parsers as the options; errors name the key.
        if let text = try container.decodeIfPresent(String.self, forKey: .aux) {
            attack.auxiliary = try AuxiliarySource(parsing: text, option: "aux")
        }
        if let text = try container.decodeIfPresent(String.self, forKey: .truncation) {
            attack.victimRelease = try ReleasePolicy(parsing: text, option: "truncation")
        }
        if let text = try container.decodeIfPresent(String.self, forKey: .trainTruncation) {
            attack.trainingRelease = try TrainingRelease(parsing: text, option: "train_truncation")
        }
        distinct = try container.decodeIfPresent(String.self, forKey: .distinct) ?? defaults.distinct
        size = try container.decodeIfPresent(Int.self, forKey: .size) ?? defaults.size
        width = try container.decodeIfPresent(Int.self, forKey: .width) ?? defaults.width
        epochsClassifier = try container.decodeIfPresent(Int.self, forKey: .epochsClassifier) ?? defaults.epochsClassifier
        epochsInversion = try container.decodeIfPresent(Int.self, forKey: .epochsInversion) ?? defaults.epochsInversion
        batch = try container.decodeIfPresent(Int.self, forKey: .batch) ?? defaults.batch
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
        minMaxScaling = try container.decodeIfPresent(Bool.self, forKey: .minMaxScaling) ?? defaults.minMaxScaling
        celebaCrop = try container.decodeIfPresent(Bool.self, forKey: .celebaCrop) ?? defaults.celebaCrop
        syntheticPhotos = try container.decodeIfPresent(Int.self, forKey: .syntheticPhotos) ?? defaults.syntheticPhotos
        auxiliarySize = try container.decodeIfPresent(Int.self, forKey: .auxiliarySize)
        queryBudget = try container.decodeIfPresent(Int.self, forKey: .queryBudget)
        if let text = try container.decodeIfPresent(String.self, forKey: .defence) {
            defence = try TrainingDefence(parsing: text, option: "defence")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw ConfigurationError("unknown setting '\(unknown)' (settings: \(CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        try checkSettings(naming: .presetKey)
    }

    /// Any key of a JSON object, to find those that are not settings.
    private struct AnyKey: CodingKey {
        let stringValue: String
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(privateClasses, forKey: .privateClasses)
        try container.encode(attack.auxiliary.text, forKey: .aux)
        try container.encode(distinct, forKey: .distinct)
        try container.encode(attack.victimRelease.text, forKey: .truncation)
        try container.encode(attack.trainingRelease.text, forKey: .trainTruncation)
        try container.encode(size, forKey: .size)
        try container.encode(width, forKey: .width)
        try container.encode(epochsClassifier, forKey: .epochsClassifier)
        try container.encode(epochsInversion, forKey: .epochsInversion)
        try container.encode(batch, forKey: .batch)
        try container.encode(seed, forKey: .seed)
        try container.encode(minMaxScaling, forKey: .minMaxScaling)
        try container.encode(celebaCrop, forKey: .celebaCrop)
        try container.encode(syntheticPhotos, forKey: .syntheticPhotos)
        try container.encodeIfPresent(auxiliarySize, forKey: .auxiliarySize)
        try container.encode(defence.text, forKey: .defence)
        try container.encodeIfPresent(queryBudget, forKey: .queryBudget)
    }
}

/// Settings that contradict each other or the data; the message names the option.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
