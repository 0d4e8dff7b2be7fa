import Foundation

/// The vector instructions this CPU offers, as Linux reports them in /proc/cpuinfo's `flags`.
public struct CPUFeatures: Sendable, Equatable {
    public let flags: Set<String>

    public init(flags: Set<String>) { self.flags = flags }

    /// The flags of the first processor listed in `cpuinfo` (the text of /proc/cpuinfo).
    public init(cpuinfo: String) {
        let line = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }
        let values = line.flatMap { $0.split(separator: ":", maxSplits: 1).last }
        self.init(flags: Set(values.map { $0.split(separator: " ").map(String.init) } ?? []))
    }

    /// This machine's features (none where /proc/cpuinfo cannot be read).
    public static let current = CPUFeatures(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

    /// The AVX-512 subsets OpenBLAS's SkylakeX kernels use.
    public var hasAVX512: Bool { ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) }
    public var hasAVX2: Bool { flags.contains("avx2") && flags.contains("fma") }

    /// The widest vector extensions present, for reports: "avx512f avx512bw ...", "avx2 fma" or "sse only".
    public var summary: String {
        let shown = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx2", "fma"]
            .filter(flags.contains)
        return shown.isEmpty ? "no AVX2 or AVX-512" : shown.joined(separator: " ")
    }
}
