import Foundation
import XCTest
@testable import Lab

/// What `--resume` finds in a seed's folder: a completed run with the same settings is read back; an unfinished one
/// runs again, reusing what it finished only under the same settings; one with other settings, or one still running, is refused so nothing finished is overwritten.
final class RunFolderResumptionTests: XCTestCase {
    private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-resume-\(UUID().uuidString)")
    private let options = ["white-box-iterations": "5"]

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A folder where a run of `config` with `options` ended in `state`, leaving a report when it completed.
    private func finished(_ state: RunState, config: ExperimentConfig) throws -> RunFolder {
        let run = try RunFolder(folder)
        try run.saveOptions(options)
        try run.saveConfig(config)
        try run.saveState(state)
        if state == .complete { try run.saveJSON(["rows": [1.5, 2.5]], as: "report.json") }
        return run
    }

    func testACompletedRunWithTheSameSettingsIsReadBack() throws {
        let config = tinyConfig()
        XCTAssertEqual(sameSettings(try RunFolder(folder).resumption(report: "report.json", config: config, options: options)), false,
                       "an empty folder runs, with nothing to reuse")
        let run = try finished(.complete, config: config)
        guard case .completed(let report) = try run.resumption(report: "report.json", config: config, options: options) else {
            return XCTFail("a completed run with the same settings is read back")
        }
        XCTAssertEqual((report as? [String: Any])?["rows"] as? [Double], [1.5, 2.5])
    }

    func testUnfinishedRunsRunAgainAndRunningOnesAreRefused() throws {
        let config = tinyConfig()
        var otherSeed = config
        otherSeed.seed += 1
        for state in [RunState.interrupted(reason: "stopped by SIGINT"), .failed(reason: "disk full")] {
            let run = try finished(state, config: config)
            XCTAssertEqual(sameSettings(try run.resumption(report: "report.json", config: config, options: options)), true, state.name)
            // What an unfinished run with other settings finished must not be reused; the seed runs afresh.
            XCTAssertEqual(sameSettings(try run.resumption(report: "report.json", config: otherSeed, options: options)), false, state.name)
            XCTAssertEqual(sameSettings(try run.resumption(report: "report.json", config: config, options: [:])), false, state.name)
        }
        let running = try finished(.running, config: config)
        XCTAssertThrowsError(try running.resumption(report: "report.json", config: config, options: options)) { error in
            XCTAssert("\(error)".contains("is marked running") && "\(error)".contains(folder.path), "\(error)")
        }
    }

    func testOtherSettingsAreRefusedByFile() throws {
        let config = tinyConfig()
        let run = try finished(.complete, config: config)
        var otherSeed = config
        otherSeed.seed += 1
        XCTAssertThrowsError(try run.resumption(report: "report.json", config: otherSeed, options: options)) { error in
            XCTAssert("\(error)".contains("its config.json differs"), "\(error)")
        }
        XCTAssertThrowsError(try run.resumption(report: "report.json", config: config, options: ["white-box-iterations": "6"])) { error in
            XCTAssert("\(error)".contains("its options.json differs") && "\(error)".contains("--overwrite"), "\(error)")
        }
        try Data("{\"rows\": [".utf8).write(to: run.file("report.json"))
        XCTAssertThrowsError(try run.resumption(report: "report.json", config: config, options: options)) { error in
            XCTAssert("\(error)".contains("report.json: is not valid JSON"), "\(error)")
        }
    }

    /// Whether `resumption` runs the seed with what an unfinished run of the same settings left (true), afresh
    /// (false), or reads a completed run back (nil).
    private func sameSettings(_ resumption: RunFolder.Resumption) -> Bool? {
        if case .run(let same) = resumption { return same }
        return nil
    }
}
