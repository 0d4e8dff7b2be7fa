import Foundation

/// Softmax or log-softmax over the last dimension of `[N, K]` batches, computed stably by subtracting each row's
/// maximum first.
public final class Softmax: Layer {
    /// True for log-softmax (PyTorch `F.log_softmax(x, dim=1)`), false for softmax.
    public let logarithmic: Bool
    private let output = Tensor()
    private let inputGradient = Tensor()

    public init(logarithmic: Bool) { self.logarithmic = logarithmic }

    public var description: String { logarithmic ? "LogSoftmax" : "Softmax" }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard input.shape.count == 2, input.shape[1] > 0 else {
            throw ShapeError(layer: description, expected: "[N, K]", actual: input.shape)
        }
        output.resize(input.shape)
        let (rows, width) = (input.shape[0], input.shape[1])
        for row in 0..<rows {
            let source = input.pointer + row * width
            let destination = output.pointer + row * width
            var largest = -Float.infinity
            for column in 0..<width { largest = max(largest, source[column]) }
            var sum: Float = 0
            for column in 0..<width { sum += exp(source[column] - largest) }
            if logarithmic {
                let logSum = log(sum) + largest
                for column in 0..<width { destination[column] = source[column] - logSum }
            } else {
                for column in 0..<width { destination[column] = exp(source[column] - largest) / sum }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        inputGradient.resize(output.shape)
        let (rows, width) = (output.shape[0], output.shape[1])
        for row in 0..<rows {
            let result = output.pointer + row * width
            let gradient = outputGradient.pointer + row * width
            let destination = inputGradient.pointer + row * width
            if logarithmic {
                var gradientSum: Float = 0
                for column in 0..<width { gradientSum += gradient[column] }
                for column in 0..<width { destination[column] = gradient[column] - exp(result[column]) * gradientSum }
            } else {
                var weighted: Float = 0
                for column in 0..<width { weighted += gradient[column] * result[column] }
                for column in 0..<width { destination[column] = result[column] * (gradient[column] - weighted) }
            }
        }
        return inputGradient
    }
}
