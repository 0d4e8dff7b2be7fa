import Foundation
import XCTest
@testable import Lab

/// metrics.csv read back as the epochs it was written from, and rows that are not the writer's refused by line.
final class RunMetricsTests: XCTestCase {
    private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-metrics-\(UUID().uuidString)")

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    func testEpochsComeBackAsTheyWereWritten() throws {
        let run = try RunFolder(folder)
        try run.create()
        let history: [LabEvent] = [
            .stage("training"),
            .classifierEpoch(epoch: 1, loss: 2.5, trainAccuracy: 0.25, testAccuracy: 0.125),
            .classifierEpoch(epoch: 2, loss: 1.75, trainAccuracy: 0.5, testAccuracy: 0.375),
            .inversionEpoch(epoch: 1, auxiliaryMSE: 0.0625, heldOutMSE: 0.07, victimTrainMSE: 0.08, victimTestMSE: 0.09),
        ]
        try run.saveMetrics(history)
        XCTAssertEqual(try RunMetrics.read(from: run.file("metrics.csv")), Array(history.dropFirst()))
    }

    func testRowsThatAreNotTheWritersAreRefusedByLine() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("metrics.csv")
        let good = "classifier,1,2.5,0.25,0.125,,,"
        for (body, reason) in [("\(good)\ninversion,1,0.1,,,0.2,0.3", "line 3: 7 fields"),
                               ("\(good)\nevaluator,1,0.1,,,0.2,0.3,0.4", "line 3: model \"evaluator\""),
                               ("classifier,0,2.5,0.25,0.125,,,", "line 2: epoch \"0\""),
                               ("classifier,1,nan,0.25,0.125,,,", "line 2: \"nan\" is not a finite number"),
                               ("inversion,1,0.1,,,0.2,,0.4", "line 2: \"\" is not a finite number")] {
            try (RunMetrics.header + "\n" + body + "\n").write(to: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try RunMetrics.read(from: file)) {
                XCTAssert("\($0)".contains(file.path) && "\($0)".contains(reason), "\($0) should say \(reason)")
            }
        }
        try "epoch,loss\n1,2\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunMetrics.read(from: file)) { XCTAssert("\($0)".contains("is not a metrics.csv"), "\($0)") }
    }
}
