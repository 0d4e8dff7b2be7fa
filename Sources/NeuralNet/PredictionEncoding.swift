import Foundation

/// The authors' encoding of a released prediction vector for the inversion model: keep the `keep` largest entries,
/// replace each kept value v by max(log v, -1000) + `offset`, shift the kept values up so the smallest is 0 when it
/// is negative, and scatter them into zeros at their original indices. Differentiable, so joint training can pass
/// gradients through it into the classifier.
public final class PredictionEncoding: Layer {
    public let classes: Int
    /// How many of the largest entries survive (the truncation k); `classes` keeps all.
    public let keep: Int
    /// The constant c added to the logarithms (the authors use 50).
    public let offset: Float
    /// The floor the logarithm is clamped to.
    public static let logFloor: Float = -1000

    private let output = Tensor()
    private let inputGradient = Tensor()
    private var input: Tensor?
    /// Per row: the kept indices, largest value first.
    private var kept: [Int32] = []
    /// Per row: whether the shift was applied, and at which position of `kept` the smallest value sat.
    private var shiftedAt: [Int] = []
    private var order: [Int] = []

    /// An encoding for vectors of `classes` entries keeping the `keep` largest.
    public init(classes: Int, keep: Int, offset: Float = 50) {
        precondition(keep >= 1 && keep <= classes, "PredictionEncoding: keep \(keep) of \(classes) classes")
        self.classes = classes
        self.keep = keep
        self.offset = offset
        order = Array(0..<classes)
    }

    public var description: String { "PredictionEncoding(top \(keep) of \(classes), c = \(offset))" }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard input.shape.count == 2, input.shape[1] == classes else {
            throw ShapeError(layer: description, expected: "[N, \(classes)]", actual: input.shape)
        }
        self.input = input
        let rows = input.shape[0]
        output.resize(input.shape)
        output.fill(0)
        kept = Array(repeating: 0, count: rows * keep)
        shiftedAt = Array(repeating: -1, count: rows)
        var encoded = [Float](repeating: 0, count: keep)
        for row in 0..<rows {
            let values = input.pointer + row * classes
            // Largest first; among equal values the lower index first.
            for index in 0..<classes { order[index] = index }
            order.sort { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
            var smallest = Float.infinity
            var smallestPosition = 0
            for position in 0..<keep {
                let index = order[position]
                kept[row * keep + position] = Int32(index)
                encoded[position] = max(log(values[index]), PredictionEncoding.logFloor) + offset
                if encoded[position] < smallest {
                    smallest = encoded[position]
                    smallestPosition = position
                }
            }
            let shift: Float = smallest < 0 ? -smallest : 0
            if shift > 0 { shiftedAt[row] = smallestPosition }
            for position in 0..<keep {
                output[row * classes + Int(kept[row * keep + position])] = encoded[position] + shift
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let input = input!
        let rows = input.shape[0]
        inputGradient.resize(input.shape)
        inputGradient.fill(0)
        for row in 0..<rows {
            var keptGradientSum: Float = 0
            for position in 0..<keep {
                keptGradientSum += outputGradient[row * classes + Int(kept[row * keep + position])]
            }
            for position in 0..<keep {
                let index = row * classes + Int(kept[row * keep + position])
                var gradient = outputGradient[index]
                // The shift -min(kept) feeds every kept output, so the smallest one also receives minus their sum.
                if shiftedAt[row] == position { gradient -= keptGradientSum }
                let value = input[index]
                // Below the floor the clamp passes no gradient.
                inputGradient[index] = log(value) >= PredictionEncoding.logFloor ? gradient / value : 0
            }
        }
        return inputGradient
    }
}
