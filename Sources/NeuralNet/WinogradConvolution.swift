/// 3x3, stride 1 convolution by Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray, 2016): each 4x4 block of
/// output comes from a 6x6 input tile as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, so a layer becomes 36 GEMMs of
/// [out, in] x [in, tiles] with 4 times fewer multiplications than im2col. The backward pass runs the same
/// transforms adjoint: dM = A dY Aᵀ, dU = dM Vᵀ, dV = Uᵀ dM, dd = B dV Bᵀ, dg = Gᵀ dU G.
///
/// The transforms work on eight tiles at once, one per vector lane: a plane's tiles are first gathered into one
/// row per tile position, so every transform step is a vector operation (see `WinogradTransforms`).
///
/// Buffers (reused between calls): U `[36, out, in]` transformed weights, V `[36, in, tiles]` transformed input
/// tiles, M `[36, out, tiles]` products (their gradients in backward), dU `[36, out, in]`.
final class WinogradConvolution: ConvolutionEngine {
    /// Below this many input channels the GEMMs are too thin for the transforms to pay off.
    static let minimumInChannels = 2
    let inChannels: Int
    let outChannels: Int
    let padding: Int

    private let transformedWeights = Tensor()
    private let transformedWeightGradients = Tensor()
    private let tiles = Tensor()
    private let products = Tensor()

    init(inChannels: Int, outChannels: Int, padding: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.padding = padding
    }

    /// The tiling of one image: output size and 4x4 tiles across and down.
    private struct Tiling {
        let height: Int
        let width: Int
        let outputHeight: Int
        let outputWidth: Int
        var tilesDown: Int { (outputHeight + 3) / 4 }
        var tilesAcross: Int { (outputWidth + 3) / 4 }
        var tilesPerImage: Int { tilesDown * tilesAcross }
        /// A plane's tiles rounded up to whole groups of eight lanes: the length of each row of gathered tiles.
        var lanes: Int { (tilesPerImage + 7) & ~7 }
        /// A zero-padded copy of a plane holds every 6x6 tile without bounds checks.
        var paddedHeight: Int { 4 * tilesDown + 2 }
        var paddedWidth: Int { 4 * tilesAcross + 2 }
        /// Per-worker scratch: the padded plane, gathered tiles and transformed tiles (36 rows each) and the
        /// transforms' own 36 vectors.
        var scratchSize: Int { paddedHeight * paddedWidth + 72 * lanes + WinogradTransforms.scratchSize }
    }

    private func tiling(_ input: Tensor) -> Tiling {
        Tiling(height: input.shape[2], width: input.shape[3],
               outputHeight: input.shape[2] + 2 * padding - 2, outputWidth: input.shape[3] + 2 * padding - 2)
    }

    /// Images per chunk, so that a chunk's GEMMs have a couple of thousand tile columns.
    private func imagesPerChunk(batch: Int, tiling: Tiling) -> Int {
        max(1, min(batch, 2048 / max(tiling.tilesPerImage, 1)))
    }

    /// Sizes `tiles` and `products` for chunks of `perChunk` images; the transforms read whole groups of eight
    /// tiles, so both end with a group's worth of slack.
    private func prepareBuffers(perChunk: Int, shape: Tiling) {
        let columns = perChunk * shape.tilesPerImage
        tiles.resize([36 * inChannels * columns + 8])
        products.resize([36 * outChannels * columns + 8])
    }

    // MARK: - Forward

