/// The 4x4, stride 2, padding 1 transposed convolution (the inversion model's upsampling layers) by Winograd's
/// F(4x4, 2x2) on each output phase.
///
/// Output phase (a, b) = (row, column) parity is a 2x2 correlation of the input:
/// y[2i+a][2j+b] = Σ_{t,u} x[i+a-1+t][j+b-1+u] · w[3-a-2t][3-b-2u]. A tile is the 6x6 input window at rows and
/// columns 4T-1 ... 4T+4; phase (a, b) reads its 5x5 sub-window at (a, b) and gives a 4x4 block of the phase's
/// outputs as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, with interpolation points 0, 1, -1, 1/2 and ∞:
/// Bᵀ = [[1,-2,-1,2,0], [0,-1,1,2,0], [0,-1,3,-2,0], [0,1,0,-1,0], [0,1,-2,-1,2]],
/// G = [[1,0], [1/2,1/2], [1/6,-1/6], [8/3,4/3], [0,1/2]],
/// Aᵀ = [[1,1,1,1,0], [0,1,-1,1/2,0], [0,1,1,1/4,0], [0,1,-1,1/8,1]].
/// The four phases' blocks fill an 8x8 output block with 100 multiplications per channel pair where direct
/// computation takes 256 (F(2x2, 2x2) took 144 for the same block), as 100 GEMMs of [out, in] x [in, tiles].
///
/// The backward pass runs these transforms adjoint (see `WinogradUpsampling+Backward.swift`).
///
/// Point p = phase * 25 + j * 5 + k, phase = 2a + b. Buffers: U `[100, out, in]`, V `[100, in, columns]`,
/// M `[100, out, columns]` (dU, dV and dM in the backward pass), where a chunk's tiles are padded to whole groups of
/// eight (one per vector lane).
final class WinogradUpsampling: ConvolutionEngine {
    typealias Lanes = SIMD8<Float>
    /// Whether the transforms cost less than the multiplications they save. Fewer than 16 input channels never
    /// pay. Below 64 output channels the GEMMs are too thin: on an Intel Xeon with AVX-512 the phase-split
    /// GEMM + col2im engine ran the 64→32 layers 20-25% faster forward and backward (8x8 and 16x16 inputs,
    /// batch 128), and tied at 128→64 and 256→128.
    static func pays(inChannels: Int, outChannels: Int) -> Bool { inChannels >= 16 && outChannels >= 64 }

    let inChannels: Int
    let outChannels: Int
    let transformedWeights = Tensor()
    /// dU, the transformed weights' gradient, in the backward pass.
    let transformedWeightGradients = Tensor()
    let tiles = Tensor()
    let products = Tensor()

    init(inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
    }

    /// One image's tiling: input size and its 6x6 tiles, four input rows and columns apart.
    struct Tiling {
        let height: Int
        let width: Int
        var tilesDown: Int { (height + 3) / 4 }
        var tilesAcross: Int { (width + 3) / 4 }
        var tilesPerImage: Int { tilesDown * tilesAcross }
        var outputHeight: Int { 2 * height }
        var outputWidth: Int { 2 * width }

        /// The image of a chunk's tile, and the tile's row and column in it.
        func locate(_ tile: Int) -> (image: Int, row: Int, column: Int) {
            let (image, position) = tile.quotientAndRemainder(dividingBy: tilesPerImage)
            let (row, column) = position.quotientAndRemainder(dividingBy: tilesAcross)
            return (image, row, column)
        }
    }

    /// Runs `body(channel, group, scratch)` for each of `groups` groups of eight tiles of each of `channels`
    /// channels, spread over the workers, each with its own scratch of `scratchVectors` vectors.
    static func forEachGroup(channels: Int, groups: Int, scratchVectors: Int,
                             _ body: (_ channel: Int, _ group: Int, _ scratch: UnsafeMutablePointer<Lanes>) -> Void) {
        Parallel.forRanges(channels * groups, grain: 1) { range in
            let scratch = UnsafeMutablePointer<Lanes>.allocate(capacity: scratchVectors)
            defer { scratch.deallocate() }
            for index in range {
                let (channel, group) = index.quotientAndRemainder(dividingBy: groups)
                body(channel, group, scratch)
            }
        }
    }

    /// output = convTranspose(input, weight) + bias; `output` already has shape [N, out, 2H, 2W].
    func forward(input: Tensor, weight: Tensor, bias: Tensor, output: Tensor) {
        let shape = Tiling(height: input.shape[2], width: input.shape[3])
        let batch = input.shape[0]
        transformWeights(weight)
        let perChunk = prepareBuffers(batch: batch, shape: shape)
        var first = 0
        while first < batch {
            let count = min(perChunk, batch - first)
            let columns = Self.paddedColumns(count * shape.tilesPerImage)
            transformInput(input, first: first, count: count, shape: shape, columns: columns)
            TransformLoops.multiplyPoints(100, weights: transformedWeights.pointer, tiles: tiles.pointer,
                                          products: products.pointer, outChannels: outChannels, inChannels: inChannels,
                                          columns: columns)
            transformOutput(output, bias: bias, first: first, count: count, shape: shape, columns: columns)
            first += count
        }
    }

