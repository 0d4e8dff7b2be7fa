/// 2-D convolution over NCHW batches (PyTorch `nn.Conv2d` with square kernel, stride and zero padding), computed by
/// the engine picked for its shape (`engine`). Weight `[out, in, k, k]`, bias `[out]`.
public final class Conv2d: GemmLayer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter
    /// Time and work of this layer's GEMM passes since the counters were last reset.
    public var stats = ComputeStats()

    private let output = Tensor()
    private let inputGradient = Tensor()
    private var input: Tensor?
    /// The input of the last forward.
    var lastInput: Tensor? { input }
    /// Weights and bias with a following batch normalisation folded in (evaluation only).
    private let foldedWeight = Tensor()
    private let foldedBias = Tensor()
    /// The weights the last forward ran with (`weight.value` or `foldedWeight`): the input gradient differentiates
    /// that forward.
    private var lastWeight: Tensor?
    /// The engine every pass runs on, chosen for the layer's shape: Winograd F(4x4, 3x3) for 3x3 stride 1 layers
    /// with enough input channels to make its GEMMs worthwhile, the direct kernel for 3x3 stride 1 padding 1 layers
    /// over single-channel images, im2col + GEMM for the rest.
    let engine: any ConvolutionEngine
    public private(set) var lastForwardFLOPs = 0

    /// A convolution with PyTorch's default initialisation drawn from `rng`: weight and bias uniform in
    /// ±1/sqrt(in * k * k).
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                            rng: inout RandomGenerator) {
        self.init(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding, rng: &rng,
                  usesReference: false)
    }

    /// The same layer, drawing the same parameters from `rng`; with `usesReference` every pass runs on the plain
    /// im2col + GEMM engine, the reference the tests hold the fast engines to.
    init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
         rng: inout RandomGenerator, usesReference: Bool) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        let bound = 1 / Float(inChannels * kernel * kernel).squareRoot()
        weight = Parameter(Initialisation.uniform([outChannels, inChannels, kernel, kernel], bound: bound, rng: &rng))
        bias = Parameter(Initialisation.uniform([outChannels], bound: bound, rng: &rng))
        let fastThreeByThree = !usesReference && kernel == 3 && stride == 1
        if fastThreeByThree && inChannels >= WinogradConvolution.minimumInChannels {
            engine = WinogradConvolution(inChannels: inChannels, outChannels: outChannels, padding: padding)
        } else if fastThreeByThree && inChannels == 1 && padding == 1 {
            engine = SingleChannelConvolution(outChannels: outChannels)
        } else {
            engine = ColumnConvolution(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                                       padding: padding, splitsPhases: !usesReference)
        }
    }

    public var description: String {
        "Conv2d(\(inChannels)→\(outChannels), \(kernel)x\(kernel), stride \(stride), pad \(padding))"
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    private func geometry(for input: Tensor) -> ConvolutionGeometry {
        ConvolutionGeometry(channels: inChannels, height: input.shape[2], width: input.shape[3],
                            kernel: kernel, stride: stride, padding: padding)
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        try forward(input, weight: weight.value, bias: bias.value)
    }

    /// The evaluation-mode output of this layer followed by `normalization`, in one pass: the normalisation's
    /// per-channel affine map is folded into the weights and bias (w·s, b·s + t). A backward may follow only while
    /// both layers are frozen: it gives the input gradient of the pair, and the folded weights have no gradient.
    func forward(_ input: Tensor, foldingIn normalization: BatchNorm2d) throws -> Tensor {
        foldedWeight.resize(weight.value.shape)
        foldedBias.resize([outChannels])
        let filterSize = inChannels * kernel * kernel
        for channel in 0..<outChannels {
            let (scale, shift) = normalization.evaluationAffine(channel)
            let filter = weight.value.pointer + channel * filterSize
            let folded = foldedWeight.pointer + channel * filterSize
            for tap in 0..<filterSize { folded[tap] = filter[tap] * scale }
            foldedBias[channel] = bias.value[channel] * scale + shift
        }
        return try forward(input, weight: foldedWeight, bias: foldedBias)
    }

    private func forward(_ input: Tensor, weight: Tensor, bias: Tensor) throws -> Tensor {
        guard input.shape.count == 4, input.shape[1] == inChannels,
              input.shape[2] + 2 * padding >= kernel, input.shape[3] + 2 * padding >= kernel else {
            throw ShapeError(layer: description, expected: "[N, \(inChannels), H, W] with H, W ≥ \(kernel - 2 * padding)",
                             actual: input.shape)
        }
        let started = monotonicNanoseconds()
        self.input = input
        lastWeight = weight
        let batch = input.shape[0]
        let shape = geometry(for: input)
        let pixels = shape.outputPixels
        output.resize([batch, outChannels, shape.outputHeight, shape.outputWidth])
        lastForwardFLOPs = 2 * batch * pixels * outChannels * shape.columnRows
        defer {
            stats.flops += lastForwardFLOPs
            stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        }
        engine.forward(input: input, weight: weight, bias: bias, output: output)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let started = monotonicNanoseconds()
        let input = input!
        let shape = geometry(for: input)
        inputGradient.resize(needsInputGradient ? input.shape : [0])
        let parameterGradients = ParameterGradients(of: weight, bias)
        precondition(parameterGradients == nil || lastWeight === weight.value,
                     "\(description): a forward with batch normalisation folded in has no weight gradient")
        defer {
            let passes = (needsInputGradient ? 1 : 0) + (parameterGradients == nil ? 0 : 1)
            stats.flops += passes * 2 * input.shape[0] * shape.outputPixels * outChannels * shape.columnRows
            stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        }
        engine.backward(input: input, weight: lastWeight!, outputGradient: outputGradient,
                        parameterGradients: parameterGradients,
                        inputGradient: needsInputGradient ? inputGradient : nil)
        return inputGradient
    }
}
