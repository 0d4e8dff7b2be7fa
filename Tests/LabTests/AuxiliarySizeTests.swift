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

    /// `generic:N`: N of the generic images, the same ones every time, as background knowledge of its own, beside
    /// the whole set in one experiment (the tour's "less background knowledge" step).
    func testASampleOfAKindIsAnAuxiliarySetOfItsOwn() throws {
        XCTAssertEqual(try AuxiliarySource(parsing: "generic:200", option: "--aux"), .sample(.generic, count: 200))
        XCTAssertEqual(AuxiliarySource.sample(.distinct, count: 7).text, "distinct:7")
        for bad in ["generic:0", "generic:-3", "generic:x", "generic:"] {
            XCTAssertThrowsError(try AuxiliarySource(parsing: bad, option: "--aux")) {
                XCTAssert("\($0)".contains("--aux '\(bad)': generic:N takes a whole number N ≥ 1"), "\($0)")
            }
        }
        XCTAssertEqual(try AuxiliarySource(parsing: "faces:200", option: "--aux"), .path("faces:200"), "not a kind: a path")

        let lab = try Experiment(tinyConfig())
        let whole = try lab.auxiliarySet(.kind(.generic))
        let sample = try lab.auxiliarySet(.sample(.generic, count: 50))
        XCTAssertEqual(sample.count, 50)
        XCTAssertEqual(try lab.auxiliarySet(.kind(.generic)).count, whole.count, "the whole set stays whole")
        let rows = { (set: ImageSet) in (0..<set.count).map { set.image($0) } }
        XCTAssert(Set(rows(sample)).isSubset(of: Set(rows(whole))), "the sample's images come from the whole set")
        XCTAssertNotEqual(rows(sample), Array(rows(whole).prefix(50)), "a spread-out choice, not the first people")
        XCTAssertEqual(rows(try Experiment(tinyConfig()).auxiliarySet(.sample(.generic, count: 50))), rows(sample), "the same every run")
        XCTAssertThrowsError(try lab.auxiliarySet(.sample(.generic, count: whole.count + 1))) {
            XCTAssert("\($0)".contains("asks for \(whole.count + 1) images; 'generic' has \(whole.count)"), "\($0)")
        }
        var config = tinyConfig()
        config.attack.auxiliary = .sample(.generic, count: 30)
        let data = try JSONEncoder().encode(config)
        XCTAssertEqual(try JSONDecoder().decode(ExperimentConfig.self, from: data).attack.auxiliary, .sample(.generic, count: 30))
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
