import Foundation
import NeuralNet

/// What the prediction service releases of its softmax vector: the defences a service can apply.
public enum ReleasePolicy: Sendable, Equatable, CustomStringConvertible {
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

    /// Parses `all`, `K` (top-k), `round:D`, `label`, `noise:S` or `threshold:T`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count) {
        case ("all", 1), ("full", 1): self = .full
        case ("label", 1): self = .labelOnly
        case ("round", 2): guard let decimals = Int(parts[1]), decimals >= 0 else { return nil }
            self = .rounded(decimals: decimals)
        case ("noise", 2): guard let deviation = Float(parts[1]), deviation >= 0 else { return nil }
            self = .noise(standardDeviation: deviation)
        case ("threshold", 2): guard let value = Float(parts[1]), value >= 0, value < 1 else { return nil }
            self = .threshold(value)
        default: guard let k = Int(text) else { return nil }
            self = .topK(k)
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
