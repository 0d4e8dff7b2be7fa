import Foundation
import Lab

/// The setup screen's settings: an edited copy of the experiment's settings, one field selected, each field changed
/// by stepping through its usual values or by typing one. It knows which changes apply at once (the release and the
/// attacker's choices) and which restart training (everything that shapes the classifier).
struct SetupForm {
    /// The settings the form shows, in screen order.
    enum Field: CaseIterable {
        case preset, data, privateClasses, auxiliary, victimRelease, trainingRelease, defence, size, width
        case epochsClassifier, epochsInversion, auxiliarySize, seed

        var label: String {
            switch self {
            case .preset: "preset"
            case .data: "data set"
            case .privateClasses: "private classes"
            case .auxiliary: "auxiliary set"
            case .victimRelease: "victims' release"
            case .trainingRelease: "training release"
            case .defence: "training defence"
            case .size: "image size"
            case .width: "model width"
            case .epochsClassifier: "classifier epochs"
            case .epochsInversion: "inversion epochs"
            case .auxiliarySize: "auxiliary images"
            case .seed: "seed"
            }
        }

        /// What the field means, shown under the form while it is selected.
        var hint: String {
            switch self {
            case .preset: "a whole set of settings from Assets/presets; ←→ loads the next one"
            case .data: "synthetic-faces, orl-faces (shipped), or a path: image folder, IDX, CSV, NPY/NPZ, CIFAR (Enter to type)"
            case .privateClasses: "the first N classes are the classifier's private people"
            case .auxiliary: "the attacker's background knowledge: same, generic, distinct, aligned, augmented or a path"
            case .victimRelease: "what the service releases: top-k, all, label, round:D, noise:S, threshold:T"
            case .trainingRelease: "the attacker's training vectors: victims (released like the victims', aligned), all, or a policy"
            case .defence: "how the target trains: none, smooth:A (label smoothing), dp:E (DP-SGD at epsilon E), mid:B (MID)"
            case .size: "image side in pixels"
            case .width: "channel width of both models (the paper: 128)"
            case .epochsClassifier: "passes over the private training images"
            case .epochsInversion: "passes over the auxiliary images"
            case .auxiliarySize: "how many auxiliary images the attacker has: all, or a number (more background knowledge, better faces)"
            case .seed: "seed of every random choice"
            }
        }

        /// Whether a change applies to the running session (otherwise training restarts).
        var appliesLive: Bool { [.auxiliary, .victimRelease, .trainingRelease].contains(self) }
    }

    /// The settings as edited.
    private(set) var config: ExperimentConfig
    /// The preset last loaded from the form, if any.
    private(set) var presetName: String
    var selected = Field.preset
    /// The text being typed into the selected field, while typing.
    var typing: String?

    init(_ config: ExperimentConfig, presetName: String) {
        self.config = config
        self.presetName = presetName
    }

    static let releaseChoices: [ReleasePolicy] = [.topK(1), .topK(2), .topK(3), .topK(5), .topK(10), .full, .labelOnly,
                                                  .rounded(decimals: 2), .rounded(decimals: 1),
                                                  .noise(standardDeviation: 0.05), .threshold(0.1)]
    static let trainingChoices: [TrainingRelease] = [.likeVictims, .fixed(.full)]
    static let defenceChoices: [TrainingDefence] = DefenceSetting.standard.map(\.training)
        .reduce(into: []) { choices, defence in if !choices.contains(defence) { choices.append(defence) } }
    /// The data sets ←→ steps through: the embedded faces and those that ship in Assets.
    static let dataChoices = ["synthetic-faces"] + ExperimentConfig.shippedDataSets
    static let auxiliarySizeChoices = [0, 200, 500, 1000, 2000, 5000, 10000]
    static let widthChoices = [4, 8, 16, 32, 64, 128]
    static let epochChoices = [0, 1, 2, 3, 5, 10, 15, 20, 30, 40, 60, 100, 200]

    /// The value shown for `field`.
    func value(of field: Field) -> String {
        switch field {
        case .preset: presetName
        case .data: config.data
        case .privateClasses: String(config.privateClasses)
        case .auxiliary: config.attack.auxiliary.text
        case .victimRelease: config.attack.victimRelease.text
        case .trainingRelease: config.attack.trainingRelease.text
        case .defence: config.defence.text
        case .size: String(config.size)
        case .width: String(config.width)
        case .epochsClassifier: String(config.epochsClassifier)
        case .epochsInversion: String(config.epochsInversion)
        case .auxiliarySize: config.auxiliarySize.map(String.init) ?? "all"
        case .seed: String(config.seed)
        }
    }

    mutating func moveSelection(by offset: Int) {
        let fields = Field.allCases
        let index = fields.firstIndex(of: selected)!
        selected = fields[max(0, min(fields.count - 1, index + offset))]
    }

