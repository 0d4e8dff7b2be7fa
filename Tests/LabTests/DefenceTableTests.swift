import Foundation
import Lab
import XCTest

/// The defence table: one row per setting, release rows sharing the plain target, training rows their own.
final class DefenceTableTests: XCTestCase {
    func testRowsShareThePlainTargetAndTrainingDefencesTrainTheirOwn() throws {
        var config = tinyConfig()
        config.epochsClassifier = 4
        let settings = [DefenceSetting(release: .full, training: .none), DefenceSetting(release: .topK(1), training: .none),
                        DefenceSetting(release: .full, training: .labelSmoothing(0.1)),
                        DefenceSetting(release: .full, training: .differentialPrivacy(epsilon: 4, clipNorm: 1))]
        var shown: [String] = []
        let rows = try DefenceTable.measure(config, settings: settings, classifierFile: nil, evaluator: .trainNew,
                                            whiteBoxClasses: [0, 1], whiteBoxIterations: 20, observe: { _ in },
                                            progress: { shown.append($0) })
        XCTAssertEqual(rows.map(\.defence), ["none", "release 1", "smooth:0.1", "dp:4"])
        XCTAssertEqual(shown, rows.map(\.defence))
        XCTAssertEqual(rows[0].testAccuracy, rows[1].testAccuracy, "the release rows query the same target")
        XCTAssertEqual(rows[0].whiteBoxAccuracyTop1, rows[1].whiteBoxAccuracyTop1)
        XCTAssertNotEqual(rows[0].mseVictimTest, rows[1].mseVictimTest, "top-1 release changes what the attacker decodes")
        for row in rows {
            XCTAssert((0...1).contains(row.testAccuracy) && (0...1).contains(row.attackAccuracyTop1), "\(row)")
            XCTAssertNotNil(row.whiteBoxAccuracyTop1)
            XCTAssert(row.mseVictimTest > 0 && row.mseVictimTest < 1, "\(row)")
        }
        XCTAssertNil(rows[0].epsilon)
        XCTAssertEqual(try XCTUnwrap(rows[3].epsilon), 4, accuracy: 0.01)
    }
}
