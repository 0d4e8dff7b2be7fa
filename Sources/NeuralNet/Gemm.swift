import CBLAS
import Dispatch

/// Row-major single-precision matrix multiply on OpenBLAS: C = alpha * op(A) * op(B) + beta * C,
/// with op(A) of size m x k and op(B) of size k x n.
@inline(__always)
func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Time and floating-point work spent in a layer's GEMM-heavy passes, for the benchmark's per-layer figures.
public struct ComputeStats: Sendable {
    /// Operations done, counting a multiply-add as two.
    public var flops: Int = 0
    /// Wall-clock seconds spent.
    public var seconds: Double = 0

    public init() {}

    /// Adds another layer's figures.
    public static func + (lhs: ComputeStats, rhs: ComputeStats) -> ComputeStats {
        var sum = lhs
        sum.flops += rhs.flops
        sum.seconds += rhs.seconds
        return sum
    }
}

/// Nanoseconds on a monotonic clock.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    DispatchTime.now().uptimeNanoseconds
}

/// A layer whose work is GEMM, which counts its operations and time for the benchmark.
public protocol GemmLayer: Layer {
    /// Time and work of the layer's GEMM passes since the counters were last reset.
    var stats: ComputeStats { get set }
}

extension Sequential {
    /// Every GEMM layer inside.
    public var gemmLayers: [GemmLayer] { allLayers.compactMap { $0 as? GemmLayer } }

    /// The summed figures of the GEMM layers, optionally only those of one type.
    public func gemmStats<Kind>(of kind: Kind.Type = GemmLayer.self) -> ComputeStats {
        gemmLayers.filter { $0 is Kind }.reduce(ComputeStats()) { $0 + $1.stats }
    }

    /// Sets every GEMM layer's counters to zero.
    public func resetGemmStats() {
        for layer in gemmLayers { layer.stats = ComputeStats() }
    }
}

/// c = a · b for row-major matrices `[m, k]` and `[k, n]`; `c` must already have shape `[m, n]`.
public func matrixMultiply(_ a: Tensor, _ b: Tensor, into c: Tensor) {
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
    precondition(b.shape[0] == k && c.shape == [m, n], "matrixMultiply: shapes \(a.shape) · \(b.shape) → \(c.shape)")
    gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n,
         beta: 0, c: c.pointer, ldc: n)
}
