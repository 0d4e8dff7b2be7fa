import Foundation

/// Which evaluation classifier grades an experiment's attacks.
public enum EvaluatorChoice: Sendable, Equatable {
    /// The one shipped for the settings in Assets/models, else a new one trained on the private images.
    case automatic
    /// A trained evaluator read from a file.
    case file(URL)
    /// A new one trained on the private images even when one ships (how the shipped ones are made).
    case trainNew

    /// Parses `--evaluator`: `new`, or a path to a `.safetensors` file.
    public init(parsing text: String, option: String) throws {
        if text == "new" { self = .trainNew; return }
        guard FileManager.default.fileExists(atPath: text) else {
            throw ConfigurationError("\(option) \(text): no such file (give a trained evaluator's .safetensors, or 'new' to train one)")
        }
        self = .file(URL(fileURLWithPath: text))
    }
}
