import Lab
import XCTest

/// `--seeds`: the mean and sample standard deviation at every place of the runs' reports.
final class SeedSummaryTests: XCTestCase {
    private struct Report: Encodable {
        struct Row: Encodable { let k: String; let mse: Double }
        let accuracy: Double
        let epoch: Int
        let rows: [Row]
    }

    /// A report whose figure may be missing (encoded without the key, as optional figures are).
    private struct Flagged: Encodable { let after: Int? }

    func testEveryNumberIsSummarisedInPlaceAndSharedTextsStay() throws {
        let summary = try SeedSummary(seeds: [7, 8, 9], reports: [
            Report(accuracy: 0.5, epoch: 3, rows: [.init(k: "1", mse: 0.1), .init(k: "all", mse: 0.2)]),
            Report(accuracy: 0.7, epoch: 5, rows: [.init(k: "1", mse: 0.3), .init(k: "all", mse: 0.2)]),
            Report(accuracy: 0.9, epoch: 4, rows: [.init(k: "1", mse: 0.2), .init(k: "all", mse: 0.2)]),
        ])
        // Whole numbers (1.0 is written as 1 and read back as an integer) are numbers too.
        let whole = try SeedSummary(seeds: [1, 2], reports: [Report(accuracy: 1, epoch: 1, rows: []), Report(accuracy: 1, epoch: 2, rows: [])])
        XCTAssertEqual(whole.statistic(["accuracy"])?.mean, 1)
        let accuracy = try XCTUnwrap(summary.statistic(["accuracy"]))
        XCTAssertEqual(accuracy.mean, 0.7, accuracy: 1e-12)
        XCTAssertEqual(accuracy.deviation, 0.2, accuracy: 1e-12, "sample standard deviation (n - 1)")
        XCTAssertEqual(try XCTUnwrap(summary.statistic(["epoch"])).mean, 4, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(summary.statistic(["rows", "0", "mse"])).mean, 0.2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(summary.statistic(["rows", "1", "mse"])).deviation, 0, accuracy: 1e-12)
        XCTAssertNil(summary.statistic(["rows", "2", "mse"]))
        // A figure one run lacks is not averaged over the runs that have it.
        let partial = try SeedSummary(seeds: [1, 2], reports: [Flagged(after: 81), Flagged(after: nil)])
        XCTAssertNil(partial.statistic(["after"]))
        XCTAssertEqual(partial.perRun(["after"]), [81, nil])
        XCTAssertEqual(((partial.mean as? [String: Any])?["after"] as? [Any])?.count, 2)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(summary.json.utf8)) as? [String: Any])
        XCTAssertEqual(json["seeds"] as? [Int], [7, 8, 9])
        XCTAssertEqual((json["runs"] as? [Any])?.count, 3)
        let rows = try XCTUnwrap((json["mean"] as? [String: Any])?["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["k"] as? String }, ["1", "all"])
    }
}
