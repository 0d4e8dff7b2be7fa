import Datasets
import XCTest

/// The paper's splits and auxiliary sets.
final class SplitTests: XCTestCase {
    private let faces = SyntheticFaces.generate(identities: 10, imagesPerIdentity: 10, size: 32, seed: 1, frontalIdentities: 4)

    func testPrivateClassesSplitIntoDisjointTrainTestAndHeldOut() throws {
        let split = try PaperSplit(faces, privateClasses: 4, seed: 9)
        XCTAssertEqual(split.heldOut.count, 8)
        XCTAssertEqual(split.classifierTest.count, 8)
        XCTAssertEqual(split.classifierTrain.count, 24)
        XCTAssertEqual(split.generic?.count, 60)
        for part in [split.classifierTrain, split.classifierTest, split.heldOut] {
            XCTAssert(part.labels!.allSatisfy { (0..<4).contains($0) })
            XCTAssertEqual(Set(part.labels!).count, 4)
        }
        // No image is in two parts.
        let images = [split.classifierTrain, split.classifierTest, split.heldOut].flatMap { part in
            (0..<part.count).map { Array(part.image($0)) }
        }
        XCTAssertEqual(Set(images).count, 40)
        let again = try PaperSplit(faces, privateClasses: 4, seed: 9)
        XCTAssertEqual(again.classifierTest.pixels, split.classifierTest.pixels)
        XCTAssertNotEqual(try PaperSplit(faces, privateClasses: 4, seed: 10).classifierTest.pixels, split.classifierTest.pixels)
        XCTAssert(split.summary.contains("4 classes, 24 training and 8 test images"))
    }

    func testAuxiliarySets() throws {
        let patterns = SyntheticPatterns.generate(count: 30, size: 32, seed: 2)
        let split = try PaperSplit(faces, privateClasses: 4, seed: 9, distinct: patterns)
        XCTAssertEqual(try split.auxiliary(.same).count, 8)
        XCTAssertEqual(try split.auxiliary(.generic).count, 60)
        XCTAssertEqual(try split.auxiliary(.distinct).count, 30)
        XCTAssertEqual(try split.auxiliary(.augmented).count, 84)
        // Aligned keeps the generic people's photos that face the camera as the private people do.
        let aligned = try split.auxiliary(.aligned)
        XCTAssert(aligned.count > 0 && aligned.count < 60)
        XCTAssert(aligned.attributes["yaw"]!.allSatisfy { abs($0) <= 0.2 })
    }

    func testImpossibleSplitsAreExplained() throws {
        XCTAssertThrowsError(try PaperSplit(faces, privateClasses: 11, seed: 1)) { XCTAssert("\($0)".contains("10 classes; 11 private")) }
        XCTAssertThrowsError(try PaperSplit(faces, privateClasses: 1, seed: 1)) { XCTAssert("\($0)".contains("at least 2")) }
        let unlabelled = ImageSet(height: 32, width: 32, pixels: faces.pixels, origin: "unlabelled faces")
        XCTAssertThrowsError(try PaperSplit(unlabelled, privateClasses: 2, seed: 1)) { XCTAssert("\($0)".contains("no labels")) }
        let allPrivate = try PaperSplit(faces, privateClasses: 10, seed: 1)
        XCTAssertThrowsError(try allPrivate.auxiliary(.generic)) { XCTAssert("\($0)".contains("every class is private")) }
        XCTAssertThrowsError(try allPrivate.auxiliary(.distinct)) { XCTAssert("\($0)".contains("no distinct")) }
        let noPose = SyntheticPatterns.generate(count: 40, size: 32, seed: 3)
        let patternSplit = try PaperSplit(noPose, privateClasses: 3, seed: 1)
        XCTAssertThrowsError(try patternSplit.auxiliary(.aligned)) { XCTAssert("\($0)".contains("'yaw'")) }
    }
}
