/// Batch normalisation over the channels of NCHW batches, with PyTorch's `nn.BatchNorm2d` semantics: in training,
/// normalise by the batch's mean and biased variance and update running mean and unbiased running variance with
/// momentum 0.1; in evaluation, normalise by the running statistics. eps = 1e-5.
public final class BatchNorm2d: Layer {
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Tensor
    public let runningVariance: Tensor
    public let batchesTracked = Counter()

    private let output = Tensor()
    private let inputGradient = Tensor()
    /// Per channel: the mean and 1/sqrt(variance + eps) used by the last forward.
    private let usedMean: Tensor
    private let usedInverseDeviation: Tensor
    private var lastMode = Mode.training
    private var input: Tensor?

    /// A layer with weight 1, bias 0, running mean 0 and running variance 1, as PyTorch starts it.
    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        weight = Parameter(Tensor(shape: [channels], values: Array(repeating: 1, count: channels)))
        bias = Parameter(Tensor(zeros: [channels]))
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(shape: [channels], values: Array(repeating: 1, count: channels))
        usedMean = Tensor(zeros: [channels])
        usedInverseDeviation = Tensor(zeros: [channels])
    }

    public var description: String { "BatchNorm2d(\(channels))" }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public var stateEntries: [StateEntry] {
        [StateEntry(name: "weight", value: .floats(weight.value)),
         StateEntry(name: "bias", value: .floats(bias.value)),
         StateEntry(name: "running_mean", value: .floats(runningMean)),
         StateEntry(name: "running_var", value: .floats(runningVariance)),
         StateEntry(name: "num_batches_tracked", value: .counter(batchesTracked))]
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard input.shape.count == 4, input.shape[1] == channels else {
            throw ShapeError(layer: description, expected: "[N, \(channels), H, W]", actual: input.shape)
        }
        let batch = input.shape[0]
        let pixels = input.shape[2] * input.shape[3]
        let perChannel = batch * pixels
        if mode == .training && perChannel < 2 {
            throw ShapeError(layer: description, expected: "more than one value per channel in training",
                             actual: input.shape)
        }
        self.input = input
        lastMode = mode
        output.resize(input.shape)
        let source = input.pointer
        let destination = output.pointer
        let means = usedMean.pointer
        let inverseDeviations = usedInverseDeviation.pointer
        Parallel.forEach(channels) { channel in
            if mode == .training {
                var sum = 0.0
                for image in 0..<batch {
                    sum += Double(VectorMath.sum(source + (image * self.channels + channel) * pixels, count: pixels))
                }
                let mean = sum / Double(perChannel)
                // A second pass over the deviations avoids the cancellation of E[x²] - E[x]².
                var sumOfSquares = 0.0
                for image in 0..<batch {
                    sumOfSquares += Double(VectorMath.squaredDeviationSum(
                        source + (image * self.channels + channel) * pixels, count: pixels, center: Float(mean)))
                }
                let variance = sumOfSquares / Double(perChannel)
                means[channel] = Float(mean)
                inverseDeviations[channel] = Float(1 / (variance + Double(self.epsilon)).squareRoot())
                let unbiased = variance * Double(perChannel) / Double(perChannel - 1)
                self.runningMean[channel] = (1 - self.momentum) * self.runningMean[channel] + self.momentum * Float(mean)
                self.runningVariance[channel] =
                    (1 - self.momentum) * self.runningVariance[channel] + self.momentum * Float(unbiased)
            } else {
                means[channel] = self.runningMean[channel]
                inverseDeviations[channel] = 1 / (self.runningVariance[channel] + self.epsilon).squareRoot()
            }
            let scale = self.weight.value[channel] * inverseDeviations[channel]
            let shift = self.bias.value[channel] - means[channel] * scale
            for image in 0..<batch {
                let offset = (image * self.channels + channel) * pixels
                VectorMath.scaleAndShift(source + offset, destination + offset, count: pixels, scale: scale, shift: shift)
            }
        }
        if mode == .training { batchesTracked.value += 1 }
        return output
    }

    /// The evaluation-mode map of `channel`, x ↦ x · scale + shift, from the running statistics.
    func evaluationAffine(_ channel: Int) -> (scale: Float, shift: Float) {
        let scale = weight.value[channel] / (runningVariance[channel] + epsilon).squareRoot()
        return (scale, bias.value[channel] - runningMean[channel] * scale)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let input = input!
        let batch = input.shape[0]
        let pixels = input.shape[2] * input.shape[3]
        let perChannel = Float(batch * pixels)
        inputGradient.resize(needsInputGradient ? input.shape : [0])
        let source = input.pointer
        let gradients = outputGradient.pointer
        let destination = inputGradient.pointer
        let training = lastMode == .training
        let needsParameterGradients = needsParameterGradients
        Parallel.forEach(channels) { channel in
            let mean = self.usedMean[channel]
            let inverseDeviation = self.usedInverseDeviation[channel]
            // In evaluation the layer is a fixed affine map per channel, so dx = scale · g needs no sums.
            if !training && !needsParameterGradients {
                guard needsInputGradient else { return }
                let scale = self.weight.value[channel] * inverseDeviation
                for image in 0..<batch {
                    let offset = (image * self.channels + channel) * pixels
                    VectorMath.scaleAndShift(gradients + offset, destination + offset, count: pixels, scale: scale, shift: 0)
                }
                return
            }
            var gradientSum: Float = 0
            var gradientDotNormalised: Float = 0
            for image in 0..<batch {
                let offset = (image * self.channels + channel) * pixels
                let (sum, dot) = VectorMath.sumAndCenteredDot(gradients + offset, source + offset, count: pixels,
                                                              center: mean)
                gradientSum += sum
                gradientDotNormalised += dot
            }
            gradientDotNormalised *= inverseDeviation
            if needsParameterGradients {
                self.weight.gradient[channel] += gradientDotNormalised
                self.bias.gradient[channel] += gradientSum
            }
            guard needsInputGradient else { return }
            let scale = self.weight.value[channel] * inverseDeviation
            // In training the batch statistics depend on every input, which adds the two mean terms.
            let meanGradient = training ? gradientSum / perChannel : 0
            let normalisedGradient = training ? gradientDotNormalised / perChannel : 0
            // dx = scale · (g - mean(g) - x̂ · mean(g x̂)) rearranged as a · g + b · x + c per channel.
            let slope = -scale * inverseDeviation * normalisedGradient
            let constant = -scale * meanGradient - slope * mean
            for image in 0..<batch {
                let offset = (image * self.channels + channel) * pixels
                for pixel in 0..<pixels {
                    destination[offset + pixel] = scale * gradients[offset + pixel] + slope * source[offset + pixel] + constant
                }
            }
        }
        return inputGradient
    }
}
