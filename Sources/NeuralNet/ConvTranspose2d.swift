/// Transposed 2-D convolution over NCHW batches (PyTorch `nn.ConvTranspose2d` with square kernel, stride and
/// padding), computed by the engine picked for its shape (`engine(for:)`). Weight `[in, out, k, k]`, bias `[out]`.
/// Output size: (H - 1) * stride - 2 * padding + kernel.
public final class ConvTranspose2d: GemmLayer {
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
    /// The engine for the layer's shape: Winograd F(4x4, 2x2) for the 4x4, stride 2, padding 1 upsampling layers
    /// with enough channels, the direct kernel for those with one output channel, GEMM + col2im for the rest.
    let engine: any ConvolutionEngine
    /// The one-GEMM engine that layers without padding take over batches of 1x1 images, whatever `engine` is;
    /// nil where it cannot apply and in the reference.
    let vectorLift: VectorLift?
    public private(set) var lastForwardFLOPs = 0

    /// A transposed convolution with PyTorch's default initialisation drawn from `rng`: PyTorch takes the fan-in of
    /// the `[in, out, k, k]` weight from its second dimension, so the bound is ±1/sqrt(out * k * k).
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                            rng: inout RandomGenerator) {
        self.init(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding, rng: &rng,
                  usesReference: false)
    }

    /// The same layer, drawing the same parameters from `rng`; with `usesReference` every pass runs on the plain
    /// GEMM + col2im engine, the reference the tests hold the fast engines to.
    init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
         rng: inout RandomGenerator, usesReference: Bool) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        let bound = 1 / Float(outChannels * kernel * kernel).squareRoot()
        weight = Parameter(Initialisation.uniform([inChannels, outChannels, kernel, kernel], bound: bound, rng: &rng))
        bias = Parameter(Initialisation.uniform([outChannels], bound: bound, rng: &rng))
        let fastUpsampling = !usesReference && kernel == 4 && stride == 2 && padding == 1
        if fastUpsampling && WinogradUpsampling.pays(inChannels: inChannels, outChannels: outChannels) {
            engine = WinogradUpsampling(inChannels: inChannels, outChannels: outChannels)
        } else if fastUpsampling && outChannels == 1 {
            engine = SingleOutputTransposedConvolution(inChannels: inChannels)
        } else {
            engine = ColumnTransposedConvolution(inChannels: inChannels, outChannels: outChannels, kernel: kernel,
                                                 stride: stride, padding: padding, splitsPhases: !usesReference)
        }
        vectorLift = !usesReference && padding == 0
            ? VectorLift(inChannels: inChannels, outChannels: outChannels, kernel: kernel) : nil
    }

    public var description: String {
        "ConvTranspose2d(\(inChannels)→\(outChannels), \(kernel)x\(kernel), stride \(stride), pad \(padding))"
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    /// The output's height or width for an input's.
    private func outputSize(_ size: Int) -> Int { (size - 1) * stride - 2 * padding + kernel }

    /// The engine for a pass over `input`: the vector lift for batches of 1x1 images where the layer has one.
    func engine(for input: Tensor) -> any ConvolutionEngine {
        if let vectorLift, input.shape[2] == 1, input.shape[3] == 1 { return vectorLift }
        return engine
    }

    /// Floating-point operations of one pass of GEMMs over a batch of `input`'s shape.
    private func passFLOPs(_ input: Tensor) -> Int {
        2 * input.shape[0] * input.shape[2] * input.shape[3] * inChannels * outChannels * kernel * kernel
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard input.shape.count == 4, input.shape[1] == inChannels,
              (input.shape[2] - 1) * stride + kernel > 2 * padding else {
            throw ShapeError(layer: description, expected: "[N, \(inChannels), H, W]", actual: input.shape)
        }
        let started = monotonicNanoseconds()
        self.input = input
        output.resize([input.shape[0], outChannels, outputSize(input.shape[2]), outputSize(input.shape[3])])
        lastForwardFLOPs = passFLOPs(input)
        defer {
            stats.flops += lastForwardFLOPs
            stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        }
        engine(for: input).forward(input: input, weight: weight.value, bias: bias.value, output: output)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let started = monotonicNanoseconds()
        let input = input!
        inputGradient.resize(needsInputGradient ? input.shape : [0])
        let parameterGradients = ParameterGradients(of: weight, bias)
        defer {
            stats.flops += ((needsInputGradient ? 1 : 0) + (parameterGradients == nil ? 0 : 1)) * passFLOPs(input)
            stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        }
        engine(for: input).backward(input: input, weight: weight.value, outputGradient: outputGradient,
                                    parameterGradients: parameterGradients,
                                    inputGradient: needsInputGradient ? inputGradient : nil)
        return inputGradient
    }
}
