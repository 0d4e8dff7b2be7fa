/// 3x3, stride 1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, 2016): each 2x2 block of
/// output comes from a 4x4 input tile as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, so a layer becomes 16 GEMMs of
/// [out, in] x [in, tiles] with 2.25 times fewer multiplications than im2col. The backward pass runs the same
/// transforms adjoint: dM = A dY Aᵀ, dU = dM Vᵀ, dV = Uᵀ dM, dd = B dV Bᵀ, dg = Gᵀ dU G.
///
/// Buffers (reused between calls): U `[16, out, in]` transformed weights, V `[16, in, tiles]` transformed input
/// tiles, M `[16, out, tiles]` products (their gradients in backward), dU `[16, out, in]`.
final class WinogradConvolution {
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

    /// The tiling of one image: output size and 2x2 tiles across and down.
    private struct Tiling {
        let height: Int
        let width: Int
        let outputHeight: Int
        let outputWidth: Int
        var tilesDown: Int { (outputHeight + 1) / 2 }
        var tilesAcross: Int { (outputWidth + 1) / 2 }
        var tilesPerImage: Int { tilesDown * tilesAcross }
        /// A zero-padded copy of a plane holds every 4x4 tile without bounds checks.
        var paddedHeight: Int { 2 * tilesDown + 2 }
        var paddedWidth: Int { 2 * tilesAcross + 2 }
    }

    private func tiling(_ input: Tensor) -> Tiling {
        Tiling(height: input.shape[2], width: input.shape[3],
               outputHeight: input.shape[2] + 2 * padding - 2, outputWidth: input.shape[3] + 2 * padding - 2)
    }

    /// Images per chunk, so that a chunk's GEMMs have a few thousand tile columns.
    private func imagesPerChunk(batch: Int, tiling: Tiling) -> Int {
        max(1, min(batch, 4096 / max(tiling.tilesPerImage, 1)))
    }

    // MARK: - Forward

