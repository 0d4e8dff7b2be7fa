/// A `ConvTranspose2d` computed as one GEMM per chunk of images, then col2im: the path for every kernel, stride and
/// padding the Winograd, direct and vector-lift engines do not take, and (with `splitsPhases` off) the plain reference
/// the tests compare them with. It runs the convolution it transposes backwards: its geometry maps the output back to
/// the input's size. Buffers, reused between calls: the column matrix `[out · k · k, images · pixels]` and a chunk's
/// inputs `[in, images · pixels]`.
final class ColumnTransposedConvolution: ConvolutionEngine {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    /// Whether col2im and im2col may take the phase-split path (the 4x4, stride 2, padding 1 upsampling layers);
    /// off in the reference, so that the shortcut is checked against the direct gather.
    let splitsPhases: Bool

    private let columns = Tensor()
    private let chunk = Tensor()

    init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, splitsPhases: Bool) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.splitsPhases = splitsPhases
    }

    /// The geometry of the convolution this layer transposes, whose input is this layer's output.
    func geometry(for input: Tensor) -> ConvolutionGeometry {
        ConvolutionGeometry(channels: outChannels,
                            height: (input.shape[2] - 1) * stride - 2 * padding + kernel,
                            width: (input.shape[3] - 1) * stride - 2 * padding + kernel,
                            kernel: kernel, stride: stride, padding: padding, mayUsePhases: splitsPhases)
    }

    private var kernelRows: Int { outChannels * kernel * kernel }

    func forward(input: Tensor, weight: Tensor, bias: Tensor, output: Tensor) {
        let batch = input.shape[0]
        let shape = geometry(for: input)
        let pixels = shape.outputPixels
        let perChunk = ChunkLayout.imagesPerChunk(batch: batch, pixels: pixels)
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
                 a: weight.pointer, lda: kernelRows, b: chunk.pointer, ldb: width,
                 beta: 0, c: columns.pointer, ldc: width)
            let (destination, cols, biases) = (output.pointer, columns.pointer, bias.pointer)
            Parallel.forEach(count * outChannels) { index in
                // Images vary fastest, so neighbouring iterations read neighbouring columns of the same rows.
                let (channel, image) = index.quotientAndRemainder(dividingBy: count)
                let imageStart = destination + (first + image) * outputImage
                (imageStart + channel * shape.inputPixels).update(repeating: biases[channel], count: shape.inputPixels)
                shape.addColumnsToImage(cols + image * pixels, rowStride: width, channel: channel, image: imageStart)
            }
            first += count
        }
    }

    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, parameterGradients: ParameterGradients?,
                  inputGradient: Tensor?) {
        let batch = input.shape[0]
        let shape = geometry(for: input)
        let pixels = shape.outputPixels
        let perChunk = ChunkLayout.imagesPerChunk(batch: batch, pixels: pixels)
        let outputImage = outChannels * shape.inputPixels
        if let parameterGradients {
            addBiasGradient(outputGradient, images: batch, channels: outChannels, pixels: shape.inputPixels,
                            into: parameterGradients.bias)
        }
        columns.resize([kernelRows, perChunk * pixels])
        chunk.resize([inChannels, perChunk * pixels])
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let width = count * pixels
            let (cols, gradients) = (columns.pointer, outputGradient.pointer)
            Parallel.forEach(count * outChannels) { index in
                let (channel, image) = index.quotientAndRemainder(dividingBy: count)
                shape.imageToColumns(gradients + (first + image) * outputImage, channel: channel,
                                     columns: cols + image * pixels, rowStride: width)
            }
            if let parameterGradients {
                ChunkLayout.gather(input.pointer, first: first, count: count, channels: inChannels, pixels: pixels,
                                   into: chunk.pointer)
                gemm(transposeA: false, transposeB: true, m: inChannels, n: kernelRows, k: width,
                     a: chunk.pointer, lda: width, b: columns.pointer, ldb: width,
                     beta: 1, c: parameterGradients.weight.pointer, ldc: kernelRows)
            }
            if let inputGradient {
                gemm(transposeA: false, transposeB: false, m: inChannels, n: width, k: kernelRows,
                     a: weight.pointer, lda: kernelRows, b: columns.pointer, ldb: width,
                     beta: 0, c: chunk.pointer, ldc: width)
                ChunkLayout.scatter(chunk.pointer, first: first, count: count, channels: inChannels, pixels: pixels,
                                    bias: nil, into: inputGradient.pointer)
            }
            first += count
        }
    }
}
