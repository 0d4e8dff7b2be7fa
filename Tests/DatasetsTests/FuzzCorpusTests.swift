import Foundation
import FuzzTargets
import TensorFiles
import XCTest

/// Every file of the committed fuzz corpus through its parser, as `make fuzz` starts: the seeds (valid files) must
/// load, and every input a fuzzer once crashed on (named `regression-*`) must now be refused with an error.
final class FuzzCorpusTests: XCTestCase {
    private let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    func testSeedsLoadAndFormerCrashesAreRefused() throws {
        let scratch = try FuzzTarget.scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for target in FuzzTarget.allCases {
            let folder = corpus.appendingPathComponent(target.rawValue)
            let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            XCTAssertFalse(files.isEmpty, "no seeds for \(target)")
            for file in files {
                let error = target.run([UInt8](try FileBytes.read(file)), scratch: scratch)
                if file.lastPathComponent.hasPrefix("regression-") {
                    XCTAssertNotNil(error, "\(target): \(file.lastPathComponent) was accepted")
                } else {
                    XCTAssertNil(error, "\(target): seed \(file.lastPathComponent) refused: \(error.map { "\($0)" } ?? "")")
                }
            }
        }
    }
}
