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

/// The price/protection picture: points where their figures put them, numbered, on labelled axes.
final class PriceProtectionChartTests: XCTestCase {
    func testPointsSitWhereTheirFiguresPutThem() throws {
        let picture = PriceProtectionChart(points: [(0.9, 0.1), (0.5, 0.5)]).render()
        XCTAssertEqual(picture.width, 312)
        XCTAssertEqual(picture.height, 312)
        func pixel(_ x: Int, _ y: Int) -> UInt8 { picture.pixels[y * picture.width + x] }
        // The plot's origin is (36, 276); 90% across is x = 36 + 216, 10% up is y = 276 - 24.
        XCTAssertEqual(pixel(252, 252), 0, "point 1")
        XCTAssertEqual(pixel(156, 156), 0, "point 2 on the 50% grid crossing")
        XCTAssertEqual(pixel(212, 212), 255, "nothing between")
        XCTAssertEqual(pixel(36, 100), 0, "the vertical axis")
        XCTAssertEqual(pixel(100, 276), 0, "the horizontal axis")
        XCTAssertEqual(pixel(100, 156), 200, "the 50% grid line")
        // Point 1's label "1" starts at (256, 240): the digit's middle column is dark in its top row.
        XCTAssertEqual(pixel(256 + 2, 240), 0)
        XCTAssertEqual(pixel(256, 240), 255)
    }
}
