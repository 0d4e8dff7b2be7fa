import Foundation
import FuzzTargets

// Built two ways. With `-sanitize=fuzzer,address -DLIBFUZZER` (make fuzz), `main` hands over to libFuzzer's driver,
// which feeds the target its mutations; the target is chosen by FUZZ_TARGET. Built plainly, `main` replays
// files (a crash libFuzzer saved, a corpus folder) through one target: FUZZ_TARGET=npy invertlab-fuzz crash-1234.

/// The target FUZZ_TARGET names.
private func selectedTarget() -> FuzzTarget {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'\n".utf8))
        exit(2)
    }
    return target
}

#if LIBFUZZER
nonisolated(unsafe) private var fuzzState: (target: FuzzTarget, scratch: URL)?

/// libFuzzer's entry for a program that has its own `main`: it parses the fuzzer's options and calls `callback`.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// One input; exported under libFuzzer's name as well, which parts of its runtime refer to.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    fuzzState!.target.run(bytes, scratch: fuzzState!.scratch)
    return 0
}

@main
struct FuzzDriver {
    static func main() throws {
        fuzzState = (selectedTarget(), try FuzzTarget.scratchFolder())
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
@main
struct FuzzReplay {
    static func main() throws {
        let target = selectedTarget()
        let scratch = try FuzzTarget.scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for argument in CommandLine.arguments.dropFirst() {
            let url = URL(fileURLWithPath: argument)
            let files = (try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? [url]
            for file in files.sorted(by: { $0.path < $1.path }) {
                let error = target.run([UInt8](try Data(contentsOf: file)), scratch: scratch)
                print("\(file.lastPathComponent): \(error.map { "refused: \($0)" } ?? "accepted")")
            }
        }
    }
}
#endif
