import Datasets
import XCTest

/// The embedded synthetic faces and patterns.
final class SyntheticDataTests: XCTestCase {
    func testFacesAreLabelledSizedAndReproducible() {
        let faces = SyntheticFaces.generate(identities: 5, imagesPerIdentity: 4, size: 32, seed: 3, frontalIdentities: 2)
        XCTAssertEqual(faces.count, 20)
        XCTAssertEqual([faces.height, faces.width], [32, 32])
        XCTAssertEqual(faces.labels, (0..<20).map { $0 / 4 })
        XCTAssertEqual(faces.classNames?.count, 5)
        XCTAssertEqual(faces.attributes["yaw"]?.count, 20)
        XCTAssertEqual(SyntheticFaces.generate(identities: 5, imagesPerIdentity: 4, size: 32, seed: 3, frontalIdentities: 2).pixels,
                       faces.pixels)
        XCTAssertNotEqual(SyntheticFaces.generate(identities: 5, imagesPerIdentity: 4, size: 32, seed: 4).pixels, faces.pixels)
        // Faces are drawn, not blank: every image spans a good part of the grey range.
        for index in 0..<faces.count {
            let image = faces.image(index)
            XCTAssertGreaterThan(Int(image.max()!) - Int(image.min()!), 100)
        }
    }

    func testFrontalPeopleFaceTheCameraAndOthersTurn() {
        let faces = SyntheticFaces.generate(identities: 10, imagesPerIdentity: 20, size: 32, seed: 5, frontalIdentities: 5)
        let yaw = faces.attributes["yaw"]!
        XCTAssert(yaw.prefix(100).allSatisfy { abs($0) <= 0.2 })
        XCTAssertGreaterThan(yaw.suffix(100).filter { abs($0) > 0.5 }.count, 25)
    }

    /// Photos of one person look more like each other than like other people: a nearest-neighbour match on raw
    /// pixels finds the right person far above chance (10%).
    func testPhotosOfOnePersonResembleEachOther() {
        let faces = SyntheticFaces.generate(identities: 10, imagesPerIdentity: 8, size: 32, seed: 6, frontalIdentities: 10)
        let labels = faces.labels!
        var correct = 0
        for query in 0..<faces.count {
            var best = (distance: Int.max, label: -1)
            for candidate in 0..<faces.count where candidate != query {
                let distance = zip(faces.image(query), faces.image(candidate)).reduce(0) { $0 + (Int($1.0) - Int($1.1)) * (Int($1.0) - Int($1.1)) }
                if distance < best.distance { best = (distance, labels[candidate]) }
            }
            if best.label == labels[query] { correct += 1 }
        }
        XCTAssertGreaterThan(Double(correct) / Double(faces.count), 0.6)
    }

    func testPatternsCycleThroughTheirKinds() {
        let patterns = SyntheticPatterns.generate(count: 12, size: 64, seed: 1)
        XCTAssertEqual(patterns.count, 12)
        XCTAssertEqual(patterns.labels, (0..<12).map { $0 % SyntheticPatterns.kinds.count })
        XCTAssertEqual(patterns.classNames, SyntheticPatterns.kinds)
        XCTAssertNotEqual(Array(patterns.image(0)), Array(patterns.image(6)))
    }
}
