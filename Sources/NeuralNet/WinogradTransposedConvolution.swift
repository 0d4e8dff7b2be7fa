/// The backward pass of the 4x4, stride 2, padding 1 transposed convolution (the inversion model's upsampling
/// layers) by minimal filtering, for layers with many channels (the forward pass is `WinogradUpsamplingForward`'s).
///
/// Each output phase (a, b) = (row, column) parity is a 2x2 correlation of the input:
/// y[2i+a][2j+b] = Σ_{t,u} x[i+a-1+t][j+b-1+u] · w[3-a-2t][3-b-2u]. Each phase runs Winograd's F(2x2, 2x2):
/// a 2x2 block of a phase's outputs comes from a 3x3 input tile as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, with
/// Bᵀ = [[1,-1,0],[0,1,0],[0,-1,1]], G = [[1,0],[1,1],[0,1]], Aᵀ = [[1,1,0],[0,1,1]]: 36 GEMMs of
/// [out, in] x [in, tiles] with 9 multiplications where direct computation takes 16. The backward pass runs these
/// transforms adjoint (see `WinogradTransposedConvolution+Backward.swift`).
///
/// Buffers: U `[4 phases, 9, out, in]`, V `[4, 9, in, tiles]`, M `[4, 9, out, tiles]` (dU, dV and dM in the
/// backward pass).
final class WinogradTransposedConvolution {
    /// Narrower inputs have fewer than four tiles across, so none of the vectorised groups, and im2col is faster.
    static let minimumWidth = 8
    /// It pays off only with many channels: at 64 in and 32 out it ran no faster than im2col's
    /// long-inner-dimension GEMMs, at 128 and 64 a fifth faster, at 256 and 128 a third.
    static let minimumChannels = 64

    let inChannels: Int
    let outChannels: Int

    /// Whether the backward pass of an input this wide goes this way (the layer checked the channels).
    func takesBackward(width: Int) -> Bool {
        width >= Self.minimumWidth
    }

    let transformedWeights = Tensor()
    /// dU, the transformed weights' gradient, in the backward pass.
    let transformedWeightGradients = Tensor()
    let tiles = Tensor()
    let products = Tensor()

    init(inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
    }

    /// One image's tiling: input size, 2x2 tiles of input positions, and a padded plane (one zero row and column
    /// before, enough after) from which every phase's 3x3 tile reads without bounds checks.
    struct Tiling {
        let height: Int
        let width: Int
        var tilesDown: Int { (height + 1) / 2 }
        var tilesAcross: Int { (width + 1) / 2 }
        var tilesPerImage: Int { tilesDown * tilesAcross }
        var paddedHeight: Int { 2 * tilesDown + 2 }
        var paddedWidth: Int { 2 * tilesAcross + 2 }
        var outputHeight: Int { 2 * height }
        var outputWidth: Int { 2 * width }
        /// A plane's tiles rounded up to whole groups of eight lanes (the backward transforms' row length).
        var lanes: Int { (tilesPerImage + 7) & ~7 }
        /// Where the backward pass's 36 staged rows start in a worker's scratch: after room for a padded plane or
        /// 16 rows of gathered output blocks.
        var stagingOffset: Int { max(paddedHeight * paddedWidth, 16 * lanes) }
        var backwardScratchSize: Int { stagingOffset + 36 * lanes }
    }

    func imagesPerChunk(batch: Int, tiling: Tiling) -> Int {
        max(1, min(batch, 2048 / max(tiling.tilesPerImage, 1)))
    }

    /// Sizes `tiles` and `products` for chunks of `perChunk` images; the backward transforms read whole groups of
    /// eight tiles, so both end with a group's worth of slack.
    func prepareBuffers(perChunk: Int, shape: Tiling) {
        let columns = perChunk * shape.tilesPerImage
        tiles.resize([36 * inChannels * columns + 8])
        products.resize([36 * outChannels * columns + 8])
    }

    /// U = G g Gᵀ of every phase's 2x2 kernel g[t][u] = w[in][out][3-a-2t][3-b-2u]: U[phase][point][out][in].
    func transformWeights(_ weight: Tensor) {
        let filters = outChannels * inChannels
        transformedWeights.resize([36, outChannels, inChannels])
        let source = weight.pointer
        let destination = transformedWeights.pointer
        let (inChannels, outChannels) = (inChannels, outChannels)
        TransformLoops.transformFilters(filters, points: 36, into: destination) { filter, staging, stride in
            let (output, input) = filter.quotientAndRemainder(dividingBy: inChannels)
            let kernel = source + (input * outChannels + output) * 16
            for phase in 0..<4 {
                let (a, b) = (phase >> 1, phase & 1)
                let g00 = kernel[(3 - a) * 4 + 3 - b], g01 = kernel[(3 - a) * 4 + 1 - b]
                let g10 = kernel[(1 - a) * 4 + 3 - b], g11 = kernel[(1 - a) * 4 + 1 - b]
                // G down the columns (rows g0, g0 + g1, g1), then across each row the same way.
                let rows = ((g00, g01), (g00 + g10, g01 + g11), (g10, g11))
                let base = staging + phase * 9 * stride
                @inline(__always) func store(_ row: (Float, Float), _ index: Int) {
                    base[(index * 3) * stride] = row.0
                    base[(index * 3 + 1) * stride] = row.0 + row.1
                    base[(index * 3 + 2) * stride] = row.1
                }
                store(rows.0, 0)
                store(rows.1, 1)
                store(rows.2, 2)
            }
        }
    }

