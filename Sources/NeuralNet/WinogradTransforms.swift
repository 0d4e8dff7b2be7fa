/// The transforms of Winograd's F(4x4, 3x3) and their adjoints, on eight tiles (or filters) at once.
///
/// A tile is a square of points; point (r, c) of the eight tiles is one vector of eight lanes, found at
/// `source + (r * side + c) * stride`. Each 2-D transform applies its 1-D transform along every row, then along
/// every column of the result, through 36 vectors of scratch. With
/// Bᵀ = [[4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0], [0,-2,-1,2,1,0], [0,2,-1,-2,1,0], [0,4,0,-5,0,1]],
/// G = [[1/4,0,0], [-1/6,-1/6,-1/6], [-1/6,1/6,-1/6], [1/24,1/12,1/6], [1/24,-1/12,1/6], [0,0,1]],
/// Aᵀ = [[1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0], [0,1,-1,8,-8,1]].
enum WinogradTransforms {
    typealias Lanes = SIMD8<Float>
    /// Floats of scratch each 2-D transform needs.
    static let scratchSize = 36 * 8

    /// 1 / denominator, spread over the lanes.
    @inline(__always)
    private static func fraction(_ denominator: Float) -> Lanes { Lanes(repeating: 1 / denominator) }

    /// A 1-D transform of one row or column: reads its points `sourceStride` apart, writes its results
    /// `destinationStride` apart.
    private typealias Transform1D = (_ source: UnsafePointer<Float>, _ sourceStride: Int,
                                     _ destination: UnsafeMutablePointer<Float>, _ destinationStride: Int) -> Void

