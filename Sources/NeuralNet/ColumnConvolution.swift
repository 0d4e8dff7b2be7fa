/// A `Conv2d` computed as im2col + one GEMM per chunk of images: the path for every kernel, stride and padding the
/// direct and Winograd engines do not take, and (with `splitsPhases` off) the plain reference the tests compare
/// them with. Buffers, reused between calls: the column matrix `[in · k · k, images · pixels]` and a chunk's outputs
/// `[out, images · pixels]`.
final class ColumnConvolution: ConvolutionEngine {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    /// Whether im2col and col2im may take the phase-split path (3x3 or 4x4, stride 2, padding 1, even planes); off in
    /// the reference, so that the shortcut is checked against the direct gather.
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

    /// The geometry of a pass over `input`.
    func geometry(for input: Tensor) -> ConvolutionGeometry {
        ConvolutionGeometry(channels: inChannels, height: input.shape[2], width: input.shape[3],
                            kernel: kernel, stride: stride, padding: padding, mayUsePhases: splitsPhases)
    }

    func forward(input: Tensor, weight: Tensor, bias: Tensor, output: Tensor) {
        let batch = input.shape[0]
        let shape = geometry(for: input)
        let pixels = shape.outputPixels
        let perChunk = ChunkLayout.imagesPerChunk(batch: batch, pixels: pixels)
        columns.resize([shape.columnRows, perChunk * pixels])
        chunk.resize([outChannels, perChunk * pixels])
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let width = count * pixels
            fillColumns(input, shape, first: first, count: count)
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
    }

    /// Unfolds images `first..<first + count` of `input` side by side into `columns`.
    private func fillColumns(_ input: Tensor, _ shape: ConvolutionGeometry, first: Int, count: Int) {
        let source = input.pointer
        let rowStride = count * shape.outputPixels
        let imageSize = inChannels * shape.inputPixels
        let (target, inChannels) = (columns.pointer, inChannels)
        Parallel.forEach(count * inChannels) { index in
            let (image, channel) = index.quotientAndRemainder(dividingBy: inChannels)
            shape.imageToColumns(source + (first + image) * imageSize, channel: channel,
                                 columns: target + image * shape.outputPixels, rowStride: rowStride)
        }
    }

    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, parameterGradients: ParameterGradients?,
                  inputGradient: Tensor?) {
        let batch = input.shape[0]
        let shape = geometry(for: input)
        let pixels = shape.outputPixels
        let perChunk = ChunkLayout.imagesPerChunk(batch: batch, pixels: pixels)
        columns.resize([shape.columnRows, perChunk * pixels])
        chunk.resize([outChannels, perChunk * pixels])
        // col2im adds into the image.
        inputGradient?.fill(0)
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
            if let parameterGradients {
                for channel in 0..<outChannels {
                    parameterGradients.bias[channel] += VectorMath.sum(gradientBlock + channel * width, count: width)
                }
                fillColumns(input, shape, first: first, count: count)
                gemm(transposeA: false, transposeB: true, m: outChannels, n: shape.columnRows, k: width,
                     a: gradientBlock, lda: width, b: columns.pointer, ldb: width,
                     beta: 1, c: parameterGradients.weight.pointer, ldc: shape.columnRows)
            }
            if let inputGradient {
                gemm(transposeA: true, transposeB: false, m: shape.columnRows, n: width, k: outChannels,
                     a: weight.pointer, lda: shape.columnRows, b: gradientBlock, ldb: width,
                     beta: 0, c: columns.pointer, ldc: width)
                let (gradients, cols) = (inputGradient.pointer, columns.pointer)
                let imageSize = inChannels * shape.inputPixels
                let inChannels = inChannels
                Parallel.forEach(count * inChannels) { index in
                    let (image, channel) = index.quotientAndRemainder(dividingBy: inChannels)
                    shape.addColumnsToImage(cols + image * pixels, rowStride: width, channel: channel,
                                            image: gradients + (first + image) * imageSize)
                }
            }
            first += count
        }
    }
}
