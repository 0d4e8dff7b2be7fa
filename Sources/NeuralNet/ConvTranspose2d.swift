/// Transposed 2-D convolution over NCHW batches (PyTorch `nn.ConvTranspose2d` with square kernel, stride and
/// padding): one GEMM per chunk of images, then col2im. Weight `[in, out, k, k]`, bias `[out]`.
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
    private let columns = Tensor()
    private let chunk = Tensor()
    private var input: Tensor?
    /// The minimal-filtering path for the 4x4, stride 2, padding 1 upsampling layers with enough channels; other
    /// layers use GEMM + col2im.
    private let upsampling: WinogradUpsampling?
    /// The direct path for the upsampling layers with one output channel.
    private let singleOutput: SingleOutputTransposedConvolution?
    public private(set) var lastForwardFLOPs = 0

    /// A transposed convolution with PyTorch's default initialisation drawn from `rng`: PyTorch takes the fan-in of
    /// the `[in, out, k, k]` weight from its second dimension, so the bound is ±1/sqrt(out * k * k).
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                rng: inout RandomGenerator) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        let bound = 1 / Float(outChannels * kernel * kernel).squareRoot()
        weight = Parameter(Initialisation.uniform([inChannels, outChannels, kernel, kernel], bound: bound, rng: &rng))
        bias = Parameter(Initialisation.uniform([outChannels], bound: bound, rng: &rng))
        let upsamples = kernel == 4 && stride == 2 && padding == 1
        upsampling = upsamples && min(inChannels, outChannels) >= WinogradUpsampling.minimumChannels
            ? WinogradUpsampling(inChannels: inChannels, outChannels: outChannels) : nil
        singleOutput = upsamples && outChannels == 1 ? SingleOutputTransposedConvolution(inChannels: inChannels) : nil
    }

    public var description: String {
        "ConvTranspose2d(\(inChannels)→\(outChannels), \(kernel)x\(kernel), stride \(stride), pad \(padding))"
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    /// The geometry of the convolution this layer transposes: it maps the output back to the input's size.
    private func geometry(for input: Tensor) -> ConvolutionGeometry {
        ConvolutionGeometry(channels: outChannels,
                            height: (input.shape[2] - 1) * stride - 2 * padding + kernel,
                            width: (input.shape[3] - 1) * stride - 2 * padding + kernel,
                            kernel: kernel, stride: stride, padding: padding)
    }

    private var kernelRows: Int { outChannels * kernel * kernel }

    /// Whether `input` is a batch of 1x1 images and there is no padding (the inversion model's first layer, which
    /// lifts prediction vectors to 4x4 maps): the layer is then one matrix product in the NCHW layout, with no
    /// column matrix to fold.
    private func liftsVectors(_ input: Tensor) -> Bool {
        input.shape[2] == 1 && input.shape[3] == 1 && padding == 0
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard input.shape.count == 4, input.shape[1] == inChannels,
              (input.shape[2] - 1) * stride + kernel > 2 * padding else {
            throw ShapeError(layer: description, expected: "[N, \(inChannels), H, W]", actual: input.shape)
        }
        let started = monotonicNanoseconds()
        self.input = input
        let batch = input.shape[0]
        let shape = geometry(for: input)
        let pixels = shape.outputPixels
        let perChunk = ChunkLayout.imagesPerChunk(batch: batch, pixels: pixels)
        output.resize([batch, outChannels, shape.height, shape.width])
        lastForwardFLOPs = 2 * batch * pixels * inChannels * kernelRows
        defer {
            stats.flops += lastForwardFLOPs
            stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        }
        if let upsampling {
            upsampling.forward(input: input, weight: weight.value, bias: bias.value, output: output)
            return output
        }
        if let singleOutput {
            singleOutput.forward(input: input, weight: weight.value, bias: bias.value[0], output: output)
            return output
        }
        if liftsVectors(input) {
            // Each image's output [out, k, k] is its input row times the weight viewed as [in, out · k · k].
            let planeSize = kernel * kernel
            for image in 0..<batch {
                for channel in 0..<outChannels {
                    (output.pointer + (image * outChannels + channel) * planeSize)
                        .update(repeating: bias.value[channel], count: planeSize)
                }
            }
            gemm(transposeA: false, transposeB: false, m: batch, n: kernelRows, k: inChannels,
                 a: input.pointer, lda: inChannels, b: weight.value.pointer, ldb: kernelRows,
                 beta: 1, c: output.pointer, ldc: kernelRows)
            return output
        }
        columns.resize([kernelRows, perChunk * pixels])
        chunk.resize([inChannels, perChunk * pixels])
        let outputImage = outChannels * shape.inputPixels
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let width = count * pixels
            ChunkLayout.gather(input.pointer, first: first, count: count, channels: inChannels, pixels: pixels,
                               into: chunk.pointer)
            gemm(transposeA: true, transposeB: false, m: kernelRows, n: width, k: inChannels,
                 a: weight.value.pointer, lda: kernelRows, b: chunk.pointer, ldb: width,
                 beta: 0, c: columns.pointer, ldc: width)
            let destination = output.pointer
            let cols = columns.pointer
            let biases = bias.value.pointer
            Parallel.forEach(count * outChannels) { index in
                // Images vary fastest, so neighbouring iterations read neighbouring columns of the same rows.
                let (channel, image) = index.quotientAndRemainder(dividingBy: count)
                let imageStart = destination + (first + image) * outputImage
                (imageStart + channel * shape.inputPixels).update(repeating: biases[channel], count: shape.inputPixels)
                shape.addColumnsToImage(cols + image * pixels, rowStride: width, channel: channel, image: imageStart)
            }
            first += count
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let started = monotonicNanoseconds()
        let input = input!
        let batch = input.shape[0]
        let shape = geometry(for: input)
        let pixels = shape.outputPixels
        let perChunk = ChunkLayout.imagesPerChunk(batch: batch, pixels: pixels)
        inputGradient.resize(needsInputGradient ? input.shape : [0])
        let outputImage = outChannels * shape.inputPixels
        let biasGradient = bias.gradient.pointer
        for channel in 0..<outChannels {
            var sum: Float = 0
            for image in 0..<batch {
                sum += VectorMath.sum(outputGradient.pointer + image * outputImage + channel * shape.inputPixels,
                                      count: shape.inputPixels)
            }
            biasGradient[channel] += sum
        }
        defer {
            stats.flops += (needsInputGradient ? 2 : 1) * 2 * batch * pixels * inChannels * kernelRows
            stats.seconds += Double(monotonicNanoseconds() - started) * 1e-9
        }
        if let upsampling {
            upsampling.backward(input: input, weight: weight.value, outputGradient: outputGradient,
                                weightGradient: weight.gradient, inputGradient: needsInputGradient ? inputGradient : nil)
            return inputGradient
        }
        if let singleOutput {
            singleOutput.backward(input: input, weight: weight.value, outputGradient: outputGradient,
                                  weightGradient: weight.gradient, inputGradient: needsInputGradient ? inputGradient : nil)
            return inputGradient
        }
        if liftsVectors(input) {
            gemm(transposeA: true, transposeB: false, m: inChannels, n: kernelRows, k: batch,
                 a: input.pointer, lda: inChannels, b: outputGradient.pointer, ldb: kernelRows,
                 beta: 1, c: weight.gradient.pointer, ldc: kernelRows)
            if needsInputGradient {
                gemm(transposeA: false, transposeB: true, m: batch, n: inChannels, k: kernelRows,
                     a: outputGradient.pointer, lda: kernelRows, b: weight.value.pointer, ldb: kernelRows,
                     beta: 0, c: inputGradient.pointer, ldc: inChannels)
            }
            return inputGradient
        }
        columns.resize([kernelRows, perChunk * pixels])
        chunk.resize([inChannels, perChunk * pixels])
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let width = count * pixels
            let cols = columns.pointer
            let gradients = outputGradient.pointer
            Parallel.forEach(count * outChannels) { index in
                let (channel, image) = index.quotientAndRemainder(dividingBy: count)
                shape.imageToColumns(gradients + (first + image) * outputImage, channel: channel,
                                     columns: cols + image * pixels, rowStride: width)
            }
            ChunkLayout.gather(input.pointer, first: first, count: count, channels: inChannels, pixels: pixels,
                               into: chunk.pointer)
            gemm(transposeA: false, transposeB: true, m: inChannels, n: kernelRows, k: width,
                 a: chunk.pointer, lda: width, b: columns.pointer, ldb: width,
                 beta: 1, c: weight.gradient.pointer, ldc: kernelRows)
            if needsInputGradient {
                gemm(transposeA: false, transposeB: false, m: inChannels, n: width, k: kernelRows,
                     a: weight.value.pointer, lda: kernelRows, b: columns.pointer, ldb: width,
                     beta: 0, c: chunk.pointer, ldc: width)
                ChunkLayout.scatter(chunk.pointer, first: first, count: count, channels: inChannels, pixels: pixels,
                                    bias: nil, into: inputGradient.pointer)
            }
            first += count
        }
        return inputGradient
    }
}
