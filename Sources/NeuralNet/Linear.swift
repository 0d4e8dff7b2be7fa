/// Fully connected layer y = x Wᵀ + b over `[N, in]` batches (PyTorch `nn.Linear`). Weight `[out, in]`, bias `[out]`.
public final class Linear: GemmLayer {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter
    /// Time and work of this layer's GEMM passes since the counters were last reset.
    public var stats = ComputeStats()

    private let output = Tensor()
    private let inputGradient = Tensor()
    private var input: Tensor?
    /// The input of the last forward.
    var lastInput: Tensor? { input }
    public private(set) var lastForwardFLOPs = 0

    /// A layer with PyTorch's default initialisation drawn from `rng`: uniform in ±1/sqrt(in).
    public init(_ inFeatures: Int, _ outFeatures: Int, rng: inout RandomGenerator) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Parameter(Initialisation.uniform([outFeatures, inFeatures], bound: bound, rng: &rng))
        bias = Parameter(Initialisation.uniform([outFeatures], bound: bound, rng: &rng))
    }

    public var description: String { "Linear(\(inFeatures)→\(outFeatures))" }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard input.shape.count == 2, input.shape[1] == inFeatures else {
            throw ShapeError(layer: description, expected: "[N, \(inFeatures)]", actual: input.shape)
        }
        let started = monotonicNanoseconds()
        self.input = input
        let batch = input.shape[0]
        output.resize([batch, outFeatures])
        let destination = output.pointer
        for row in 0..<batch { (destination + row * outFeatures).update(from: bias.value.pointer, count: outFeatures) }
        gemm(transposeA: false, transposeB: true, m: batch, n: outFeatures, k: inFeatures,
             a: input.pointer, lda: inFeatures, b: weight.value.pointer, ldb: inFeatures,
             beta: 1, c: destination, ldc: outFeatures)
        lastForwardFLOPs = 2 * batch * inFeatures * outFeatures
        stats.flops += lastForwardFLOPs
        stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let started = monotonicNanoseconds()
        let input = input!
        let batch = input.shape[0]
        let needsParameterGradients = needsParameterGradients
        defer {
            let passes = (needsInputGradient ? 1 : 0) + (needsParameterGradients ? 1 : 0)
            stats.flops += passes * 2 * batch * inFeatures * outFeatures
            stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        }
        if needsParameterGradients {
            gemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: batch,
                 a: outputGradient.pointer, lda: outFeatures, b: input.pointer, ldb: inFeatures,
                 beta: 1, c: weight.gradient.pointer, ldc: inFeatures)
            let biasGradient = bias.gradient.pointer
            for row in 0..<batch {
                let gradientRow = outputGradient.pointer + row * outFeatures
                for feature in 0..<outFeatures { biasGradient[feature] += gradientRow[feature] }
            }
        }
        guard needsInputGradient else {
            inputGradient.resize([0])
            return inputGradient
        }
        inputGradient.resize(input.shape)
        gemm(transposeA: false, transposeB: false, m: batch, n: inFeatures, k: outFeatures,
             a: outputGradient.pointer, lda: outFeatures, b: weight.value.pointer, ldb: inFeatures,
             beta: 0, c: inputGradient.pointer, ldc: inFeatures)
        return inputGradient
    }
}
