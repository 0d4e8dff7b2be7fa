/// The backward pass of the F(4x4, 2x2) upsampling: the forward's transforms run adjoint, dM = A dY Aᵀ,
/// dU = dM Vᵀ, dV = Uᵀ dM, dd = B dV Bᵀ, dg = Gᵀ dU G, for each of the four output phases, eight tiles per vector.
extension WinogradUpsampling {
    /// Adds the weight and bias gradients into `weightGradient` and `biasGradient` and, when asked, writes the input
    /// gradient. `input` is the forward's input.
    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, parameterGradients: ParameterGradients?,
                  inputGradient: Tensor?) {
        let shape = Tiling(height: input.shape[2], width: input.shape[3])
        let batch = input.shape[0]
        let weightGradients = transformedWeightGradients
        if let parameterGradients {
            addBiasGradient(outputGradient, images: batch, channels: outChannels,
                            pixels: shape.outputHeight * shape.outputWidth, into: parameterGradients.bias)
            weightGradients.resize([100, outChannels, inChannels])
            weightGradients.fill(0)
        }
        // Only the input gradient reads the transformed weights.
        if inputGradient != nil { transformWeights(weight) }
        inputGradient?.fill(0)
        let perChunk = prepareBuffers(batch: batch, shape: shape)
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let columns = Self.paddedColumns(count * shape.tilesPerImage)
            if parameterGradients != nil { transformInput(input, first: first, count: count, shape: shape, columns: columns) }
            transformOutputGradient(outputGradient, first: first, count: count, shape: shape, columns: columns)
            TransformLoops.multiplyPointGradients(100, weights: transformedWeights.pointer, tiles: tiles.pointer,
                                                  productGradients: products.pointer,
                                                  weightGradients: parameterGradients.map { _ in weightGradients.pointer },
                                                  outChannels: outChannels, inChannels: inChannels, columns: columns,
                                                  inputGradient: inputGradient != nil)
            if let inputGradient {
                addTileGradients(into: inputGradient, first: first, count: count, shape: shape, columns: columns)
            }
            first += count
        }
        if let parameterGradients { addFilterGradients(weightGradients, into: parameterGradients.weight) }
    }

    /// A (the adjoint of Aᵀ) applied to four points.
    @inline(__always)
    private static func outputAdjoint(_ y0: Lanes, _ y1: Lanes, _ y2: Lanes, _ y3: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes, Lanes) {
        let (even, odd) = (y0 + y2, y1 + y3)
        return (y0, even + odd, even - odd, y0 + 0.5 * y1 + 0.25 * y2 + 0.125 * y3, y3)
    }

    /// B (the adjoint of Bᵀ) applied to five points.
    @inline(__always)
    private static func inputAdjoint(_ v0: Lanes, _ v1: Lanes, _ v2: Lanes, _ v3: Lanes, _ v4: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes, Lanes) {
        (v0, v3 + v4 - 2 * v0 - v1 - v2, v1 + 3 * v2 - v0 - 2 * v4, 2 * (v0 + v1 - v2) - v3 - v4, 2 * v4)
    }

    /// dM = A dY Aᵀ of every phase of every tile, eight tiles (one output channel's) per pass: phase (a, b)'s 4x4
    /// block is dY at rows 8T + 2k + a, columns 8U + 2l + b, zero beyond the image.
    private func transformOutputGradient(_ outputGradient: Tensor, first: Int, count: Int, shape: Tiling, columns: Int) {
        let tileCount = count * shape.tilesPerImage
        let groups = columns / 8
        let source = outputGradient.pointer
        let destination = products.pointer
        let outChannels = outChannels
        // Scratch: the eight tiles' 8x8 blocks by phase, then a phase's block transformed along its rows.
        Self.forEachGroup(channels: outChannels, groups: groups, scratchVectors: 64 + 20) { channel, group, scratch in
            let blocks = UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: Float.self)
            let rows = scratch + 64
            for lane in 0..<8 {
                let tile = group * 8 + lane
                guard tile < tileCount else {
                    for value in 0..<64 { blocks[value * 8 + lane] = 0 }
                    continue
                }
                let (image, tileRow, tileColumn) = shape.locate(tile)
                let plane = source + ((first + image) * outChannels + channel) * shape.outputHeight * shape.outputWidth
                for phase in 0..<4 {
                    let (a, b) = (phase >> 1, phase & 1)
                    for k in 0..<4 {
                        let row = 8 * tileRow + 2 * k + a
                        for l in 0..<4 {
                            let column = 8 * tileColumn + 2 * l + b
                            let inside = row < shape.outputHeight && column < shape.outputWidth
                            blocks[(phase * 16 + k * 4 + l) * 8 + lane] =
                                inside ? plane[row * shape.outputWidth + column] : 0
                        }
                    }
                }
            }
            let base = destination + channel * columns + group * 8
            let pointStride = outChannels * columns
            for phase in 0..<4 {
                let y = scratch + phase * 16
                // A across each of the four rows: rows[k * 5 + column point] …
                for k in 0..<4 {
                    let t = Self.outputAdjoint(y[k * 4], y[k * 4 + 1], y[k * 4 + 2], y[k * 4 + 3])
                    (rows[k * 5], rows[k * 5 + 1], rows[k * 5 + 2], rows[k * 5 + 3], rows[k * 5 + 4]) = t
                }
                // … then down each of the five columns.
                for k in 0..<5 {
                    let m = Self.outputAdjoint(rows[k], rows[5 + k], rows[10 + k], rows[15 + k])
                    let point = base + (phase * 25 + k) * pointStride
                    WinogradTransforms.store(m.0, point)
                    WinogradTransforms.store(m.1, point + 5 * pointStride)
                    WinogradTransforms.store(m.2, point + 10 * pointStride)
                    WinogradTransforms.store(m.3, point + 15 * pointStride)
                    WinogradTransforms.store(m.4, point + 20 * pointStride)
                }
            }
        }
    }

    /// dd = B dV Bᵀ of every phase of every tile (dV in `tiles`), summed over the phases into each tile's 6x6
    /// window and added into the input gradient. Neighbouring windows overlap, so each worker takes whole channels.
    private func addTileGradients(into inputGradient: Tensor, first: Int, count: Int, shape: Tiling, columns: Int) {
        let tileCount = count * shape.tilesPerImage
        let groups = columns / 8
        let source = tiles.pointer
        let destination = inputGradient.pointer
        let inChannels = inChannels
        Parallel.forRanges(inChannels, grain: 1) { channels in
            // Per worker: the eight tiles' 6x6 window gradients, then a phase's points transformed down their columns.
            let scratch = UnsafeMutablePointer<Lanes>.allocate(capacity: 36 + 25)
            defer { scratch.deallocate() }
            let windows = UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: Float.self)
            let columnsDone = scratch + 36
            for channel in channels {
                for group in 0..<groups {
                    let base = source + channel * columns + group * 8
                    let pointStride = inChannels * columns
                    scratch.update(repeating: Lanes(), count: 36)
                    for phase in 0..<4 {
                        let (a, b) = (phase >> 1, phase & 1)
                        @inline(__always) func v(_ j: Int, _ k: Int) -> Lanes {
                            WinogradTransforms.load(base + (phase * 25 + j * 5 + k) * pointStride)
                        }
                        // B down each of the five columns: columnsDone[r * 5 + k] …
                        for k in 0..<5 {
                            let d = Self.inputAdjoint(v(0, k), v(1, k), v(2, k), v(3, k), v(4, k))
                            (columnsDone[k], columnsDone[5 + k], columnsDone[10 + k], columnsDone[15 + k],
                             columnsDone[20 + k]) = d
                        }
                        // … then across each row, into the phase's 5x5 sub-window at (a, b).
                        for r in 0..<5 {
                            let row = columnsDone + r * 5
                            let d = Self.inputAdjoint(row[0], row[1], row[2], row[3], row[4])
                            let window = scratch + (a + r) * 6 + b
                            window[0] += d.0
                            window[1] += d.1
                            window[2] += d.2
                            window[3] += d.3
                            window[4] += d.4
                        }
                    }
                    for lane in 0..<min(8, tileCount - group * 8) {
                        let (image, tileRow, tileColumn) = shape.locate(group * 8 + lane)
                        let plane = destination + ((first + image) * inChannels + channel) * shape.height * shape.width
                        for r in 0..<6 {
                            let row = 4 * tileRow - 1 + r
                            guard row >= 0, row < shape.height else { continue }
                            for c in 0..<6 {
                                let column = 4 * tileColumn - 1 + c
                                guard column >= 0, column < shape.width else { continue }
                                plane[row * shape.width + column] += windows[(r * 6 + c) * 8 + lane]
                            }
                        }
                    }
                }
            }
        }
    }

    /// dg = Gᵀ dU G of every phase, added to the weight gradient at the taps the phase's kernel took.
    private func addFilterGradients(_ transformed: Tensor, into weightGradient: Tensor) {
        let filters = outChannels * inChannels
        let destination = weightGradient.pointer
        let (inChannels, outChannels) = (inChannels, outChannels)
        @inline(__always) func project(_ u: (Float, Float, Float, Float, Float)) -> (Float, Float) {
            (u.0 + u.1 * 0.5 + u.2 * (1 / 6) + u.3 * (8 / 3), u.1 * 0.5 - u.2 * (1 / 6) + u.3 * (4 / 3) + u.4 * 0.5)
        }
        TransformLoops.gatherFilters(filters, points: 100, from: transformed.pointer) { filter, staging, stride in
            let (output, input) = filter.quotientAndRemainder(dividingBy: inChannels)
            let kernel = destination + (input * outChannels + output) * 16
            for phase in 0..<4 {
                let (a, b) = (phase >> 1, phase & 1)
                @inline(__always) func row(_ j: Int) -> (Float, Float) {
                    let u = staging + (phase * 25 + j * 5) * stride
                    return project((u[0], u[stride], u[2 * stride], u[3 * stride], u[4 * stride]))
                }
                // Gᵀ across each of the five rows, then down the two columns.
                let rows = (row(0), row(1), row(2), row(3), row(4))
                let left = project((rows.0.0, rows.1.0, rows.2.0, rows.3.0, rows.4.0))
                let right = project((rows.0.1, rows.1.1, rows.2.1, rows.3.1, rows.4.1))
                // dg[t][u] belongs to tap w[3 - a - 2t][3 - b - 2u].
                kernel[(3 - a) * 4 + 3 - b] += left.0
                kernel[(1 - a) * 4 + 3 - b] += left.1
                kernel[(3 - a) * 4 + 1 - b] += right.0
                kernel[(1 - a) * 4 + 1 - b] += right.1
            }
        }
    }
}
