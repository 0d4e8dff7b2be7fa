/// An element-wise activation whose derivative can be written in terms of its output, so backward needs only the
/// output the forward pass kept.
public final class Activation: Layer {
    /// The supported functions.
    public enum Function: Sendable {
        /// max(0, x) (PyTorch `nn.ReLU`).
        case relu
        /// tanh(x) (PyTorch `nn.Tanh`).
        case tanh
        /// 1 / (1 + e^-x) (PyTorch `nn.Sigmoid`).
        case sigmoid
    }

    public let function: Function
    private let output = Tensor()
    private let inputGradient = Tensor()

    public init(_ function: Function) { self.function = function }

    public var description: String {
        switch function {
        case .relu: "ReLU"
        case .tanh: "Tanh"
        case .sigmoid: "Sigmoid"
        }
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        output.resize(input.shape)
        let source = input.pointer
        let destination = output.pointer
        let function = function
        Parallel.forRanges(input.count) { range in
            switch function {
            case .relu: for index in range { destination[index] = max(source[index], 0) }
            case .tanh:
                // tanh x = sign(x) (1 - 2 / (e^{2|x|} + 1)); the absolute error stays near 1e-7.
                VectorMath.map(source + range.lowerBound, destination + range.lowerBound, count: range.count) { x in
                    let negative = x .< SIMD8<Float>()
                    let one = SIMD8<Float>(repeating: 1)
                    let two = SIMD8<Float>(repeating: 2)
                    let twice = x.replacing(with: -x, where: negative) * two
                    let magnitude = one - two / (VectorMath.exp(twice) + one)
                    return magnitude.replacing(with: -magnitude, where: negative)
                }
            case .sigmoid:
                VectorMath.map(source + range.lowerBound, destination + range.lowerBound, count: range.count) { x in
                    let one = SIMD8<Float>(repeating: 1)
                    return one / (one + VectorMath.exp(-x))
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else {
            inputGradient.resize([0])
            return inputGradient
        }
        inputGradient.resize(output.shape)
        let result = output.pointer
        let gradients = outputGradient.pointer
        let destination = inputGradient.pointer
        let function = function
        Parallel.forRanges(output.count) { range in
            switch function {
            case .relu:
                for index in range { destination[index] = result[index] > 0 ? gradients[index] : 0 }
            case .tanh:
                for index in range { destination[index] = gradients[index] * (1 - result[index] * result[index]) }
            case .sigmoid:
                for index in range { destination[index] = gradients[index] * result[index] * (1 - result[index]) }
            }
        }
        return inputGradient
    }
}

/// Inverted dropout (PyTorch `nn.Dropout`): in training, zeroes each value with probability `probability` and scales
/// the survivors by 1 / (1 - probability); in evaluation, passes values through.
public final class Dropout: Layer {
    public let probability: Float
    /// When set, the next training forward uses this keep mask (1 keeps, 0 drops; one value per element) instead of
    /// drawing one, and clears it: how a mask recorded elsewhere (a PyTorch run) is replayed.
    public var replayMask: [Float]?

    private var rng: RandomGenerator
    private let output = Tensor()
    private let inputGradient = Tensor()
    private let scaledMask = Tensor()
    private var lastMode = Mode.training

    /// A dropout layer drawing its masks from a stream forked from `rng`.
    public init(probability: Float = 0.5, rng: inout RandomGenerator) {
        self.probability = probability
        self.rng = rng.fork()
    }

    public var description: String { "Dropout(p=\(probability))" }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        lastMode = mode
        output.resize(input.shape)
        guard mode == .training else {
            output.pointer.update(from: input.pointer, count: input.count)
            return output
        }
        scaledMask.resize(input.shape)
        let scale = 1 / (1 - probability)
        if let mask = replayMask {
            guard mask.count == input.count else {
                throw ShapeError(layer: description, expected: "a replay mask of \(mask.count) values",
                                 actual: input.shape)
            }
            for index in 0..<input.count { scaledMask[index] = mask[index] * scale }
            replayMask = nil
        } else {
            for index in 0..<input.count { scaledMask[index] = rng.nextUnitFloat() < probability ? 0 : scale }
        }
        for index in 0..<input.count { output[index] = input[index] * scaledMask[index] }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        inputGradient.resize(outputGradient.shape)
        if lastMode == .training {
            for index in 0..<outputGradient.count { inputGradient[index] = outputGradient[index] * scaledMask[index] }
        } else {
            inputGradient.pointer.update(from: outputGradient.pointer, count: outputGradient.count)
        }
        return inputGradient
    }
}

/// Gives each sample a new shape with the same element count, without copying: flattening `[N, C, H, W]` to
/// `[N, C*H*W]` (PyTorch's `x.view(N, -1)`) before a Linear layer, or lifting `[N, K]` to `[N, K, 1, 1]` before a
/// transposed convolution.
public final class Reshape: Layer {
    /// The shape of one sample after the layer.
    public let sampleShape: [Int]
    private var inputShape: [Int] = []

    public init(sampleShape: [Int]) { self.sampleShape = sampleShape }

    public var description: String { "Reshape(to \(sampleShape))" }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let sampleCount = Tensor.elementCount(sampleShape)
        guard input.shape.count >= 1, input.count == input.shape[0] * sampleCount else {
            throw ShapeError(layer: description, expected: "[N, ...] with \(sampleCount) values a sample",
                             actual: input.shape)
        }
        inputShape = input.shape
        return Tensor(viewing: input, as: [input.shape[0]] + sampleShape)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        Tensor(viewing: outputGradient, as: inputShape)
    }
}