    /// output = conv(input, weight) + bias for a batch; `output` already has its shape.
    func forward(input: Tensor, weight: Tensor, bias: Tensor, output: Tensor) {
        let shape = tiling(input)
        let batch = input.shape[0]
        transformWeights(weight)
        let perChunk = imagesPerChunk(batch: batch, tiling: shape)
        tiles.resize([16, inChannels, perChunk * shape.tilesPerImage])
        products.resize([16, outChannels, perChunk * shape.tilesPerImage])
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let columns = count * shape.tilesPerImage
            transformInput(input, first: first, count: count, shape: shape)
            TransformLoops.multiplyPoints(16, weights: transformedWeights.pointer, tiles: tiles.pointer,
                                          products: products.pointer, outChannels: outChannels, inChannels: inChannels,
                                          columns: columns)
            transformOutput(output, bias: bias, first: first, count: count, shape: shape)
            first += count
        }
    }

    /// U = G g Gᵀ for every (out, in) filter, stored point-major: U[point][out][in].
    private func transformWeights(_ weight: Tensor) {
        let filters = outChannels * inChannels
        transformedWeights.resize([16, outChannels, inChannels])
        let source = weight.pointer
        let destination = transformedWeights.pointer
        Parallel.forRanges(filters, grain: 4096) { range in
            for filter in range {
                let g = source + filter * 9
                // G down the columns: 3 rows (lanes 0-2 used) become 4 …
                let g0 = SIMD4<Float>(g[0], g[1], g[2], 0)
                let g1 = SIMD4<Float>(g[3], g[4], g[5], 0)
                let g2 = SIMD4<Float>(g[6], g[7], g[8], 0)
                let half = SIMD4<Float>(repeating: 0.5)
                @inline(__always) func store(_ row: SIMD4<Float>, _ index: Int) {
                    // … then G across each row.
                    let base = destination + index * 4 * filters + filter
                    base[0] = row[0]
                    base[filters] = (row[0] + row[1] + row[2]) * 0.5
                    base[2 * filters] = (row[0] - row[1] + row[2]) * 0.5
                    base[3 * filters] = row[2]
                }
                store(g0, 0)
                store((g0 + g1 + g2) * half, 1)
                store((g0 - g1 + g2) * half, 2)
                store(g2, 3)
            }
        }
    }

    /// V = Bᵀ d B for every 4x4 tile of images `first..<first + count`: V[point][in][tile].
    private func transformInput(_ input: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = input.pointer
        let destination = tiles.pointer
        let (inChannels, padding) = (inChannels, padding)
        TransformLoops.forEachPlane(images: count, channels: inChannels, scratchSize: shape.paddedHeight * shape.paddedWidth) {
            image, channel, plane in
            let sourcePlane = source + ((first + image) * inChannels + channel) * shape.height * shape.width
            WinogradConvolution.pad(sourcePlane, shape: shape, padding: padding, into: plane)
            let tileBase = destination + channel * columns + image * shape.tilesPerImage
            let pointStride = inChannels * columns
            for tileRow in 0..<shape.tilesDown {
                var tileColumn = 0
                // The padding leaves room for the 10 columns a group of four tiles reads.
                while tileColumn + 4 <= shape.tilesAcross {
                    let d = plane + 2 * tileRow * shape.paddedWidth + 2 * tileColumn
                    let tile = tileBase + tileRow * shape.tilesAcross + tileColumn
                    WinogradConvolution.inputTransformOfFour(d, stride: shape.paddedWidth, into: tile,
                                                             pointStride: pointStride)
                    tileColumn += 4
                }
                while tileColumn < shape.tilesAcross {
                    let d = plane + 2 * tileRow * shape.paddedWidth + 2 * tileColumn
                    let tile = tileBase + tileRow * shape.tilesAcross + tileColumn
                    WinogradConvolution.inputTransform(d, stride: shape.paddedWidth, into: tile, pointStride: pointStride)
                    tileColumn += 1
                }
            }
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

    /// Bᵀ d B of one 4x4 tile (rows `stride` apart), written to 16 points `pointStride` apart.
    @inline(__always)
    private static func inputTransform(_ d: UnsafePointer<Float>, stride: Int, into tile: UnsafeMutablePointer<Float>,
                                       pointStride: Int) {
        let r0 = UnsafeRawPointer(d).loadUnaligned(as: SIMD4<Float>.self)
        let r1 = UnsafeRawPointer(d + stride).loadUnaligned(as: SIMD4<Float>.self)
        let r2 = UnsafeRawPointer(d + 2 * stride).loadUnaligned(as: SIMD4<Float>.self)
        let r3 = UnsafeRawPointer(d + 3 * stride).loadUnaligned(as: SIMD4<Float>.self)
        @inline(__always) func store(_ row: SIMD4<Float>, _ index: Int) {
            // … then Bᵀ across each row.
            let base = tile + index * 4 * pointStride
            base[0] = row[0] - row[2]
            base[pointStride] = row[1] + row[2]
            base[2 * pointStride] = row[2] - row[1]
            base[3 * pointStride] = row[1] - row[3]
        }
        // Bᵀ down the columns …
        store(r0 - r2, 0)
        store(r1 + r2, 1)
        store(r2 - r1, 2)
        store(r1 - r3, 3)
    }

    /// Bᵀ d B of four neighbouring tiles at once, each lane one tile: columns c of the four tiles are the even or
    /// odd lanes of eight-wide loads at the group's start and two to the right.
    @inline(__always)
    private static func inputTransformOfFour(_ d: UnsafePointer<Float>, stride: Int,
                                             into tile: UnsafeMutablePointer<Float>, pointStride: Int) {
        @inline(__always) func columns(_ row: Int) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
            let left = UnsafeRawPointer(d + row * stride).loadUnaligned(as: SIMD8<Float>.self)
            let right = UnsafeRawPointer(d + row * stride + 2).loadUnaligned(as: SIMD8<Float>.self)
            return (left.evenHalf, left.oddHalf, right.evenHalf, right.oddHalf)
        }
        let (r0, r1, r2, r3) = (columns(0), columns(1), columns(2), columns(3))
        @inline(__always) func store(_ value: SIMD4<Float>, _ point: Int) {
            UnsafeMutableRawPointer(tile + point * pointStride).storeBytes(of: value, as: SIMD4<Float>.self)
        }
        @inline(__always) func across(_ row: (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>), _ index: Int) {
            store(row.0 - row.2, index * 4)
            store(row.1 + row.2, index * 4 + 1)
            store(row.2 - row.1, index * 4 + 2)
            store(row.1 - row.3, index * 4 + 3)
        }
        across((r0.0 - r2.0, r0.1 - r2.1, r0.2 - r2.2, r0.3 - r2.3), 0)
        across((r1.0 + r2.0, r1.1 + r2.1, r1.2 + r2.2, r1.3 + r2.3), 1)
        across((r2.0 - r1.0, r2.1 - r1.1, r2.2 - r1.2, r2.3 - r1.3), 2)
        across((r1.0 - r3.0, r1.1 - r3.1, r1.2 - r3.2, r1.3 - r3.3), 3)
    }

    /// Y = Aᵀ M A + bias for every tile, written into images `first..<first + count` of `output`.
    private func transformOutput(_ output: Tensor, bias: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = products.pointer
        let destination = output.pointer
        let outChannels = outChannels
        let biases = bias.pointer
        Parallel.forRanges(count * outChannels, grain: 1) { range in
            for index in range {
                let (image, channel) = index.quotientAndRemainder(dividingBy: outChannels)
                let plane = destination + ((first + image) * outChannels + channel) * shape.outputHeight * shape.outputWidth
                let tileBase = source + channel * columns + image * shape.tilesPerImage
                let pointStride = outChannels * columns
                let shift = biases[channel]
                for tileRow in 0..<shape.tilesDown {
                    var tileColumn = 0
                    // Groups of four tiles whose 2x8 outputs lie wholly inside the image go eight lanes at a time.
                    if 2 * tileRow + 1 < shape.outputHeight {
                        while 2 * tileColumn + 8 <= shape.outputWidth {
                            WinogradConvolution.outputTransformOfFour(
                                tileBase + tileRow * shape.tilesAcross + tileColumn, pointStride: pointStride, bias: shift,
                                into: plane + 2 * tileRow * shape.outputWidth + 2 * tileColumn, stride: shape.outputWidth)
                            tileColumn += 4
                        }
                    }
                    while tileColumn < shape.tilesAcross {
                        defer { tileColumn += 1 }
                        let m = tileBase + tileRow * shape.tilesAcross + tileColumn
                        // Aᵀ down the columns: 4 rows become 2.
                        var top = SIMD4<Float>()
                        var bottom = SIMD4<Float>()
                        for column in 0..<4 {
                            let (a, b, c, d) = (m[column * pointStride], m[(4 + column) * pointStride],
                                                m[(8 + column) * pointStride], m[(12 + column) * pointStride])
                            top[column] = a + b + c
                            bottom[column] = b - c - d
                        }
                        let row = 2 * tileRow
                        let column = 2 * tileColumn
                        let fullWidth = column + 1 < shape.outputWidth
                        plane[row * shape.outputWidth + column] = top[0] + top[1] + top[2] + shift
                        if fullWidth { plane[row * shape.outputWidth + column + 1] = top[1] - top[2] - top[3] + shift }
                        if row + 1 < shape.outputHeight {
                            plane[(row + 1) * shape.outputWidth + column] = bottom[0] + bottom[1] + bottom[2] + shift
                            if fullWidth {
                                plane[(row + 1) * shape.outputWidth + column + 1] = bottom[1] - bottom[2] - bottom[3] + shift
                            }
                        }
                    }
                }
            }
        }
    }

    /// Aᵀ M A + bias of four neighbouring tiles, written as two rows of eight outputs.
    @inline(__always)
    private static func outputTransformOfFour(_ m: UnsafePointer<Float>, pointStride: Int, bias: Float,
                                              into output: UnsafeMutablePointer<Float>, stride: Int) {
        @inline(__always) func point(_ index: Int) -> SIMD4<Float> {
            UnsafeRawPointer(m + index * pointStride).loadUnaligned(as: SIMD4<Float>.self)
        }
        var top = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())
        var bottom = top
        @inline(__always) func down(_ column: Int) -> (SIMD4<Float>, SIMD4<Float>) {
            let (a, b, c, d) = (point(column), point(4 + column), point(8 + column), point(12 + column))
            return (a + b + c, b - c - d)
        }
        (top.0, bottom.0) = down(0)
        (top.1, bottom.1) = down(1)
        (top.2, bottom.2) = down(2)
        (top.3, bottom.3) = down(3)
        let shift = SIMD4<Float>(repeating: bias)
        var upper = SIMD8<Float>()
        upper.evenHalf = top.0 + top.1 + top.2 + shift
        upper.oddHalf = top.1 - top.2 - top.3 + shift
        var lower = SIMD8<Float>()
        lower.evenHalf = bottom.0 + bottom.1 + bottom.2 + shift
        lower.oddHalf = bottom.1 - bottom.2 - bottom.3 + shift
        UnsafeMutableRawPointer(output).storeBytes(of: upper, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(output + stride).storeBytes(of: lower, as: SIMD8<Float>.self)
    }

    // MARK: - Backward

    /// Adds the weight gradient into `weightGradient` and, when asked, writes the input gradient. `input` is the
    /// forward's input; the bias gradient is left to the caller.
    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, weightGradient: Tensor, inputGradient: Tensor?) {
        let shape = tiling(input)
        let batch = input.shape[0]
        transformWeights(weight)
        transformedWeightGradients.resize([16, outChannels, inChannels])
        transformedWeightGradients.fill(0)
        let perChunk = imagesPerChunk(batch: batch, tiling: shape)
        tiles.resize([16, inChannels, perChunk * shape.tilesPerImage])
        products.resize([16, outChannels, perChunk * shape.tilesPerImage])
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let columns = count * shape.tilesPerImage
            transformInput(input, first: first, count: count, shape: shape)
            transformOutputGradient(outputGradient, first: first, count: count, shape: shape)
            let computeInputGradient = inputGradient != nil
            Parallel.forEach(16) { point in
                let productGradient = products.pointer + point * outChannels * columns
                let tile = tiles.pointer + point * inChannels * columns
                serialGemm(transposeA: false, transposeB: true, m: outChannels, n: inChannels, k: columns,
                     a: productGradient, lda: columns, b: tile, ldb: columns,
                     beta: 1, c: transformedWeightGradients.pointer + point * outChannels * inChannels, ldc: inChannels)
                if computeInputGradient {
                    // The tiles of this point are no longer needed: their gradient replaces them.
                    serialGemm(transposeA: true, transposeB: false, m: inChannels, n: columns, k: outChannels,
                         a: transformedWeights.pointer + point * outChannels * inChannels, lda: inChannels,
                         b: productGradient, ldb: columns, beta: 0, c: tile, ldc: columns)
                }
            }
            if let inputGradient { transformTileGradients(into: inputGradient, first: first, count: count, shape: shape) }
            first += count
        }
        addFilterGradients(into: weightGradient)
    }

    /// dM = A dY Aᵀ for every 2x2 output tile (zero beyond the image): the product gradients, in `products`.
    private func transformOutputGradient(_ outputGradient: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = outputGradient.pointer
        let destination = products.pointer
        let outChannels = outChannels
        Parallel.forRanges(count * outChannels, grain: 1) { range in
            for index in range {
                let (image, channel) = index.quotientAndRemainder(dividingBy: outChannels)
                let plane = source + ((first + image) * outChannels + channel) * shape.outputHeight * shape.outputWidth
                let tileBase = destination + channel * columns + image * shape.tilesPerImage
                let pointStride = outChannels * columns
                for tileRow in 0..<shape.tilesDown {
                    var tileColumn = 0
                    if 2 * tileRow + 1 < shape.outputHeight {
                        while 2 * tileColumn + 8 <= shape.outputWidth {
                            WinogradConvolution.outputGradientTransformOfFour(
                                plane + 2 * tileRow * shape.outputWidth + 2 * tileColumn, stride: shape.outputWidth,
                                into: tileBase + tileRow * shape.tilesAcross + tileColumn, pointStride: pointStride)
                            tileColumn += 4
                        }
                    }
                    while tileColumn < shape.tilesAcross {
                        defer { tileColumn += 1 }
                        let (row, column) = (2 * tileRow, 2 * tileColumn)
                        let right = column + 1 < shape.outputWidth
                        let below = row + 1 < shape.outputHeight
                        let y00 = plane[row * shape.outputWidth + column]
                        let y01 = right ? plane[row * shape.outputWidth + column + 1] : 0
                        let y10 = below ? plane[(row + 1) * shape.outputWidth + column] : 0
                        let y11 = right && below ? plane[(row + 1) * shape.outputWidth + column + 1] : 0
                        let tile = tileBase + tileRow * shape.tilesAcross + tileColumn
                        @inline(__always) func store(_ a: Float, _ b: Float, _ index: Int) {
                            let base = tile + index * 4 * pointStride
                            base[0] = a
                            base[pointStride] = a + b
                            base[2 * pointStride] = a - b
                            base[3 * pointStride] = -b
                        }
                        // A down the columns (rows y0, y0 + y1, y0 - y1, -y1), then across each row the same way.
                        store(y00, y01, 0)
                        store(y00 + y10, y01 + y11, 1)
                        store(y00 - y10, y01 - y11, 2)
                        store(-y10, -y11, 3)
                    }
                }
            }
        }
    }

    /// A dY Aᵀ of four neighbouring 2x2 output tiles, each lane one tile.
    @inline(__always)
    private static func outputGradientTransformOfFour(_ y: UnsafePointer<Float>, stride: Int,
                                                      into tile: UnsafeMutablePointer<Float>, pointStride: Int) {
        let upper = UnsafeRawPointer(y).loadUnaligned(as: SIMD8<Float>.self)
        let lower = UnsafeRawPointer(y + stride).loadUnaligned(as: SIMD8<Float>.self)
        let (y00, y01, y10, y11) = (upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf)
        @inline(__always) func store(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ index: Int) {
            let base = tile + index * 4 * pointStride
            UnsafeMutableRawPointer(base).storeBytes(of: a, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(base + pointStride).storeBytes(of: a + b, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(base + 2 * pointStride).storeBytes(of: a - b, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(base + 3 * pointStride).storeBytes(of: -b, as: SIMD4<Float>.self)
        }
        store(y00, y01, 0)
        store(y00 + y10, y01 + y11, 1)
        store(y00 - y10, y01 - y11, 2)
        store(-y10, -y11, 3)
    }

    /// dd = B dV Bᵀ for every tile (dV in `tiles`), added into the input gradient of images `first..<first + count`.
    private func transformTileGradients(into inputGradient: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = tiles.pointer
        let destination = inputGradient.pointer
        let (inChannels, padding) = (inChannels, padding)
        TransformLoops.forEachPlane(images: count, channels: inChannels, scratchSize: shape.paddedHeight * shape.paddedWidth) {
            image, channel, plane in
            plane.update(repeating: 0, count: shape.paddedHeight * shape.paddedWidth)
            let tileBase = source + channel * columns + image * shape.tilesPerImage
            let pointStride = inChannels * columns
            for tileRow in 0..<shape.tilesDown {
                for tileColumn in 0..<shape.tilesAcross {
                    let v = tileBase + tileRow * shape.tilesAcross + tileColumn
                    // B across each row: (v0, v1 - v2 + v3, -v0 + v1 + v2, -v3) …
                    @inline(__always) func row(_ index: Int) -> SIMD4<Float> {
                        let base = v + index * 4 * pointStride
                        let (a, b, c, d) = (base[0], base[pointStride], base[2 * pointStride], base[3 * pointStride])
                        return SIMD4(a, b - c + d, -a + b + c, -d)
                    }
                    let (v0, v1, v2, v3) = (row(0), row(1), row(2), row(3))
                    // … then down the columns, added into the padded plane.
                    let target = plane + 2 * tileRow * shape.paddedWidth + 2 * tileColumn
                    @inline(__always) func add(_ values: SIMD4<Float>, _ index: Int) {
                        let pointer = UnsafeMutableRawPointer(target + index * shape.paddedWidth)
                        pointer.storeBytes(of: pointer.loadUnaligned(as: SIMD4<Float>.self) + values, as: SIMD4<Float>.self)
                    }
                    add(v0, 0)
                    add(v1 - v2 + v3, 1)
                    add(-v0 + v1 + v2, 2)
                    add(-v3, 3)
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

    /// dg = Gᵀ dU G for every filter, added into the `[out, in, 3, 3]` weight gradient.
    private func addFilterGradients(into weightGradient: Tensor) {
        let filters = outChannels * inChannels
        let source = transformedWeightGradients.pointer
        let destination = weightGradient.pointer
        Parallel.forRanges(filters, grain: 4096) { range in
            for filter in range {
                // Gᵀ across each row: (w0 + (w1 + w2) / 2, (w1 - w2) / 2, (w1 + w2) / 2 + w3) …
                @inline(__always) func row(_ index: Int) -> SIMD4<Float> {
                    let base = source + index * 4 * filters + filter
                    let (a, b, c, d) = (base[0], base[filters], base[2 * filters], base[3 * filters])
                    return SIMD4(a + (b + c) * 0.5, (b - c) * 0.5, (b + c) * 0.5 + d, 0)
                }
                let (w0, w1, w2, w3) = (row(0), row(1), row(2), row(3))
                let half = SIMD4<Float>(repeating: 0.5)
                // … then down the columns.
                let g = destination + filter * 9
                @inline(__always) func add(_ values: SIMD4<Float>, _ offset: Int) {
                    g[offset] += values[0]
                    g[offset + 1] += values[1]
                    g[offset + 2] += values[2]
                }
                add(w0 + (w1 + w2) * half, 0)
                add((w1 - w2) * half, 3)
                add((w1 + w2) * half + w3, 6)
            }
        }
    }
}
