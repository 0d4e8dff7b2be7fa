import Datasets
import Foundation
import Lab
import NeuralNet
import XCTest

/// The attacker's background knowledge as a size, and the recognisability stand-in that shows what it buys.
final class AuxiliarySizeTests: XCTestCase {
    func testTheAuxiliarySetIsCutOrGrownToTheAskedSize() throws {
        let plain = try Experiment(tinyConfig())
        XCTAssertEqual(try plain.auxiliarySet(.kind(.generic)).count, 94 * 10, "94 generic people, 10 photos each")

        var small = tinyConfig()
        small.auxiliarySize = 50
        let cut = try Experiment(small)
        XCTAssertEqual(try cut.auxiliarySet(.kind(.generic)).count, 50)
        XCTAssertEqual(try cut.auxiliarySet(.kind(.same)).count, 12, "the held-out set has fewer: it is kept whole")

        // More generic people are drawn; the private people's photos and split stay exactly the same.
        var large = tinyConfig()
        large.auxiliarySize = 2000
        large.attack.auxiliary = .kind(.generic)
        let grown = try Experiment(large)
        XCTAssertEqual(try grown.auxiliarySet(.kind(.generic)).count, 2000)
        XCTAssertEqual(grown.split.classifierTrain.pixels, plain.split.classifierTrain.pixels)
        XCTAssertEqual(grown.split.classifierTest.labels, plain.split.classifierTest.labels)
        XCTAssertEqual(large.classifierSettings, tinyConfig().classifierSettings, "a shipped classifier still fits")

        var tooMany = tinyConfig()
        tooMany.auxiliarySize = 5000
        tooMany.attack.auxiliary = .kind(.distinct)
        XCTAssertThrowsError(try Experiment(tooMany)) {
            XCTAssert("\($0)".contains("--aux-size 5000: the auxiliary set 'distinct' has only 3000 images"), "\($0)")
        }
        var none = tinyConfig()
        none.auxiliarySize = 0
        XCTAssertThrowsError(try none.validate()) { XCTAssert("\($0)".contains("--aux-size must be between 1 and 200000, not 0")) }
    }

    func testRecognisedShareCountsReconstructionsNearestTheirOwnClassMean() {
        // Class 0 is dark, class 1 light; two victims, one of each.
        let set = ImageSet(height: 1, width: 2, pixels: [20, 30, 10, 20, 230, 240, 250, 220], labels: [0, 0, 1, 1], origin: "two")
        let means = ClassMeans(of: set, classes: 2)
        XCTAssertEqual(means.means[1][0], 240.0 / 255, accuracy: 1e-6)
        let right = Tensor(shape: [2, 1, 1, 2], values: [0.1, 0.1, 0.9, 0.9])
        let swapped = Tensor(shape: [2, 1, 1, 2], values: [0.9, 0.9, 0.1, 0.1])
        XCTAssertEqual(means.recognisedShare(right, victims: set, indices: [0, 2]), 1)
        XCTAssertEqual(means.recognisedShare(swapped, victims: set, indices: [0, 2]), 0)
        XCTAssertEqual(means.recognisedShare(right, victims: set, indices: [1, 0]), 0.5)
    }
}
