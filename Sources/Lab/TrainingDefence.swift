import Foundation

/// How the target is trained to resist inversion; release policies are the other kind of defence, applied to what
/// the service answers. Values come from `init(parsing:option:)`, which refuses settings that cannot be applied.
public enum TrainingDefence: Sendable, Hashable, CustomStringConvertible {
    /// Plain training.
    case none
    /// Cross-entropy against (1 − α)·one-hot + α/K. Positive α is ordinary smoothing; negative α (Struppek et al.,
    /// ICLR 2024) pushes the other classes' confidences down and is reported to make inversion harder.
    case labelSmoothing(Float)
    /// DP-SGD at a target ε (infinity: clipping alone, no noise) with per-example clipping norm `clipNorm`; the
    /// noise multiplier follows from ε, δ = `PrivateTrainingPlan.delta`, the sampling rate and the planned steps.
    case differentialPrivacy(epsilon: Double, clipNorm: Float)
    /// MID (Wang et al., AAAI 2021): a variational information bottleneck of weight β between the classifier's
    /// features and its output layer.
    case informationBottleneck(Float)

    /// Weights β `mid:B` accepts; the authors use 0.003 to 0.01 on faces.
    public static let bottleneckRange: ClosedRange<Float> = 0...10

    /// Smoothing factors `init(parsing:option:)` accepts: at 1 the labels carry nothing, and below −1 the target's
    /// own class would get a weight above 2.
    public static let smoothingRange: ClosedRange<Float> = -1...0.99

    /// What the text forms are, for error messages.
    public static let textForms = "none, smooth:A (A in [-1, 0.99]), dp:E[:C] (epsilon E > 0 or inf, clipping norm C > 0, default 1) or mid:B (B in [0, 10])"

    /// The per-example clipping norm when `dp:E` gives none, Opacus's usual choice.
    public static let defaultClipNorm: Float = 1

    public var description: String {
        switch self {
        case .none: "none"
        case .labelSmoothing(let alpha): "label smoothing \(alpha)"
        case .differentialPrivacy(let epsilon, let clipNorm): "DP-SGD ε=\(Self.text(epsilon: epsilon)) (clip \(clipNorm))"
        case .informationBottleneck(let beta): "MID β=\(beta)"
        }
    }

    /// The form `init(parsing:option:)` reads back.
    public var text: String {
        switch self {
        case .none: "none"
        case .labelSmoothing(let alpha): "smooth:\(alpha)"
        case .differentialPrivacy(let epsilon, let clipNorm):
            "dp:\(Self.text(epsilon: epsilon))" + (clipNorm == Self.defaultClipNorm ? "" : ":\(clipNorm)")
        case .informationBottleneck(let beta): "mid:\(beta)"
        }
    }

    /// The label-smoothing factor of the classifier's loss (0 when the defence does not smooth).
    public var labelSmoothing: Float {
        if case .labelSmoothing(let alpha) = self { return alpha }
        return 0
    }

    /// ε as the text form writes it: `inf`, a whole number without decimals, or the shortest exact decimal.
    static func text(epsilon: Double) -> String {
        if epsilon.isInfinite { return "inf" }
        if epsilon == epsilon.rounded(), abs(epsilon) < 1e15 { return String(Int(epsilon)) }
        return String(epsilon)
    }

    /// β of the information bottleneck when the defence is MID.
    public var bottleneckWeight: Float? {
        if case .informationBottleneck(let beta) = self { return beta }
        return nil
    }

    /// Whether the target trains with DP-SGD, which needs group instead of batch normalisation.
    public var isPrivate: Bool {
        if case .differentialPrivacy = self { return true }
        return false
    }

    /// Parses `none`, `smooth:A`, `dp:E[:C]` or `mid:B`; the error names `option` (a command-line option or a JSON key), the text and
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
        case ("dp", 2):
            let values = parts[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard values.count <= 2, let epsilon = values[0] == "inf" ? Double.infinity : Double(values[0]),
                  epsilon > 0, !epsilon.isNaN else {
                throw refuse("dp:E takes an epsilon E > 0, or inf for clipping without noise")
            }
            var clipNorm = Self.defaultClipNorm
            if values.count == 2 {
                guard let value = Float(values[1]), value > 0, value.isFinite else {
                    throw refuse("dp:E:C takes a finite clipping norm C > 0")
                }
                clipNorm = value
            }
            self = .differentialPrivacy(epsilon: epsilon, clipNorm: clipNorm)
        case ("mid", 2):
            guard let beta = Float(parts[1]), Self.bottleneckRange.contains(beta) else {
                throw refuse("mid:B takes a weight B from 0 to 10")
            }
            self = .informationBottleneck(beta)
        default: throw refuse("not \(Self.textForms)")
        }
    }
}
