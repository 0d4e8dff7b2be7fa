/// Max pooling over square windows of NCHW batches (PyTorch `nn.MaxPool2d` without padding). Like PyTorch, the
/// first maximum in scan order wins a tie, and the gradient goes to it alone.
public final class MaxPool2d: Layer {
    public let kernel: Int
    public let stride: Int

    private let output = Tensor()
    private let inputGradient = Tensor()
    /// For each output value, the flat index within its input plane of the maximum it took.
    private var winners: [Int32] = []
    private var inputShape: [Int] = []

    public init(kernel: Int, stride: Int) {
        self.kernel = kernel
        self.stride = stride
    }

    public var description: String { "MaxPool2d(\(kernel)x\(kernel), stride \(stride))" }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard input.shape.count == 4, input.shape[2] >= kernel, input.shape[3] >= kernel else {
            throw ShapeError(layer: description, expected: "[N, C, H, W] with H, W ≥ \(kernel)", actual: input.shape)
        }
        inputShape = input.shape
        let (height, width) = (input.shape[2], input.shape[3])
        let outputHeight = (height - kernel) / stride + 1
        let outputWidth = (width - kernel) / stride + 1
        let planes = input.shape[0] * input.shape[1]
        output.resize([input.shape[0], input.shape[1], outputHeight, outputWidth])
        if winners.count < output.count { winners = Array(repeating: 0, count: output.count) }
        let source = input.pointer
        let destination = output.pointer
        let (kernel, stride) = (kernel, stride)
        winners.withUnsafeMutableBufferPointer { winnerBuffer in
            let winner = winnerBuffer.baseAddress!
            Parallel.forRanges(planes, grain: max(1, 4096 / (height * width))) { range in
                for plane in range {
                    let inputPlane = source + plane * height * width
                    let outputOffset = plane * outputHeight * outputWidth
                    for outputRow in 0..<outputHeight {
                        for outputColumn in 0..<outputWidth {
                            var best = -Float.infinity
                            var bestIndex = (outputRow * stride) * width + outputColumn * stride
                            for row in (outputRow * stride)..<(outputRow * stride + kernel) {
                                for column in (outputColumn * stride)..<(outputColumn * stride + kernel) {
                                    let value = inputPlane[row * width + column]
                                    if value > best || value.isNaN {
                                        best = value
                                        bestIndex = row * width + column
                                    }
                                }
                            }
                            destination[outputOffset + outputRow * outputWidth + outputColumn] = best
                            winner[outputOffset + outputRow * outputWidth + outputColumn] = Int32(bestIndex)
                        }
                    }
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
        inputGradient.resize(inputShape)
        inputGradient.fill(0)
        let planeSize = inputShape[2] * inputShape[3]
        let outputPlaneSize = outputGradient.count / (inputShape[0] * inputShape[1])
        let destination = inputGradient.pointer
        let gradients = outputGradient.pointer
        winners.withUnsafeBufferPointer { winner in
            for index in 0..<outputGradient.count {
                let plane = index / outputPlaneSize
                destination[plane * planeSize + Int(winner[index])] += gradients[index]
            }
        }
        return inputGradient
    }
}
