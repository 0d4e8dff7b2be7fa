import Foundation
import NeuralNet

/// What the prediction service releases of its softmax vector: the defences a service can apply. Values come from
/// `init(parsing:option:)`, which refuses settings that cannot be applied (k below 1, a negative deviation, ...).
public enum ReleasePolicy: Sendable, Hashable, CustomStringConvertible {
    /// The whole vector.
    case full
    /// The k largest confidences, all other entries zero: the paper's truncation.
    case topK(Int)
    /// Every confidence rounded to a number of decimals.
    case rounded(decimals: Int)
    /// Only the predicted class: 1 there, 0 elsewhere.
    case labelOnly
    /// Gaussian noise of this standard deviation added to each confidence, clipped to [0, 1].
    case noise(standardDeviation: Float)
    /// Confidences below the threshold become 0.
    case threshold(Float)

    /// Decimals a rounding policy may keep: beyond 8, a Float confidence no longer changes.
    public static let decimalsRange = 0...8

    /// What the text forms are, for error messages.
    public static let textForms = "all, a number k ≥ 1, round:D (D in 0...8), label, noise:S (S ≥ 0) or threshold:T (T in [0, 1))"

    public var description: String {
        switch self {
        case .full: "full"
        case .topK(let k): "top-\(k)"
        case .rounded(let decimals): "rounded to \(decimals) decimals"
        case .labelOnly: "label only"
        case .noise(let deviation): "noise σ=\(deviation)"
        case .threshold(let value): "below \(value) hidden"
        }
    }

    /// The form `init(parsing:option:)` reads back: `all`, `K`, `round:D`, `label`, `noise:S` or `threshold:T`.
    public var text: String {
        switch self {
        case .full: "all"
        case .topK(let k): String(k)
        case .rounded(let decimals): "round:\(decimals)"
        case .labelOnly: "label"
        case .noise(let deviation): "noise:\(deviation)"
        case .threshold(let value): "threshold:\(value)"
        }
    }

    /// Parses `all` (or `full`), `K` (top-k), `round:D`, `label`, `noise:S` or `threshold:T`; the error names
    /// `option` (a command-line option or a JSON key), the text and the allowed range.
    public init(parsing text: String, option: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        func refuse(_ why: String) -> ConfigurationError {
            ConfigurationError("\(option) '\(text)': \(why)")
        }
        switch (parts.first, parts.count) {
        case ("all", 1), ("full", 1): self = .full
        case ("label", 1): self = .labelOnly
        case ("round", 2):
            guard let decimals = Int(parts[1]), ReleasePolicy.decimalsRange.contains(decimals) else {
                throw refuse("round:D takes D from 0 to 8 decimals")
            }
            self = .rounded(decimals: decimals)
        case ("noise", 2):
            guard let deviation = Float(parts[1]), deviation.isFinite, deviation >= 0 else {
                // Float32 tops out near 3.4e38: a larger number reads as infinity, which the user did not type.
                let tooLarge = Double(parts[1]).map { $0.isFinite && abs($0) > Double(Float.greatestFiniteMagnitude) } ?? false
                throw refuse("noise:S takes a finite standard deviation S ≥ 0" + (tooLarge ? " (\(parts[1]) is beyond 32-bit floats' 3.4e38)" : ""))
            }
            self = .noise(standardDeviation: deviation)
        case ("threshold", 2):
            guard let value = Float(parts[1]), value >= 0, value < 1 else { throw refuse("threshold:T takes T in [0, 1)") }
            self = .threshold(value)
        default:
            guard let k = Int(trimmed) else { throw refuse("not \(ReleasePolicy.textForms)") }
            guard k >= 1 else { throw refuse("top-k needs k ≥ 1") }
            self = .topK(k)
        }
    }

    /// Checks the policy against a vector of `classes` entries; the error names `option`.
    public func check(classes: Int, option: String) throws {
        if case .topK(let k) = self, !(1...classes).contains(k) {
            throw ConfigurationError("\(option) \(k) must be between 1 and the \(classes) private classes")
        }
    }

    /// The number of classes whose confidence may survive, for a vector of `classes` entries.
    public func keptEntries(classes: Int) -> Int {
        switch self {
        case .topK(let k): min(k, classes)
        case .labelOnly: 1
        default: classes
        }
    }

    /// Applies the policy to softmax rows `[N, classes]` in place; `rng` drives the noise.
    public func apply(to vectors: Tensor, rng: inout RandomGenerator) {
        let (rows, classes) = (vectors.shape[0], vectors.shape[1])
        for row in 0..<rows {
            let values = vectors.pointer + row * classes
            switch self {
            case .full:
                break
            case .topK(let k):
                guard k < classes else { break }
                let order = (0..<classes).sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
                for index in order.dropFirst(k) { values[index] = 0 }
            case .rounded(let decimals):
                let scale = Float(pow(10.0, Double(decimals)))
                for index in 0..<classes { values[index] = (values[index] * scale).rounded() / scale }
            case .labelOnly:
                let winner = (0..<classes).max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }!
                for index in 0..<classes { values[index] = index == winner ? 1 : 0 }
            case .noise(let deviation):
                for index in 0..<classes { values[index] = max(0, min(1, values[index] + deviation * rng.normal())) }
            case .threshold(let limit):
                for index in 0..<classes where values[index] < limit { values[index] = 0 }
            }
        }
    }
}
