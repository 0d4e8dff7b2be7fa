/// The backward pass of the minimal-filtering transposed convolution: the forward's transforms run adjoint,
/// dM = A dY Aᵀ, dU = dM Vᵀ, dV = Uᵀ dM, dd = B dV Bᵀ, dg = Gᵀ dU G, for each of the four output phases. The
/// transforms work on eight tiles at once, one per vector lane, through per-plane rows of gathered values.
extension WinogradTransposedConvolution {
    private typealias Lanes = WinogradTransforms.Lanes

    /// Adds the weight gradient into `weightGradient` and, when asked, writes the input gradient. `input` is the
    /// forward's input; the bias gradient is left to the caller.
    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, weightGradient: Tensor, inputGradient: Tensor?) {
        let shape = Tiling(height: input.shape[2], width: input.shape[3])
        let batch = input.shape[0]
        transformWeights(weight)
        let weightGradients = transformedWeightGradients
        weightGradients.resize([36, outChannels, inChannels])
        weightGradients.fill(0)
        let perChunk = imagesPerChunk(batch: batch, tiling: shape)
        prepareBuffers(perChunk: perChunk, shape: shape)
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let columns = count * shape.tilesPerImage
            transformInput(input, first: first, count: count, shape: shape)
            transformOutputGradient(outputGradient, first: first, count: count, shape: shape)
            TransformLoops.multiplyPointGradients(36, weights: transformedWeights.pointer, tiles: tiles.pointer,
                                                  productGradients: products.pointer,
                                                  weightGradients: weightGradients.pointer,
                                                  outChannels: outChannels, inChannels: inChannels, columns: columns,
                                                  inputGradient: inputGradient != nil)
            if let inputGradient { transformTileGradients(into: inputGradient, first: first, count: count, shape: shape) }
            first += count
        }
        addFilterGradients(weightGradients, into: weightGradient)
    }

    /// dM = A dY Aᵀ of every phase and tile, A = [[1,0],[1,1],[0,1]]: a tile's 4x4 output block holds the 2x2 of
    /// each phase (phase (a, b) at rows a, a + 2 and columns b, b + 2), zero beyond the image.
    private func transformOutputGradient(_ outputGradient: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = outputGradient.pointer
        let destination = products.pointer
        let outChannels = outChannels
        let lanes = shape.lanes
        TransformLoops.forEachPlane(images: count, channels: outChannels, scratchSize: shape.backwardScratchSize) {
            image, channel, scratch in
            let blocks = scratch
            let transformed = scratch + shape.stagingOffset
            let plane = source + ((first + image) * outChannels + channel) * shape.outputHeight * shape.outputWidth
            TransformLoops.gatherBlocks(plane, height: shape.outputHeight, width: shape.outputWidth,
                                        blocksDown: shape.tilesDown, blocksAcross: shape.tilesAcross,
                                        into: blocks, lanes: lanes)
            for group in stride(from: 0, to: shape.tilesPerImage, by: 8) {
                for phase in 0..<4 {
                    let (a, b) = (phase >> 1, phase & 1)
                    @inline(__always) func y(_ di: Int, _ dj: Int) -> Lanes {
                        WinogradTransforms.load(blocks + ((2 * di + a) * 4 + 2 * dj + b) * lanes + group)
                    }
                    // A down the columns (rows y0, y0 + y1, y1), then across each row the same way.
                    let (top, bottom) = ((y(0, 0), y(0, 1)), (y(1, 0), y(1, 1)))
                    let rows = (top, (top.0 + bottom.0, top.1 + bottom.1), bottom)
                    let target = transformed + phase * 9 * lanes + group
                    @inline(__always) func across(_ row: (Lanes, Lanes), _ index: Int) {
                        WinogradTransforms.store(row.0, target + (index * 3) * lanes)
                        WinogradTransforms.store(row.0 + row.1, target + (index * 3 + 1) * lanes)
                        WinogradTransforms.store(row.1, target + (index * 3 + 2) * lanes)
                    }
                    across(rows.0, 0)
                    across(rows.1, 1)
                    across(rows.2, 2)
                }
            }
            TransformLoops.copyPoints(transformed, stagingStride: lanes, count: shape.tilesPerImage,
                                      into: destination + channel * columns + image * shape.tilesPerImage,
                                      pointStride: outChannels * columns)
        }
    }

    /// dd = B dV Bᵀ of every phase and tile (dV in `tiles`), B = [[1,0,0],[-1,1,-1],[0,0,1]], summed into the
    /// 3x3 windows the forward read, then copied out of the padding into the input gradient.
    private func transformTileGradients(into inputGradient: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = tiles.pointer
        let destination = inputGradient.pointer
        let inChannels = inChannels
        let lanes = shape.lanes
        TransformLoops.forEachPlane(images: count, channels: inChannels, scratchSize: shape.backwardScratchSize) {
            image, channel, scratch in
            let plane = scratch
            let transformed = scratch + shape.stagingOffset
            let tileBase = source + channel * columns + image * shape.tilesPerImage
            let pointStride = inChannels * columns
            for group in stride(from: 0, to: shape.tilesPerImage, by: 8) {
                for phase in 0..<4 {
                    let points = tileBase + phase * 9 * pointStride + group
                    @inline(__always) func v(_ row: Int, _ column: Int) -> Lanes {
                        WinogradTransforms.load(points + (row * 3 + column) * pointStride)
                    }
                    // B across each row: (v0, -v0 + v1 - v2, v2) …
                    @inline(__always) func across(_ row: Int) -> (Lanes, Lanes, Lanes) {
                        let (v0, v1, v2) = (v(row, 0), v(row, 1), v(row, 2))
                        return (v0, v1 - v0 - v2, v2)
                    }
                    let (r0, r1, r2) = (across(0), across(1), across(2))
                    // … then down the columns the same way.
                    let target = transformed + phase * 9 * lanes + group
                    @inline(__always) func down(_ top: Lanes, _ middle: Lanes, _ bottom: Lanes, _ column: Int) {
                        WinogradTransforms.store(top, target + column * lanes)
                        WinogradTransforms.store(middle - top - bottom, target + (3 + column) * lanes)
                        WinogradTransforms.store(bottom, target + (6 + column) * lanes)
                    }
                    down(r0.0, r1.0, r2.0, 0)
                    down(r0.1, r1.1, r2.1, 1)
                    down(r0.2, r1.2, r2.2, 2)
                }
            }
            plane.update(repeating: 0, count: shape.paddedHeight * shape.paddedWidth)
            for tileRow in 0..<shape.tilesDown {
                for tileColumn in 0..<shape.tilesAcross {
                    let corner = plane + 2 * tileRow * shape.paddedWidth + 2 * tileColumn
                    let tile = transformed + tileRow * shape.tilesAcross + tileColumn
                    for phase in 0..<4 {
                        let window = corner + (phase >> 1) * shape.paddedWidth + (phase & 1)
                        for row in 0..<3 {
                            for column in 0..<3 {
                                window[row * shape.paddedWidth + column] += tile[(phase * 9 + row * 3 + column) * lanes]
                            }
                        }
                    }
                }
            }
            let imagePlane = destination + ((first + image) * inChannels + channel) * shape.height * shape.width
            for row in 0..<shape.height {
                (imagePlane + row * shape.width).update(from: plane + (row + 1) * shape.paddedWidth + 1, count: shape.width)
            }
        }
    }

    /// dg = Gᵀ dU G of every phase and filter, Gᵀ = [[1,1,0],[0,1,1]], added into the `[in, out, 4, 4]` weight
    /// gradient where the forward took each phase's 2x2 kernel: g[t][u] = w[3 - a - 2t][3 - b - 2u].
    private func addFilterGradients(_ transformed: Tensor, into weightGradient: Tensor) {
        let filters = outChannels * inChannels
        let source = transformed.pointer
        let destination = weightGradient.pointer
        let (inChannels, outChannels) = (inChannels, outChannels)
        Parallel.forRanges(filters, grain: 2048) { range in
            for filter in range {
                let (output, input) = filter.quotientAndRemainder(dividingBy: inChannels)
                let kernel = destination + (input * outChannels + output) * 16
                for phase in 0..<4 {
                    let (a, b) = (phase >> 1, phase & 1)
                    let base = source + phase * 9 * filters + filter
                    @inline(__always) func u(_ row: Int, _ column: Int) -> Float { base[(row * 3 + column) * filters] }
                    // Gᵀ across each row (u0 + u1, u1 + u2), then down the columns the same way.
                    let rows = ((u(0, 0) + u(0, 1), u(0, 1) + u(0, 2)), (u(1, 0) + u(1, 1), u(1, 1) + u(1, 2)),
                                (u(2, 0) + u(2, 1), u(2, 1) + u(2, 2)))
                    kernel[(3 - a) * 4 + 3 - b] += rows.0.0 + rows.1.0
                    kernel[(3 - a) * 4 + 1 - b] += rows.0.1 + rows.1.1
                    kernel[(1 - a) * 4 + 3 - b] += rows.1.0 + rows.2.0
                    kernel[(1 - a) * 4 + 1 - b] += rows.1.1 + rows.2.1
                }
            }
        }
    }
}
