import CBLAS
import Foundation

/// Which OpenBLAS kernels this process runs, and the better ones for this CPU when OpenBLAS fell back to generic
/// ones. Debian's OpenBLAS picks its kernels at load time by CPU model; a CPU newer than the library (an AVX-512
/// Xeon that reports no known model, for one) gets the SSE3 "Prescott" kernels at a quarter of the speed. Only
/// `OPENBLAS_CORETYPE`, read when the library loads, changes that, so `invertlab` restarts itself with it set.
public enum BLASKernels {
    /// The environment variable OpenBLAS reads; one the user set always wins.
    public static let coreVariable = "OPENBLAS_CORETYPE"

    /// The kernel set OpenBLAS chose ("Zen", "Haswell", "SkylakeX", "Prescott", ...).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build description (version, DYNAMIC_ARCH, threading).
    public static var configuration: String { String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces) }

    /// Kernel sets that use neither AVX2 nor AVX-512: what OpenBLAS falls back to for a CPU model it does not know.
    static let genericCores: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai",
                                            "coppermine", "northwood", "banias", "opteron", "barcelona", "unknown"]

    /// The kernel set to ask for instead of `core` on a CPU with `features`, or nil when `core` is the right one:
    /// SkylakeX where AVX-512 is there, Haswell where AVX2 and FMA are, and only in place of a generic set.
    public static func betterCore(than core: String, features: CPUFeatures) -> String? {
        guard genericCores.contains(core.lowercased()) else { return nil }
        if features.hasAVX512 { return "SkylakeX" }
        if features.hasAVX2 { return "Haswell" }
        return nil
    }

    /// One line for reports: the library, the kernels in use and why, and the CPU's vector features.
    public static func report(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let chosen: String
        if let restarted = environment[restartMarker], environment[coreVariable] == restarted {
            chosen = "chosen by invertlab in place of OpenBLAS's generic kernels"
        } else if environment[coreVariable] != nil {
            chosen = "set by \(coreVariable)"
        } else {
            chosen = "chosen by OpenBLAS"
        }
        return "BLAS: \(configuration); kernels \(coreName) (\(chosen)); CPU: \(CPUFeatures.current.summary)"
    }

    /// Set on the restarted process, holding the core invertlab asked for, so reports can say who chose it.
    static let restartMarker = "INVERTLAB_BLAS_CORE"

    /// Restarts this executable with `OPENBLAS_CORETYPE` set when OpenBLAS loaded generic kernels on a CPU that has
    /// better ones, and the user has not chosen a core; returns (doing nothing) otherwise or when the restart fails.
    public static func restartWithBetterKernelsIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment[coreVariable] == nil,
              let better = betterCore(than: coreName, features: CPUFeatures.current) else { return }
        setenv(coreVariable, better, 1)
        setenv(restartMarker, better, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: carry on with the kernels already loaded.
        unsetenv(coreVariable)
        unsetenv(restartMarker)
    }
}
