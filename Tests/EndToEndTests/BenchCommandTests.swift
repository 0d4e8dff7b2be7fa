import Foundation
import XCTest

/// `invertlab bench` measures every kind of step it names, on a configuration small enough for a test.
final class BenchCommandTests: XCTestCase {
    func testBenchTimesEveryStepGMIsIncluded() throws {
        let result = try runInvertlab(["bench", "--json", "--no-workbench", "--seconds", "0", "--configs", "4,3,32"])
        XCTAssertEqual(result.status, 0, result.output)
        let line = try XCTUnwrap(result.output.split(separator: "\n").last { $0.hasPrefix("{") })
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let config = try XCTUnwrap((report["configs"] as? [[String: Any]])?.first)
        XCTAssertEqual(config["width"] as? Int, 4)
        for step in ["classifier", "attack", "private_classifier", "gan", "gmi_iteration"] {
            let figures = try XCTUnwrap(config[step] as? [String: Any], step)
            XCTAssertGreaterThan(figures["images_per_second"] as? Double ?? 0, 0, step)
            XCTAssertGreaterThanOrEqual(figures["steps"] as? Int ?? 0, 2, step)
        }
    }
}
