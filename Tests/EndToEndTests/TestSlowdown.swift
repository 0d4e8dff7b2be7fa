import Foundation

/// How much slower than usual the tests run: `make sanitize` sets INVERTLAB_TEST_SLOWDOWN, since ThreadSanitizer
/// slows code about tenfold and a latency bound meant for a plain build would then fail for no fault of the code.
let testSlowdown = Double(ProcessInfo.processInfo.environment["INVERTLAB_TEST_SLOWDOWN"] ?? "") ?? 1