    /// Eight floats from `pointer`, unaligned.
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
    }

    /// Eight floats to `pointer`, unaligned.
    @inline(__always)
    static func store(_ value: Lanes, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Lanes.self)
    }

    /// Applies `transform` (side `inputSide` to side `outputSide`) along the rows, then the columns.
    @inline(__always)
    private static func apply(_ transform: Transform1D, inputSide: Int, outputSide: Int,
                              _ source: UnsafePointer<Float>, _ sourceStride: Int,
                              _ destination: UnsafeMutablePointer<Float>, _ destinationStride: Int,
                              scratch: UnsafeMutablePointer<Float>) {
        for row in 0..<inputSide {
            transform(source + row * inputSide * sourceStride, sourceStride, scratch + row * outputSide * 8, 8)
        }
        for column in 0..<outputSide {
            transform(scratch + column * 8, outputSide * 8, destination + column * destinationStride,
                      outputSide * destinationStride)
        }
    }

    /// V = Bᵀ d B: 6x6 input tiles to 6x6 transformed tiles.
    @inline(__always)
    static func input(_ source: UnsafePointer<Float>, pointStride sourceStride: Int,
                      into destination: UnsafeMutablePointer<Float>, pointStride destinationStride: Int,
                      scratch: UnsafeMutablePointer<Float>) {
        apply({ s, ss, d, ds in
            let (d0, d1, d2, d3, d4, d5) = (load(s), load(s + ss), load(s + 2 * ss), load(s + 3 * ss),
                                            load(s + 4 * ss), load(s + 5 * ss))
            store(4 * d0 - 5 * d2 + d4, d)
            store(d4 + d3 - 4 * (d1 + d2), d + ds)
            store(d4 - d3 + 4 * (d1 - d2), d + 2 * ds)
            store(d4 - d2 + 2 * (d3 - d1), d + 3 * ds)
            store(d4 - d2 - 2 * (d3 - d1), d + 4 * ds)
            store(4 * d1 - 5 * d3 + d5, d + 5 * ds)
        }, inputSide: 6, outputSide: 6, source, sourceStride, destination, destinationStride, scratch: scratch)
    }

    /// dd = B dV Bᵀ, the adjoint of `input`.
    @inline(__always)
    static func inputAdjoint(_ source: UnsafePointer<Float>, pointStride sourceStride: Int,
                             into destination: UnsafeMutablePointer<Float>, pointStride destinationStride: Int,
                             scratch: UnsafeMutablePointer<Float>) {
        apply({ s, ss, d, ds in
            let (v0, v1, v2, v3, v4, v5) = (load(s), load(s + ss), load(s + 2 * ss), load(s + 3 * ss),
                                            load(s + 4 * ss), load(s + 5 * ss))
            store(4 * v0, d)
            store(4 * (v2 - v1 + v5) + 2 * (v4 - v3), d + ds)
            store(-5 * v0 - 4 * (v1 + v2) - v3 - v4, d + 2 * ds)
            store(v1 - v2 + 2 * (v3 - v4) - 5 * v5, d + 3 * ds)
            store(v0 + v1 + v2 + v3 + v4, d + 4 * ds)
            store(v5, d + 5 * ds)
        }, inputSide: 6, outputSide: 6, source, sourceStride, destination, destinationStride, scratch: scratch)
    }

    /// Y = Aᵀ M A: 6x6 products to 4x4 output blocks.
    @inline(__always)
    static func output(_ source: UnsafePointer<Float>, pointStride sourceStride: Int,
                       into destination: UnsafeMutablePointer<Float>, pointStride destinationStride: Int,
                       scratch: UnsafeMutablePointer<Float>) {
        apply({ s, ss, d, ds in
            let (m0, m1, m2, m3, m4, m5) = (load(s), load(s + ss), load(s + 2 * ss), load(s + 3 * ss),
                                            load(s + 4 * ss), load(s + 5 * ss))
            let (sum12, difference12) = (m1 + m2, m1 - m2)
            let (sum34, difference34) = (m3 + m4, m3 - m4)
            store(m0 + sum12 + sum34, d)
            store(difference12 + 2 * difference34, d + ds)
            store(sum12 + 4 * sum34, d + 2 * ds)
            store(difference12 + 8 * difference34 + m5, d + 3 * ds)
        }, inputSide: 6, outputSide: 4, source, sourceStride, destination, destinationStride, scratch: scratch)
    }

    /// dM = A dY Aᵀ, the adjoint of `output`: 4x4 output-gradient blocks to 6x6.
    @inline(__always)
    static func outputAdjoint(_ source: UnsafePointer<Float>, pointStride sourceStride: Int,
                              into destination: UnsafeMutablePointer<Float>, pointStride destinationStride: Int,
                              scratch: UnsafeMutablePointer<Float>) {
        apply({ s, ss, d, ds in
            let (y0, y1, y2, y3) = (load(s), load(s + ss), load(s + 2 * ss), load(s + 3 * ss))
            let (even1, odd1) = (y0 + y2, y1 + y3)
            let (even2, odd2) = (y0 + 4 * y2, 2 * y1 + 8 * y3)
            store(y0, d)
            store(even1 + odd1, d + ds)
            store(even1 - odd1, d + 2 * ds)
            store(even2 + odd2, d + 3 * ds)
            store(even2 - odd2, d + 4 * ds)
            store(y3, d + 5 * ds)
        }, inputSide: 4, outputSide: 6, source, sourceStride, destination, destinationStride, scratch: scratch)
    }

    /// U = G g Gᵀ: 3x3 filters to 6x6.
    @inline(__always)
    static func weight(_ source: UnsafePointer<Float>, pointStride sourceStride: Int,
                       into destination: UnsafeMutablePointer<Float>, pointStride destinationStride: Int,
                       scratch: UnsafeMutablePointer<Float>) {
        apply({ s, ss, d, ds in
            let (g0, g1, g2) = (load(s), load(s + ss), load(s + 2 * ss))
            let outer: Lanes = g0 + g2
            let even: Lanes = g0 * fraction(24) + g2 * fraction(6)
            let odd: Lanes = g1 * fraction(12)
            store(g0 * fraction(4), d)
            store((outer + g1) * -fraction(6), d + ds)
            store((outer - g1) * -fraction(6), d + 2 * ds)
            store(even + odd, d + 3 * ds)
            store(even - odd, d + 4 * ds)
            store(g2, d + 5 * ds)
        }, inputSide: 3, outputSide: 6, source, sourceStride, destination, destinationStride, scratch: scratch)
    }

    /// dg = Gᵀ dU G, the adjoint of `weight`: 6x6 to 3x3.
    @inline(__always)
    static func weightAdjoint(_ source: UnsafePointer<Float>, pointStride sourceStride: Int,
                              into destination: UnsafeMutablePointer<Float>, pointStride destinationStride: Int,
                              scratch: UnsafeMutablePointer<Float>) {
        apply({ s, ss, d, ds in
            let (u0, u1, u2, u3, u4, u5) = (load(s), load(s + ss), load(s + 2 * ss), load(s + 3 * ss),
                                            load(s + 4 * ss), load(s + 5 * ss))
            let (sum12, sum34) = (u1 + u2, u3 + u4)
            let first: Lanes = u0 * fraction(4) - sum12 * fraction(6)
            let second: Lanes = (u2 - u1) * fraction(6) + (u3 - u4) * fraction(12)
            let third: Lanes = (sum34 - sum12) * fraction(6) + u5
            store(first + sum34 * fraction(24), d)
            store(second, d + ds)
            store(third, d + 2 * ds)
        }, inputSide: 6, outputSide: 3, source, sourceStride, destination, destinationStride, scratch: scratch)
    }

    /// Runs `body(first, lanes, scratch)` for each group of eight filters of `0..<filters` (the last group may have
    /// fewer lanes), spread over the workers; each worker has its own scratch for a group's 3x3, 6x6 and transform.
    static func forEachFilterGroup(_ filters: Int,
                                   _ body: (_ first: Int, _ lanes: Int, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        let groups = (filters + 7) / 8
        Parallel.forRanges(groups, grain: 256) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (9 + 36) * 8 + scratchSize)
            defer { scratch.deallocate() }
            for group in range { body(group * 8, min(8, filters - group * 8), scratch) }
        }
    }
}
