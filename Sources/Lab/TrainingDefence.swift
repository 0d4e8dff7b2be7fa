import Foundation

/// How the target is trained to resist inversion; release policies are the other kind of defence, applied to what
/// the service answers. Values come from `init(parsing:option:)`, which refuses settings that cannot be applied.
public enum TrainingDefence: Sendable, Hashable, CustomStringConvertible {
    /// Plain training.
    case none
    /// Cross-entropy against (1 − α)·one-hot + α/K. Positive α is ordinary smoothing; negative α (Struppek et al.,
    /// ICLR 2024) pushes the other classes' confidences down and is reported to make inversion harder.
    case labelSmoothing(Float)

    /// Smoothing factors `init(parsing:option:)` accepts: at 1 the labels carry nothing, and below −1 the target's
    /// own class would get a weight above 2.
    public static let smoothingRange: ClosedRange<Float> = -1...0.99

    /// What the text forms are, for error messages.
    public static let textForms = "none or smooth:A (A in [-1, 0.99])"

    public var description: String {
        switch self {
        case .none: "none"
        case .labelSmoothing(let alpha): "label smoothing \(alpha)"
        }
    }

    /// The form `init(parsing:option:)` reads back.
    public var text: String {
        switch self {
        case .none: "none"
        case .labelSmoothing(let alpha): "smooth:\(alpha)"
        }
    }

    /// The label-smoothing factor of the classifier's loss (0 when the defence does not smooth).
    public var labelSmoothing: Float {
        if case .labelSmoothing(let alpha) = self { return alpha }
        return 0
    }

    /// Parses `none` or `smooth:A`; the error names `option` (a command-line option or a JSON key), the text and
    /// the allowed forms.
    public init(parsing text: String, option: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        func refuse(_ why: String) -> ConfigurationError { ConfigurationError("\(option) '\(text)': \(why)") }
        switch (parts.first, parts.count) {
        case ("none", 1): self = .none
        case ("smooth", 2):
            guard let alpha = Float(parts[1]), Self.smoothingRange.contains(alpha) else {
                throw refuse("smooth:A takes A from -1 to 0.99")
            }
            self = .labelSmoothing(alpha)
        default: throw refuse("not \(Self.textForms)")
        }
    }
}