    /// output = conv(input, weight) + bias for a batch; `output` already has its shape.
    func forward(input: Tensor, weight: Tensor, bias: Tensor, output: Tensor) {
        let shape = tiling(input)
        let batch = input.shape[0]
        transformWeights(weight)
        let perChunk = imagesPerChunk(batch: batch, tiling: shape)
        prepareBuffers(perChunk: perChunk, shape: shape)
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let columns = count * shape.tilesPerImage
            transformInput(input, first: first, count: count, shape: shape)
            TransformLoops.multiplyPoints(36, weights: transformedWeights.pointer, tiles: tiles.pointer,
                                          products: products.pointer, outChannels: outChannels, inChannels: inChannels,
                                          columns: columns)
            transformOutput(output, bias: bias, first: first, count: count, shape: shape)
            first += count
        }
    }

    /// U = G g Gᵀ for every (out, in) filter, stored point-major: U[point][out][in], eight filters at a time.
    private func transformWeights(_ weight: Tensor) {
        let filters = outChannels * inChannels
        transformedWeights.resize([36, outChannels, inChannels])
        let source = weight.pointer
        let destination = transformedWeights.pointer
        WinogradTransforms.forEachFilterGroup(filters) { first, lanes, scratch in
            let taps = scratch
            let points = scratch + 9 * 8
            for lane in 0..<8 {
                for tap in 0..<9 { taps[tap * 8 + lane] = lane < lanes ? source[(first + lane) * 9 + tap] : 0 }
            }
            WinogradTransforms.weight(taps, pointStride: 8, into: points, pointStride: 8, scratch: points + 36 * 8)
            TransformLoops.copyPoints(points, stagingStride: 8, count: lanes, into: destination + first, pointStride: filters)
        }
    }

    /// V = Bᵀ d B for every 6x6 tile of images `first..<first + count`: V[point][in][tile].
    private func transformInput(_ input: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = input.pointer
        let destination = tiles.pointer
        let (inChannels, padding) = (inChannels, padding)
        TransformLoops.forEachPlane(images: count, channels: inChannels, scratchSize: shape.scratchSize) {
            image, channel, scratch in
            let plane = scratch
            let gathered = plane + shape.paddedHeight * shape.paddedWidth
            let transformed = gathered + 36 * shape.lanes
            let sourcePlane = source + ((first + image) * inChannels + channel) * shape.height * shape.width
            WinogradConvolution.pad(sourcePlane, shape: shape, padding: padding, into: plane)
            for tileRow in 0..<shape.tilesDown {
                for tileColumn in 0..<shape.tilesAcross {
                    let corner = plane + 4 * tileRow * shape.paddedWidth + 4 * tileColumn
                    let tile = gathered + tileRow * shape.tilesAcross + tileColumn
                    for row in 0..<6 {
                        for column in 0..<6 {
                            tile[(row * 6 + column) * shape.lanes] = corner[row * shape.paddedWidth + column]
                        }
                    }
                }
            }
            for group in stride(from: 0, to: shape.tilesPerImage, by: 8) {
                WinogradTransforms.input(gathered + group, pointStride: shape.lanes, into: transformed + group,
                                         pointStride: shape.lanes, scratch: transformed + 36 * shape.lanes)
            }
            TransformLoops.copyPoints(transformed, stagingStride: shape.lanes, count: shape.tilesPerImage,
                                      into: destination + channel * columns + image * shape.tilesPerImage,
                                      pointStride: inChannels * columns)
        }
    }

    /// Copies a plane into the middle of a zeroed padded plane.
    @inline(__always)
    private static func pad(_ source: UnsafePointer<Float>, shape: Tiling, padding: Int, into plane: UnsafeMutablePointer<Float>) {
        plane.update(repeating: 0, count: shape.paddedHeight * shape.paddedWidth)
        let rows = min(shape.height, shape.paddedHeight - padding)
        let columns = min(shape.width, shape.paddedWidth - padding)
        for row in 0..<rows {
            (plane + (row + padding) * shape.paddedWidth + padding).update(from: source + row * shape.width, count: columns)
        }
    }

    /// Y = Aᵀ M A + bias for every tile, written into images `first..<first + count` of `output`.
    private func transformOutput(_ output: Tensor, bias: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = products.pointer
        let destination = output.pointer
        let outChannels = outChannels
        let biases = bias.pointer
        TransformLoops.forEachPlane(images: count, channels: outChannels, scratchSize: shape.scratchSize) {
            image, channel, scratch in
            let blocks = scratch
            let plane = destination + ((first + image) * outChannels + channel) * shape.outputHeight * shape.outputWidth
            let tileBase = source + channel * columns + image * shape.tilesPerImage
            for group in stride(from: 0, to: shape.tilesPerImage, by: 8) {
                WinogradTransforms.output(tileBase + group, pointStride: outChannels * columns, into: blocks + group,
                                          pointStride: shape.lanes, scratch: blocks + 16 * shape.lanes)
            }
            let shift = biases[channel]
            for tileRow in 0..<shape.tilesDown {
                let rows = min(4, shape.outputHeight - 4 * tileRow)
                for tileColumn in 0..<shape.tilesAcross {
                    let width = min(4, shape.outputWidth - 4 * tileColumn)
                    let block = blocks + tileRow * shape.tilesAcross + tileColumn
                    let corner = plane + 4 * tileRow * shape.outputWidth + 4 * tileColumn
                    for row in 0..<rows {
                        for column in 0..<width {
                            corner[row * shape.outputWidth + column] = block[(row * 4 + column) * shape.lanes] + shift
                        }
                    }
                }
            }
        }
    }

    // MARK: - Backward

    /// Adds the weight and bias gradients into `weightGradient` and `biasGradient` and, when asked, writes the input
    /// gradient. `input` is the forward's input.
    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, parameterGradients: ParameterGradients?,
                  inputGradient: Tensor?) {
        let shape = tiling(input)
        let batch = input.shape[0]
        if let parameterGradients {
            addBiasGradient(outputGradient, images: batch, channels: outChannels,
                            pixels: shape.outputHeight * shape.outputWidth, into: parameterGradients.bias)
            transformedWeightGradients.resize([36, outChannels, inChannels])
            transformedWeightGradients.fill(0)
        }
        // Only the input gradient reads the transformed weights.
        if inputGradient != nil { transformWeights(weight) }
        let perChunk = imagesPerChunk(batch: batch, tiling: shape)
        prepareBuffers(perChunk: perChunk, shape: shape)
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let columns = count * shape.tilesPerImage
            if parameterGradients != nil { transformInput(input, first: first, count: count, shape: shape) }
            transformOutputGradient(outputGradient, first: first, count: count, shape: shape)
            TransformLoops.multiplyPointGradients(36, weights: transformedWeights.pointer, tiles: tiles.pointer,
                                                  productGradients: products.pointer,
                                                  weightGradients: parameterGradients.map { _ in transformedWeightGradients.pointer },
                                                  outChannels: outChannels, inChannels: inChannels, columns: columns,
                                                  inputGradient: inputGradient != nil)
            if let inputGradient { transformTileGradients(into: inputGradient, first: first, count: count, shape: shape) }
            first += count
        }
        if let parameterGradients { addFilterGradients(into: parameterGradients.weight) }
    }

    /// dM = A dY Aᵀ for every 4x4 output tile (zero beyond the image): the product gradients, in `products`.
    private func transformOutputGradient(_ outputGradient: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = outputGradient.pointer
        let destination = products.pointer
        let outChannels = outChannels
        TransformLoops.forEachPlane(images: count, channels: outChannels, scratchSize: shape.scratchSize) {
            image, channel, scratch in
            let blocks = scratch
            let transformed = blocks + 16 * shape.lanes
            let plane = source + ((first + image) * outChannels + channel) * shape.outputHeight * shape.outputWidth
            TransformLoops.gatherBlocks(plane, height: shape.outputHeight, width: shape.outputWidth,
                                        blocksDown: shape.tilesDown, blocksAcross: shape.tilesAcross,
                                        into: blocks, lanes: shape.lanes)
            for group in stride(from: 0, to: shape.tilesPerImage, by: 8) {
                WinogradTransforms.outputAdjoint(blocks + group, pointStride: shape.lanes, into: transformed + group,
                                                 pointStride: shape.lanes, scratch: transformed + 36 * shape.lanes)
            }
            TransformLoops.copyPoints(transformed, stagingStride: shape.lanes, count: shape.tilesPerImage,
                                      into: destination + channel * columns + image * shape.tilesPerImage,
                                      pointStride: outChannels * columns)
        }
    }

    /// dd = B dV Bᵀ for every tile (dV in `tiles`), summed over overlapping tiles into the input gradient of images
    /// `first..<first + count`.
    private func transformTileGradients(into inputGradient: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = tiles.pointer
        let destination = inputGradient.pointer
        let (inChannels, padding) = (inChannels, padding)
        TransformLoops.forEachPlane(images: count, channels: inChannels, scratchSize: shape.scratchSize) {
            image, channel, scratch in
            let plane = scratch
            let transformed = plane + shape.paddedHeight * shape.paddedWidth
            let tileBase = source + channel * columns + image * shape.tilesPerImage
            for group in stride(from: 0, to: shape.tilesPerImage, by: 8) {
                WinogradTransforms.inputAdjoint(tileBase + group, pointStride: inChannels * columns,
                                                into: transformed + group, pointStride: shape.lanes,
                                                scratch: transformed + 36 * shape.lanes)
            }
            plane.update(repeating: 0, count: shape.paddedHeight * shape.paddedWidth)
            for tileRow in 0..<shape.tilesDown {
                for tileColumn in 0..<shape.tilesAcross {
                    let corner = plane + 4 * tileRow * shape.paddedWidth + 4 * tileColumn
                    let tile = transformed + tileRow * shape.tilesAcross + tileColumn
                    for row in 0..<6 {
                        for column in 0..<6 {
                            corner[row * shape.paddedWidth + column] += tile[(row * 6 + column) * shape.lanes]
                        }
                    }
                }
            }
            let imagePlane = destination + ((first + image) * inChannels + channel) * shape.height * shape.width
            let rows = min(shape.height, shape.paddedHeight - padding)
            let columnsCopied = min(shape.width, shape.paddedWidth - padding)
            for row in 0..<rows {
                (imagePlane + row * shape.width)
                    .update(from: plane + (row + padding) * shape.paddedWidth + padding, count: columnsCopied)
            }
        }
    }

    /// dg = Gᵀ dU G for every filter, added into the `[out, in, 3, 3]` weight gradient, eight filters at a time.
    private func addFilterGradients(into weightGradient: Tensor) {
        let filters = outChannels * inChannels
        let source = transformedWeightGradients.pointer
        let destination = weightGradient.pointer
        WinogradTransforms.forEachFilterGroup(filters) { first, lanes, scratch in
            let points = scratch
            let taps = scratch + 36 * 8
            for point in 0..<36 {
                let row = points + point * 8
                row.update(repeating: 0, count: 8)
                row.update(from: source + point * filters + first, count: lanes)
            }
            WinogradTransforms.weightAdjoint(points, pointStride: 8, into: taps, pointStride: 8, scratch: taps + 9 * 8)
            for lane in 0..<lanes {
                for tap in 0..<9 { destination[(first + lane) * 9 + tap] += taps[tap * 8 + lane] }
            }
        }
    }
}
