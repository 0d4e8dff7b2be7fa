import Foundation

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
    }

    /// `value` when it lies in `range`; otherwise an error naming `option` and the range.
    static func check(_ value: Int, in range: ClosedRange<Int>, option: String) throws {
        guard range.contains(value) else {
            throw ConfigurationError("\(option) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
    }

    /// Checks the settings that need no data.
    public func validate() throws {
        guard [32, 64].contains(size) else { throw ConfigurationError("--size must be 32 or 64, not \(size)") }
        try Self.check(width, in: Limits.width, option: "--width")
        try Self.check(privateClasses, in: Limits.classes, option: "--private-classes")
        try Self.check(epochsClassifier, in: Limits.epochs, option: "--epochs-classifier")
        try Self.check(epochsInversion, in: Limits.epochs, option: "--epochs-inversion")
        try Self.check(batch, in: Limits.batch, option: "--batch")
        if let auxiliarySize { try Self.check(auxiliarySize, in: Limits.auxiliarySize, option: "--aux-size") }
        try Self.check(syntheticPhotos, in: Limits.syntheticPhotos, option: "synthetic_photos")
        try attack.check(classes: privateClasses)
    }

    /// Reads a preset file: a JSON object with any of these settings (others keep their defaults).
    public static func load(preset file: URL) throws -> ExperimentConfig {
        do {
            let data = try Data(contentsOf: file)
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

    private enum CodingKeys: String, CodingKey {
        case data, privateClasses = "private_classes", aux, distinct, truncation, trainTruncation = "train_truncation"
        case size, width, epochsClassifier = "epochs_classifier", epochsInversion = "epochs_inversion", batch, seed
        case minMaxScaling = "min_max_scaling", celebaCrop = "celeba_crop", syntheticPhotos = "synthetic_photos"
        case auxiliarySize = "aux_size"
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
    }
}

/// Settings that contradict each other or the data; the message names the option.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
