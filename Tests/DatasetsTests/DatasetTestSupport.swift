import Datasets
import Foundation
import XCTest

/// A fresh folder under the system's temporary folder, removed by `tearDown`.
class TemporaryFolderTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func file(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// Asserts that `body` throws an error whose message contains every fragment.
    func assertFails(_ fragments: [String], line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), line: line) { error in
            for fragment in fragments {
                XCTAssert("\(error)".contains(fragment), "'\(fragment)' missing from: \(error)", line: line)
            }
        }
    }
}

enum DatasetFixtures {
    /// A committed fixture, made by scripts/make_dataset_fixtures.py.
    static func url(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent(name)
    }

    /// The ORL faces beside the checkout (../shared/datasets/orl_faces), or a skip where they are absent.
    static func orl() throws -> URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let orl = root.deletingLastPathComponent().appendingPathComponent("shared/datasets/orl_faces")
        guard FileManager.default.fileExists(atPath: orl.path) else { throw XCTSkip("ORL faces not found at \(orl.path)") }
        return orl
    }
}