    /// Sizes `tiles` and `products` for chunks of about 512 tiles, which keeps the transformed tiles within a few
    /// megabytes at these channel counts, and returns the images a chunk takes.
    func prepareBuffers(batch: Int, shape: Tiling) -> Int {
        let perChunk = max(1, min(batch, 512 / shape.tilesPerImage))
        let rowLength = Self.paddedColumns(perChunk * shape.tilesPerImage)
        tiles.resize([100 * inChannels * rowLength])
        products.resize([100 * outChannels * rowLength])
        return perChunk
    }

    /// A chunk's tiles rounded up to whole groups of eight: the length of its rows in `tiles` and `products`.
    static func paddedColumns(_ tiles: Int) -> Int { (tiles + 7) & ~7 }

    /// U = G g Gᵀ of every phase's 2x2 kernel g[t][u] = w[in][out][3-a-2t][3-b-2u]: U[point][out][in].
    func transformWeights(_ weight: Tensor) {
        let filters = outChannels * inChannels
        transformedWeights.resize([100, outChannels, inChannels])
        let source = weight.pointer
        let destination = transformedWeights.pointer
        let (inChannels, outChannels) = (inChannels, outChannels)
        @inline(__always) func interpolate(_ g0: Float, _ g1: Float) -> (Float, Float, Float, Float, Float) {
            // Multiplications by reciprocals: divisions here took as long as the layer's GEMMs.
            (g0, (g0 + g1) * 0.5, (g0 - g1) * (1 / 6), (2 * g0 + g1) * (4 / 3), g1 * 0.5)
        }
        TransformLoops.transformFilters(filters, points: 100, into: destination) { filter, staging, stride in
            let (output, input) = filter.quotientAndRemainder(dividingBy: inChannels)
            let kernel = source + (input * outChannels + output) * 16
            for phase in 0..<4 {
                let (a, b) = (phase >> 1, phase & 1)
                @inline(__always) func g(_ t: Int, _ u: Int) -> Float { kernel[(3 - a - 2 * t) * 4 + 3 - b - 2 * u] }
                // G down the columns, then across each of the five rows.
                let left = interpolate(g(0, 0), g(1, 0))
                let right = interpolate(g(0, 1), g(1, 1))
                let base = staging + phase * 25 * stride
                @inline(__always) func store(_ j: Int, _ g0: Float, _ g1: Float) {
                    let row = base + j * 5 * stride
                    (row[0], row[stride], row[2 * stride], row[3 * stride], row[4 * stride]) = interpolate(g0, g1)
                }
                store(0, left.0, right.0)
                store(1, left.1, right.1)
                store(2, left.2, right.2)
                store(3, left.3, right.3)
                store(4, left.4, right.4)
            }
        }
    }

    /// Bᵀ applied to five points.
    @inline(__always)
    static func inputTransform(_ d0: Lanes, _ d1: Lanes, _ d2: Lanes, _ d3: Lanes, _ d4: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes, Lanes) {
        (d0 - 2 * d1 - d2 + 2 * d3, d2 - d1 + 2 * d3, 3 * d2 - d1 - 2 * d3, d1 - d3, d1 - 2 * d2 - d3 + 2 * d4)
    }

    /// Aᵀ applied to five points.
    @inline(__always)
    private static func outputTransform(_ m0: Lanes, _ m1: Lanes, _ m2: Lanes, _ m3: Lanes, _ m4: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes) {
        let (sum, difference) = (m1 + m2, m1 - m2)
        return (m0 + sum + m3, difference + 0.5 * m3, sum + 0.25 * m3, difference + 0.125 * m3 + m4)
    }

