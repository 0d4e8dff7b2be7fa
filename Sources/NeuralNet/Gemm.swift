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