    /// Steps the selected field to its next (or previous) usual value; `presets` are the names to cycle through.
    mutating func step(forward: Bool, presets: [String] = ExperimentConfig.presetNames) throws {
        let offset = forward ? 1 : -1
        switch selected {
        case .preset:
            guard !presets.isEmpty else { throw ConfigurationError("no presets found in Assets/presets") }
            let name = SetupForm.cycle(presetName, through: presets, offset: offset)
            config = try ExperimentConfig.preset(named: name)
            presetName = name
        case .data: config.data = SetupForm.cycle(config.data, through: SetupForm.dataChoices, offset: offset)
        case .privateClasses: config.privateClasses = max(2, config.privateClasses + offset)
        case .auxiliary:
            config.attack.auxiliary = SetupForm.cycle(config.attack.auxiliary, through: AuxiliarySource.kinds, offset: offset)
        case .victimRelease:
            config.attack.victimRelease = SetupForm.cycle(config.attack.victimRelease, through: SetupForm.releaseChoices, offset: offset)
        case .trainingRelease:
            config.attack.trainingRelease = SetupForm.cycle(config.attack.trainingRelease, through: SetupForm.trainingChoices, offset: offset)
        case .defence: config.defence = SetupForm.cycle(config.defence, through: SetupForm.defenceChoices, offset: offset)
        case .size: config.size = config.size == 32 ? 64 : 32
        case .width: config.width = SetupForm.step(config.width, through: SetupForm.widthChoices, offset: offset)
        case .epochsClassifier:
            config.epochsClassifier = SetupForm.step(config.epochsClassifier, through: SetupForm.epochChoices, offset: offset)
        case .epochsInversion:
            config.epochsInversion = SetupForm.step(config.epochsInversion, through: SetupForm.epochChoices, offset: offset)
        case .auxiliarySize:
            // 0 stands for all of the set, first among the choices.
            let size = SetupForm.step(config.auxiliarySize ?? 0, through: SetupForm.auxiliarySizeChoices, offset: offset)
            config.auxiliarySize = size == 0 ? nil : size
        case .seed: config.seed = offset > 0 ? config.seed &+ 1 : config.seed &- 1
        }
    }

    /// Sets the selected field from typed text; the error names the field and what it takes.
    mutating func set(typed text: String) throws {
        let text = text.trimmingCharacters(in: .whitespaces)
        func number(_ minimum: Int) throws -> Int {
            guard let value = Int(text), value >= minimum else {
                throw ConfigurationError("\(selected.label) must be a whole number of at least \(minimum), not '\(text)'")
            }
            return value
        }
        switch selected {
        case .preset:
            config = try ExperimentConfig.preset(named: text)
            presetName = text
        case .data:
            guard !text.isEmpty else { throw ConfigurationError("data set must be synthetic-faces or a path") }
            config.data = text
        case .privateClasses: config.privateClasses = try number(2)
        case .auxiliary: config.attack.auxiliary = try AuxiliarySource(parsing: text, option: selected.label)
        case .victimRelease: config.attack.victimRelease = try ReleasePolicy(parsing: text, option: selected.label)
        case .trainingRelease: config.attack.trainingRelease = try TrainingRelease(parsing: text, option: selected.label)
        case .defence: config.defence = try TrainingDefence(parsing: text, option: selected.label)
        case .size:
            guard [32, 64].contains(Int(text)) else { throw ConfigurationError("image size must be 32 or 64, not '\(text)'") }
            config.size = Int(text)!
        case .width: config.width = try number(1)
        case .epochsClassifier: config.epochsClassifier = try number(0)
        case .epochsInversion: config.epochsInversion = try number(0)
        case .auxiliarySize: config.auxiliarySize = text == "all" ? nil : try number(1)
        case .seed:
            guard let seed = UInt64(text) else { throw ConfigurationError("seed must be a whole number, not '\(text)'") }
            config.seed = seed
        }
    }

    /// The fields whose value differs from `applied`.
    func changedFields(from applied: ExperimentConfig) -> [Field] {
        var appliedForm = self
        appliedForm.config = applied
        return Field.allCases.filter { $0 != .preset && value(of: $0) != appliedForm.value(of: $0) }
    }

    /// The value after `current` in `choices` (before it when `offset` is negative), wrapping around; from a value
    /// not in the list (a typed one), the first choice.
    static func cycle<Value: Equatable>(_ current: Value, through choices: [Value], offset: Int) -> Value {
        guard let index = choices.firstIndex(of: current) else { return choices[0] }
        return choices[(index + offset + choices.count) % choices.count]
    }

    /// As `cycle`, but a typed number steps to the nearest choice above (or below) it.
    static func step(_ current: Int, through choices: [Int], offset: Int) -> Int {
        if let index = choices.firstIndex(of: current) { return choices[(index + offset + choices.count) % choices.count] }
        return offset > 0 ? choices.first { $0 > current } ?? choices[0] : choices.last { $0 < current } ?? choices[choices.count - 1]
    }
}
