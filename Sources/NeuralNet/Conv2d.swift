/// 2-D convolution over NCHW batches (PyTorch `nn.Conv2d` with square kernel, stride and zero padding), computed as
/// im2col + one GEMM per chunk of images. Weight `[out, in, k, k]`, bias `[out]`.
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
    private let columns = Tensor()
    private let chunk = Tensor()
    private var input: Tensor?
    /// Weights and bias with a following batch normalisation folded in (evaluation only).
    private let foldedWeight = Tensor()
    private let foldedBias = Tensor()
    /// The Winograd F(4x4, 3x3) path, taken for 3x3 stride 1 layers with enough input channels to make its GEMMs
    /// worthwhile; other layers use im2col.
    private let winograd: WinogradConvolution?
    /// The direct path for 3x3, stride 1, padding 1 layers over single-channel images.
    private let singleChannel: SingleChannelConvolution?
    public private(set) var lastForwardFLOPs = 0

    /// A convolution with PyTorch's default initialisation drawn from `rng`: weight and bias uniform in
    /// ±1/sqrt(in * k * k).
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                rng: inout RandomGenerator) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        let bound = 1 / Float(inChannels * kernel * kernel).squareRoot()
        weight = Parameter(Initialisation.uniform([outChannels, inChannels, kernel, kernel], bound: bound, rng: &rng))
        bias = Parameter(Initialisation.uniform([outChannels], bound: bound, rng: &rng))
        winograd = kernel == 3 && stride == 1 && inChannels >= WinogradConvolution.minimumInChannels
            ? WinogradConvolution(inChannels: inChannels, outChannels: outChannels, padding: padding) : nil
        singleChannel = inChannels == 1 && kernel == 3 && stride == 1 && padding == 1
            ? SingleChannelConvolution(outChannels: outChannels) : nil
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
    /// per-channel affine map is folded into the weights and bias (w·s, b·s + t). No backward may follow.
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
        let batch = input.shape[0]
        let shape = geometry(for: input)
        let pixels = shape.outputPixels
        output.resize([batch, outChannels, shape.outputHeight, shape.outputWidth])
        lastForwardFLOPs = 2 * batch * pixels * outChannels * shape.columnRows
        defer {
            stats.flops += lastForwardFLOPs
            stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        }
        if let winograd {
            winograd.forward(input: input, weight: weight, bias: bias, output: output)
            return output
        }
        if let singleChannel {
            singleChannel.forward(input: input, weight: weight, bias: bias, output: output)
            return output
        }
        let perChunk = ChunkLayout.imagesPerChunk(batch: batch, pixels: pixels)
        columns.resize([shape.columnRows, perChunk * pixels])
        chunk.resize([outChannels, perChunk * pixels])
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let width = count * pixels
            fillColumns(shape, first: first, count: count)
            if count == 1 {
                // A single image's output block is already [out, pixels]: start from the bias, GEMM into place.
                let image = output.pointer + first * outChannels * pixels
                for channel in 0..<outChannels {
                    (image + channel * pixels).update(repeating: bias[channel], count: pixels)
                }
                gemm(transposeA: false, transposeB: false, m: outChannels, n: width, k: shape.columnRows,
                     a: weight.pointer, lda: shape.columnRows, b: columns.pointer, ldb: width,
                     beta: 1, c: image, ldc: width)
            } else {
                gemm(transposeA: false, transposeB: false, m: outChannels, n: width, k: shape.columnRows,
                     a: weight.pointer, lda: shape.columnRows, b: columns.pointer, ldb: width,
                     beta: 0, c: chunk.pointer, ldc: width)
                ChunkLayout.scatter(chunk.pointer, first: first, count: count, channels: outChannels, pixels: pixels,
                                    bias: bias.pointer, into: output.pointer)
            }
            first += count
        }
        return output
    }

    /// Unfolds images `first..<first + count` of the input side by side into `columns`.
    private func fillColumns(_ shape: ConvolutionGeometry, first: Int, count: Int) {
        let source = input!.pointer
        let rowStride = count * shape.outputPixels
        let imageSize = inChannels * shape.inputPixels
        let target = columns.pointer
        Parallel.forEach(count * inChannels) { index in
            let (image, channel) = index.quotientAndRemainder(dividingBy: inChannels)
            shape.imageToColumns(source + (first + image) * imageSize, channel: channel,
                                 columns: target + image * shape.outputPixels, rowStride: rowStride)
        }
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let started = monotonicNanoseconds()
        let input = input!
        let batch = input.shape[0]
        let shape = geometry(for: input)
        let pixels = shape.outputPixels
        let perChunk = ChunkLayout.imagesPerChunk(batch: batch, pixels: pixels)
        if needsInputGradient {
            inputGradient.resize(input.shape)
            inputGradient.fill(0)
        } else {
            inputGradient.resize([0])
        }
        let biasGradient = bias.gradient.pointer
        defer {
            stats.flops += (needsInputGradient ? 2 : 1) * 2 * batch * pixels * outChannels * shape.columnRows
            stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        }
        if let winograd {
            for image in 0..<batch {
                let block = outputGradient.pointer + image * outChannels * pixels
                for channel in 0..<outChannels {
                    biasGradient[channel] += VectorMath.sum(block + channel * pixels, count: pixels)
                }
            }
            winograd.backward(input: input, weight: weight.value, outputGradient: outputGradient,
                              weightGradient: weight.gradient, inputGradient: needsInputGradient ? inputGradient : nil)
            return inputGradient
        }
        if let singleChannel {
            singleChannel.backward(input: input, weight: weight.value, outputGradient: outputGradient, weightGradient: weight.gradient,
                                   biasGradient: bias.gradient, inputGradient: needsInputGradient ? inputGradient : nil)
            return inputGradient
        }
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let width = count * pixels
            // A single image's gradient block is already in the [out, pixels] layout the GEMMs take.
            let gradientBlock: UnsafeMutablePointer<Float>
            if count == 1 {
                gradientBlock = outputGradient.pointer + first * outChannels * pixels
            } else {
                ChunkLayout.gather(outputGradient.pointer, first: first, count: count, channels: outChannels,
                                   pixels: pixels, into: chunk.pointer)
                gradientBlock = chunk.pointer
            }
            for channel in 0..<outChannels {
                biasGradient[channel] += VectorMath.sum(gradientBlock + channel * width, count: width)
            }
            fillColumns(shape, first: first, count: count)
            gemm(transposeA: false, transposeB: true, m: outChannels, n: shape.columnRows, k: width,
                 a: gradientBlock, lda: width, b: columns.pointer, ldb: width,
                 beta: 1, c: weight.gradient.pointer, ldc: shape.columnRows)
            if needsInputGradient {
                gemm(transposeA: true, transposeB: false, m: shape.columnRows, n: width, k: outChannels,
                     a: weight.value.pointer, lda: shape.columnRows, b: gradientBlock, ldb: width,
                     beta: 0, c: columns.pointer, ldc: width)
                let gradients = inputGradient.pointer
                let cols = columns.pointer
                let imageSize = inChannels * shape.inputPixels
                Parallel.forEach(count * inChannels) { index in
                    let (image, channel) = index.quotientAndRemainder(dividingBy: self.inChannels)
                    shape.addColumnsToImage(cols + image * pixels, rowStride: width, channel: channel,
                                            image: gradients + (first + image) * imageSize)
                }
            }
            first += count
        }
        return inputGradient
    }
}
