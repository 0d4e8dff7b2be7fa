import Foundation
import XCTest

/// A run folder says how its run ended, is never overwritten by accident, and a signal stops a run cleanly.
final class RunFolderStateTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private let tiny = ["--private-classes", "5", "--width", "4", "--epochs-classifier", "1", "--epochs-inversion", "1", "--quiet"]

    private func state(of run: URL) throws -> [String: String] {
        let data = try Data(contentsOf: run.appendingPathComponent("state.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: String])
    }

    func testAFinishedRunIsCompleteAndIsNotOverwrittenWithoutAsking() throws {
        let run = folder.appendingPathComponent("run")
        XCTAssertEqual(try runInvertlab(["run"] + tiny + ["--out", run.path]).status, 0)
        XCTAssertEqual(try state(of: run)["state"], "complete")
        let again = try runInvertlab(["run"] + tiny + ["--out", run.path])
        XCTAssertEqual(again.status, 1)
        XCTAssert(again.output.contains("already holds a run") && again.output.contains("--overwrite"), again.output)
        XCTAssertEqual(try runInvertlab(["run"] + tiny + ["--out", run.path, "--overwrite"]).status, 0)
    }

    func testAFailedLoadLeavesNoFolderAndBadFoldersAreNamed() throws {
        let run = folder.appendingPathComponent("never")
        let failed = try runInvertlab(["run", "--data", folder.appendingPathComponent("absent").path, "--out", run.path])
        XCTAssertEqual(failed.status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path), "a run that never started leaves no folder")
        let file = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        let underFile = try runInvertlab(["run", "--out", file.appendingPathComponent("run").path] + tiny)
        XCTAssert(underFile.output.contains("\(file.path) is a file"), underFile.output)
        XCTAssert(try runInvertlab(["run", "--out", ""]).output.contains("--out is empty"))
    }

    func testNegativeNumbersAreValuesRefusedWithTheirRange() throws {
        let cases: [([String], String)] = [
            (["run", "--epochs-classifier", "-1"], "--epochs-classifier must be between 0 and 100000, not -1"),
            (["run", "--width", "-1"], "--width must be between 1 and 1024, not -1"),
            (["run", "--seed", "-1"], "--seed takes a whole number from 0 to"),
            (["run", "--joint", "-1"], "--joint takes a finite weight λ > 0"),
            (["sweep", "--victims", "-3"], "--victims must be at least 1, not -3"),
            (["bench", "--seconds", "nan"], "--seconds takes a finite number of seconds ≥ 0, not nan"),
            (["run", "--aux", "genric"], "--aux 'genric' is neither a known set"),
        ]
        for (arguments, expected) in cases {
            let result = try runInvertlab(arguments)
            XCTAssertNotEqual(result.status, 0, arguments.joined(separator: " ") + ": " + result.output)
            XCTAssert(result.output.contains(expected), "'\(expected)' missing from: \(result.output)")
            XCTAssertFalse(result.output.contains("Missing value"), result.output)
        }
    }

    func testSIGTERMStopsARunAtTheNextStepAndRecordsIt() throws {
        let run = folder.appendingPathComponent("run")
        let process = Process()
        process.executableURL = invertlabBinary
        process.arguments = ["run", "--private-classes", "5", "--width", "4", "--epochs-classifier", "1",
                             "--epochs-inversion", "100000", "--quiet", "--out", run.path]
        process.currentDirectoryURL = repositoryRoot
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let inversion = run.appendingPathComponent("inversion.safetensors")
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: inversion.path), Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        process.terminate()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, "the signal is handled, not fatal")
        XCTAssertEqual(process.terminationStatus, 143)
        XCTAssert(output.contains("stopped by SIGTERM"), output)
        let recorded = try state(of: run)
        XCTAssertEqual(recorded["state"], "interrupted")
        XCTAssert(recorded["reason"]?.contains("SIGTERM") == true)
        XCTAssertNoThrow(try Data(contentsOf: inversion), "the last epoch's checkpoint stays")
    }
}