    /// V = Bᵀ d B of every phase of every tile of images `first..<first + count`, eight tiles (one channel's) per
    /// pass: V[point][in][tile].
    func transformInput(_ input: Tensor, first: Int, count: Int, shape: Tiling, columns: Int) {
        let tileCount = count * shape.tilesPerImage
        let groups = columns / 8
        let source = input.pointer
        let destination = tiles.pointer
        let inChannels = inChannels
        // Scratch: the gathered 6x6 windows, then the windows transformed along their rows.
        Self.forEachGroup(channels: inChannels, groups: groups, scratchVectors: 36 + 60) { channel, group, scratch in
            let windows = UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: Float.self)
            let rows = scratch + 36
            for lane in 0..<8 {
                let tile = group * 8 + lane
                guard tile < tileCount else {
                    for point in 0..<36 { windows[point * 8 + lane] = 0 }
                    continue
                }
                let (image, tileRow, tileColumn) = shape.locate(tile)
                let plane = source + ((first + image) * inChannels + channel) * shape.height * shape.width
                for r in 0..<6 {
                    let row = 4 * tileRow - 1 + r
                    for c in 0..<6 {
                        let column = 4 * tileColumn - 1 + c
                        let inside = row >= 0 && row < shape.height && column >= 0 && column < shape.width
                        windows[(r * 6 + c) * 8 + lane] = inside ? plane[row * shape.width + column] : 0
                    }
                }
            }
            // Bᵀ along each window row, for both column phases: rows[r * 10 + b * 5 + k].
            for r in 0..<6 {
                let d = scratch + r * 6
                for b in 0..<2 {
                    let v = Self.inputTransform(d[b], d[b + 1], d[b + 2], d[b + 3], d[b + 4])
                    let target = rows + r * 10 + b * 5
                    (target[0], target[1], target[2], target[3], target[4]) = v
                }
            }
            // … then down each column, for both row phases.
            let base = destination + channel * columns + group * 8
            let pointStride = inChannels * columns
            for column in 0..<10 {
                let (b, k) = column.quotientAndRemainder(dividingBy: 5)
                for a in 0..<2 {
                    let d = rows + a * 10 + column
                    let v = Self.inputTransform(d[0], d[10], d[20], d[30], d[40])
                    let point = base + ((2 * a + b) * 25 + k) * pointStride
                    WinogradTransforms.store(v.0, point)
                    WinogradTransforms.store(v.1, point + 5 * pointStride)
                    WinogradTransforms.store(v.2, point + 10 * pointStride)
                    WinogradTransforms.store(v.3, point + 15 * pointStride)
                    WinogradTransforms.store(v.4, point + 20 * pointStride)
                }
            }
        }
    }

    /// Y = Aᵀ M A + bias of every phase of every tile, eight tiles (one output channel's) per pass, interleaved
    /// into images `first..<first + count` of `output`: phase (a, b) output (k, l) lands at row 8T + 2k + a,
    /// column 8U + 2l + b.
    private func transformOutput(_ output: Tensor, bias: Tensor, first: Int, count: Int, shape: Tiling, columns: Int) {
        let tileCount = count * shape.tilesPerImage
        let groups = columns / 8
        let source = products.pointer
        let destination = output.pointer
        let outChannels = outChannels
        let biases = bias.pointer
        // Scratch: a phase's points transformed along their rows, then the 64 outputs of the eight tiles.
        Self.forEachGroup(channels: outChannels, groups: groups, scratchVectors: 20 + 64) { channel, group, scratch in
            let rows = scratch
            let blocks = scratch + 20
            let values = UnsafeMutableRawPointer(blocks).assumingMemoryBound(to: Float.self)
            let base = source + channel * columns + group * 8
            let pointStride = outChannels * columns
            let shift = Lanes(repeating: biases[channel])
            for phase in 0..<4 {
                @inline(__always) func m(_ j: Int, _ k: Int) -> Lanes {
                    WinogradTransforms.load(base + (phase * 25 + j * 5 + k) * pointStride)
                }
                // Aᵀ along each of the five rows …
                for j in 0..<5 {
                    let t = Self.outputTransform(m(j, 0), m(j, 1), m(j, 2), m(j, 3), m(j, 4))
                    (rows[j * 4], rows[j * 4 + 1], rows[j * 4 + 2], rows[j * 4 + 3]) = t
                }
                // … then down each of the four columns: blocks[phase * 16 + k * 4 + l].
                for l in 0..<4 {
                    let y = Self.outputTransform(rows[l], rows[4 + l], rows[8 + l], rows[12 + l], rows[16 + l])
                    let target = blocks + phase * 16 + l
                    (target[0], target[4], target[8], target[12]) = (y.0 + shift, y.1 + shift, y.2 + shift, y.3 + shift)
                }
            }
            for lane in 0..<min(8, tileCount - group * 8) {
                let (image, tileRow, tileColumn) = shape.locate(group * 8 + lane)
                let plane = destination + ((first + image) * outChannels + channel) * shape.outputHeight
                    * shape.outputWidth
                for phase in 0..<4 {
                    let (a, b) = (phase >> 1, phase & 1)
                    for k in 0..<4 {
                        let row = 8 * tileRow + 2 * k + a
                        guard row < shape.outputHeight else { break }
                        for l in 0..<4 {
                            let column = 8 * tileColumn + 2 * l + b
                            guard column < shape.outputWidth else { break }
                            plane[row * shape.outputWidth + column] = values[(phase * 16 + k * 4 + l) * 8 + lane]
                        }
                    }
                }
            }
        }
    }
}