    /// V = Bᵀ d B of every phase's 3x3 tile of images `first..<first + count`: V[phase][point][in][tile].
    func transformInput(_ input: Tensor, first: Int, count: Int, shape: Tiling) {
        let columns = count * shape.tilesPerImage
        let source = input.pointer
        let destination = tiles.pointer
        let inChannels = inChannels
        TransformLoops.forEachPlane(images: count, channels: inChannels, scratchSize: shape.paddedHeight * shape.paddedWidth) {
            image, channel, plane in
            let sourcePlane = source + ((first + image) * inChannels + channel) * shape.height * shape.width
            plane.update(repeating: 0, count: shape.paddedHeight * shape.paddedWidth)
            for row in 0..<shape.height {
                (plane + (row + 1) * shape.paddedWidth + 1).update(from: sourcePlane + row * shape.width,
                                                                   count: shape.width)
            }
            let pointStride = inChannels * columns
            let tileBase = destination + channel * columns + image * shape.tilesPerImage
            for tileRow in 0..<shape.tilesDown {
                var tileColumn = 0
                // The padding leaves room for the 10 columns a group of four tiles reads.
                while tileColumn + 4 <= shape.tilesAcross {
                    WinogradTransposedConvolution.inputTransformOfFour(
                        plane + 2 * tileRow * shape.paddedWidth + 2 * tileColumn, stride: shape.paddedWidth,
                        into: tileBase + tileRow * shape.tilesAcross + tileColumn, pointStride: pointStride)
                    tileColumn += 4
                }
                while tileColumn < shape.tilesAcross {
                    defer { tileColumn += 1 }
                    let corner = plane + 2 * tileRow * shape.paddedWidth + 2 * tileColumn
                    let tile = tileBase + tileRow * shape.tilesAcross + tileColumn
                    for phase in 0..<4 {
                        WinogradTransposedConvolution.inputTransform(
                            corner + (phase >> 1) * shape.paddedWidth + (phase & 1), stride: shape.paddedWidth,
                            into: tile + phase * 9 * pointStride, pointStride: pointStride)
                    }
                }
            }
        }
    }

    /// Bᵀ d B of every phase of four neighbouring tiles at once, each lane one tile. The four phases' 3x3 tiles lie
    /// in the 4x4 block at the corner; its columns for the four tiles are the even or odd lanes of eight-wide loads
    /// at the corner and two to the right.
    @inline(__always)
    private static func inputTransformOfFour(_ corner: UnsafePointer<Float>, stride: Int,
                                             into tile: UnsafeMutablePointer<Float>, pointStride: Int) {
        typealias Four = (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)
        @inline(__always) func columns(_ row: Int) -> Four {
            let left = UnsafeRawPointer(corner + row * stride).loadUnaligned(as: SIMD8<Float>.self)
            let right = UnsafeRawPointer(corner + row * stride + 2).loadUnaligned(as: SIMD8<Float>.self)
            return (left.evenHalf, left.oddHalf, right.evenHalf, right.oddHalf)
        }
        let grid = (columns(0), columns(1), columns(2), columns(3))
        // Bᵀ down the columns for the two row parities: rows (d0 - d1, d1, d2 - d1) of rows a, a + 1, a + 2.
        @inline(__always) func down(_ d0: Four, _ d1: Four, _ d2: Four) -> (Four, Four, Four) {
            ((d0.0 - d1.0, d0.1 - d1.1, d0.2 - d1.2, d0.3 - d1.3), d1,
             (d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3))
        }
        let evenRows = down(grid.0, grid.1, grid.2)
        let oddRows = down(grid.1, grid.2, grid.3)
        @inline(__always) func store(_ value: SIMD4<Float>, _ point: Int) {
            UnsafeMutableRawPointer(tile + point * pointStride).storeBytes(of: value, as: SIMD4<Float>.self)
        }
        // … then Bᵀ across each row, over columns b, b + 1, b + 2.
        @inline(__always) func across(_ row: Four, phase: Int, index: Int) {
            let base = phase * 9 + index * 3
            if phase & 1 == 0 {
                store(row.0 - row.1, base)
                store(row.1, base + 1)
                store(row.2 - row.1, base + 2)
            } else {
                store(row.1 - row.2, base)
                store(row.2, base + 1)
                store(row.3 - row.2, base + 2)
            }
        }
        for phase in 0..<4 {
            let rows = phase >> 1 == 0 ? evenRows : oddRows
            across(rows.0, phase: phase, index: 0)
            across(rows.1, phase: phase, index: 1)
            across(rows.2, phase: phase, index: 2)
        }
    }

    /// Bᵀ d B of one 3x3 tile, written to 9 points `pointStride` apart.
    @inline(__always)
    private static func inputTransform(_ d: UnsafePointer<Float>, stride: Int, into tile: UnsafeMutablePointer<Float>,
                                       pointStride: Int) {
        @inline(__always) func row(_ index: Int) -> SIMD4<Float> {
            let pointer = d + index * stride
            return SIMD4(pointer[0], pointer[1], pointer[2], 0)
        }
        let (d0, d1, d2) = (row(0), row(1), row(2))
        @inline(__always) func store(_ row: SIMD4<Float>, _ index: Int) {
            // … then Bᵀ across each row: (r0 - r1, r1, r2 - r1).
            let base = tile + index * 3 * pointStride
            base[0] = row[0] - row[1]
            base[pointStride] = row[1]
            base[2 * pointStride] = row[2] - row[1]
        }
        // Bᵀ down the columns …
        store(d0 - d1, 0)
        store(d1, 1)
        store(d2 - d1, 2)
    }
}
