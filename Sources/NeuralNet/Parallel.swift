import Dispatch
import Foundation

/// Splits element-wise and per-image work across the machine's cores, beside OpenBLAS's own threads.
public enum Parallel {
    /// How many pieces work is split into: the number of active cores.
    public static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(range)` over contiguous sub-ranges of `0..<count` covering it exactly once, in parallel when the
    /// work is at least `grain` items.
    public static func forRanges(_ count: Int, grain: Int = 32_768, _ body: (Range<Int>) -> Void) {
        let pieces = min(workers, count / max(grain, 1))
        if pieces <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = WorkerBody(run: body)
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                work.run((count * piece / pieces)..<(count * (piece + 1) / pieces))
            }
        }
    }

    /// Runs `body(index)` for every index in `0..<count`, spread over the cores when `count` > 1.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        forRanges(count, grain: 1) { range in
            for index in range { body(index) }
        }
    }
}

/// Carries a loop body into Dispatch's worker threads. The callers split the work into disjoint ranges, which is
/// what makes sharing the body's captured pointers safe.
private struct WorkerBody: @unchecked Sendable {
    let run: (Range<Int>) -> Void
}
