import CBLAS
import Dispatch

/// OpenBLAS runs single-threaded: its own threads spin and yield between calls, fighting the engine's workers for
/// the cores, so the engine splits GEMMs across its workers itself.
private let singleThreadedBLAS: Void = openblas_set_num_threads(1)

/// Row-major single-precision matrix multiply on OpenBLAS: C = alpha * op(A) * op(B) + beta * C,
/// with op(A) of size m x k and op(B) of size k x n, on the calling thread alone.
@inline(__always)
func serialGemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    _ = singleThreadedBLAS
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The same product split into column (or row) blocks of C, one per worker, when it is large enough.
func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let workers = Parallel.workers
    // Below about a million multiply-adds a split costs more than it saves.
    guard workers > 1, m * n * k >= 1 << 20 else {
        serialGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    if n >= m {
        // Blocks of 16 columns keep each worker's share aligned for the kernels.
        Parallel.forEach(workers) { worker in
            let start = (n * worker / workers) & ~15
            let end = worker == workers - 1 ? n : (n * (worker + 1) / workers) & ~15
            guard end > start else { return }
            serialGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: end - start, k: k, alpha: alpha,
                       a: a, lda: lda, b: transposeB ? b + start * ldb : b + start, ldb: ldb,
                       beta: beta, c: c + start, ldc: ldc)
        }
    } else {
        Parallel.forEach(workers) { worker in
            let start = m * worker / workers
            let end = m * (worker + 1) / workers
            guard end > start else { return }
            serialGemm(transposeA: transposeA, transposeB: transposeB, m: end - start, n: n, k: k, alpha: alpha,
                       a: transposeA ? a + start : a + start * lda, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c + start * ldc, ldc: ldc)
        }
    }
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
