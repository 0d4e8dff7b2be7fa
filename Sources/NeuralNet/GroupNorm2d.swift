/// Group normalisation of NCHW batches (PyTorch `nn.GroupNorm`): each image's channels are cut into `groups` equal
/// groups, each normalised by its own mean and biased variance, then scaled and shifted per channel. Unlike batch
/// normalisation no statistic crosses images, so every image's gradient is its own: what DP-SGD's per-example
/// clipping needs. Training and evaluation compute the same thing. eps = 1e-5.
public final class GroupNorm2d: Layer, PerExampleGradientLayer {
    public let groups: Int
    public let channels: Int
    public let epsilon: Float
    public let weight: Parameter
    public let bias: Parameter

    private let output = Tensor()
    private let inputGradient = Tensor()
    /// x̂ of the last forward: the input normalised, before the per-channel scale and shift.
    private let normalised = Tensor()
    /// Per image and group: 1/sqrt(variance + eps) of the last forward.
    private var inverseDeviations: [Float] = []

    /// A layer with weight 1 and bias 0, as PyTorch starts it; `channels` must be a multiple of `groups`.
    public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
        precondition(groups >= 1 && channels % groups == 0, "GroupNorm2d: \(channels) channels do not split into \(groups) groups")
        self.groups = groups
        self.channels = channels
        self.epsilon = epsilon
        weight = Parameter(Tensor(shape: [channels], values: Array(repeating: 1, count: channels)))
        bias = Parameter(Tensor(zeros: [channels]))
    }

    /// The group count Opacus substitutes for a batch normalisation, min(32, channels), lowered to the largest
    /// divisor of `channels` where 32 does not divide it.
    public static func groupsReplacingBatchNorm(channels: Int) -> Int {
        (1...min(32, channels)).last { channels % $0 == 0 }!
    }

    public var description: String { "GroupNorm2d(\(groups) groups, \(channels))" }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard input.shape.count == 4, input.shape[1] == channels else {
            throw ShapeError(layer: description, expected: "[N, \(channels), H, W]", actual: input.shape)
        }
        let batch = input.shape[0]
        let pixels = input.shape[2] * input.shape[3]
        let groupSize = channels / groups * pixels
        output.resize(input.shape)
        normalised.resize(input.shape)
        inverseDeviations = Array(repeating: 0, count: batch * groups)
        let source = input.pointer
        let centred = normalised.pointer
        let destination = output.pointer
        let perChannel = channels / groups
        inverseDeviations.withUnsafeMutableBufferPointer { deviations in
            Parallel.forEach(batch * groups) { slot in
                let offset = slot * groupSize
                let mean = VectorMath.sum(source + offset, count: groupSize) / Float(groupSize)
                let variance = VectorMath.squaredDeviationSum(source + offset, count: groupSize, center: mean)
                    / Float(groupSize)
                let inverseDeviation = 1 / (variance + self.epsilon).squareRoot()
                deviations[slot] = inverseDeviation
                VectorMath.scaleAndShift(source + offset, centred + offset, count: groupSize, scale: inverseDeviation,
                                         shift: -mean * inverseDeviation)
                let firstChannel = (slot % self.groups) * perChannel
                for local in 0..<perChannel {
                    let channel = firstChannel + local
                    let plane = offset + local * pixels
                    VectorMath.scaleAndShift(centred + plane, destination + plane, count: pixels,
                                             scale: self.weight.value[channel], shift: self.bias.value[channel])
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let batch = normalised.shape[0]
        let pixels = normalised.shape[2] * normalised.shape[3]
        let perChannel = channels / groups
        let groupSize = perChannel * pixels
        let gradients = outputGradient.pointer
        let centred = normalised.pointer
        if needsParameterGradients {
            for image in 0..<batch {
                for channel in 0..<channels {
                    let plane = (image * channels + channel) * pixels
                    let (sum, dot) = VectorMath.sumAndCenteredDot(gradients + plane, centred + plane, count: pixels, center: 0)
                    weight.gradient[channel] += dot
                    bias.gradient[channel] += sum
                }
            }
        }
        inputGradient.resize(needsInputGradient ? normalised.shape : [0])
        guard needsInputGradient else { return inputGradient }
        let destination = inputGradient.pointer
        Parallel.forEach(batch * groups) { slot in
            let offset = slot * groupSize
            let firstChannel = (slot % self.groups) * perChannel
            // With ĝ = γ·g: dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / σ over the group.
            var meanScaled: Float = 0
            var meanScaledDot: Float = 0
            for local in 0..<perChannel {
                let plane = offset + local * pixels
                let (sum, dot) = VectorMath.sumAndCenteredDot(gradients + plane, centred + plane, count: pixels, center: 0)
                let scale = self.weight.value[firstChannel + local]
                meanScaled += scale * sum
                meanScaledDot += scale * dot
            }
            meanScaled /= Float(groupSize)
            meanScaledDot /= Float(groupSize)
            let inverseDeviation = self.inverseDeviations[slot]
            for local in 0..<perChannel {
                let plane = offset + local * pixels
                let scale = self.weight.value[firstChannel + local]
                for pixel in 0..<pixels {
                    let index = plane + pixel
                    destination[index] = inverseDeviation
                        * (scale * gradients[index] - meanScaled - centred[index] * meanScaledDot)
                }
            }
        }
        return inputGradient
    }

    /// Per image: Σ over channels of (Σ g·x̂)² + (Σ g)², its weight and bias gradients' squared norm.
    func addPerExampleSquaredNorms(outputGradient: Tensor, into squaredNorms: inout [Double]) {
        let batch = normalised.shape[0]
        let pixels = normalised.shape[2] * normalised.shape[3]
        for image in 0..<batch {
            var total = 0.0
            for channel in 0..<channels {
                let plane = (image * channels + channel) * pixels
                let (sum, dot) = VectorMath.sumAndCenteredDot(outputGradient.pointer + plane, normalised.pointer + plane,
                                                              count: pixels, center: 0)
                total += Double(dot) * Double(dot) + Double(sum) * Double(sum)
            }
            squaredNorms[image] += total
        }
    }
}
