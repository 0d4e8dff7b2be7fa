import Foundation

/// The `invertlab` binary in the build folder that holds the tests (on Linux the bundle URL is that folder; on
/// macOS the .xctest bundle inside it).
private final class BundleMarker {}

var invertlabBinary: URL {
    let bundle = Bundle(for: BundleMarker.self).bundleURL
    let folder = bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
    return folder.appendingPathComponent("invertlab")
}

/// The checkout's root, where Assets/ and scripts/ are.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Runs the binary from the repository root (where Assets/ is); returns its exit status and everything it printed.
func runInvertlab(_ arguments: [String]) throws -> (status: Int32, output: String) {
    try runProcess(invertlabBinary, arguments, in: repositoryRoot)
}

/// Runs `executable` in `folder` and waits; returns its exit status and its standard output and error together.
func runProcess(_ executable: URL, _ arguments: [String], in folder: URL) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = folder
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}
