import Foundation
import NeuralNet
import TensorFiles
import XCTest
@testable import Lab

/// A comparison stopped part way and resumed from its journal ends with the rows an unbroken one measures, without
/// measuring the kept rows or training the kept GAN again; a journal file of the wrong shape is refused by name.
final class ComparisonJournalTests: XCTestCase {
    private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-journal-\(UUID().uuidString)")
    private let attacks: [ComparedAttack] = [.trainingBased(aligned: true), .gmi(.gmi), .gmi(.gmiAug), .baseline(.mean)]

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    private struct Stopped: Error {}

    /// One comparison of `attacks` on the tiny target; `stopAt` interrupts it as that attack starts. Returns the
    /// rows, the attacks started and the stages announced.
    private func compare(journal: ComparisonJournal?, stopAt: String? = nil) throws -> (rows: [ComparisonRow], started: [String], stages: [String]) {
        var gmi = GMIAttack.Settings()
        gmi.iterations = 4
        gmi.restarts = 1
        gmi.priorEpochs = 1
        gmi.augmentationEpochs = 1
        var fredrikson = FredriksonAttack.Settings()
        fredrikson.iterations = 4
        var started: [String] = [], stages: [String] = []
        var stopping = false
        let outcome = try AttackComparison.measure(
            tinyConfig(), attacks: attacks, classes: [0, 1], classifierFile: nil, fredrikson: fredrikson, gmi: gmi, journal: journal,
            observe: { if case .stage(let text) = $0 { stages.append(text) } },
            checkpoint: { if stopping { throw Stopped() } },
            progress: { attack in
                started.append(attack.name)
                stopping = attack.name == stopAt
            })
        return (outcome.rows, started, stages)
    }

    func testAResumedComparisonMeasuresOnlyWhatWasLeft() throws {
        let unbroken = try compare(journal: nil)
        let journal = ComparisonJournal(folder: folder)
        XCTAssertThrowsError(try compare(journal: journal, stopAt: "gmi-aug")) { XCTAssert($0 is Stopped, "\($0)") }
        let resumed = try compare(journal: journal)
        XCTAssertEqual(resumed.started, ["gmi-aug", "baseline-mean"], "the rows kept are read back, not measured")
        XCTAssertFalse(resumed.stages.contains { $0.contains("training the GAN") }, "the kept GAN is reused: \(resumed.stages)")
        XCTAssert(resumed.stages.contains { $0.contains("distilling") }, "the students were never kept, so they train: \(resumed.stages)")
        XCTAssertEqual(resumed.rows.map(\.attack), attacks.map(\.name))
        // The same models give the same figures, up to the order of the threads' sums in the searches.
        for (row, expected) in zip(resumed.rows, unbroken.rows) {
            XCTAssertEqual(row.accuracyTop1, expected.accuracyTop1, row.attack)
            XCTAssertEqual(row.accuracyTop5, expected.accuracyTop5, row.attack)
            XCTAssertEqual(row.mse, expected.mse, accuracy: 1e-3 * expected.mse, row.attack)
        }
        // The augmented row counts the kept GAN's training time, as in an unbroken comparison.
        let trained = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("trained.json"))) as? [String: Double]
        XCTAssertGreaterThanOrEqual(resumed.rows[2].seconds, try XCTUnwrap(trained?["gan_seconds"]))
    }

    func testAKeptRowOfTheWrongShapeIsRefusedByName() throws {
        let journal = ComparisonJournal(folder: folder)
        let row = ComparisonRow(attack: "aligned", needs: "released vectors, public data", accuracyTop1: 0.5, accuracyTop5: 1,
                                knnDistance: nil, mse: 0.01, seconds: 3)
        try journal.record(row, images: Tensor(zeros: [3, 1, 32, 32]))
        XCTAssertNotNil(try journal.finishedRow(.trainingBased(aligned: true), classes: 3, shape: [1, 32, 32]))
        XCTAssertNil(try journal.finishedRow(.trainingBased(aligned: false), classes: 3, shape: [1, 32, 32]), "never measured")
        XCTAssertThrowsError(try journal.finishedRow(.trainingBased(aligned: true), classes: 2, shape: [1, 32, 32])) { error in
            XCTAssert("\(error)".contains("aligned.npy") && "\(error)".contains("has shape [3, 1, 32, 32]"), "\(error)")
        }
        try Data("{\"attack\": \"aligned\"}".utf8).write(to: folder.appendingPathComponent("aligned.json"))
        XCTAssertThrowsError(try journal.finishedRow(.trainingBased(aligned: true), classes: 3, shape: [1, 32, 32])) { error in
            XCTAssert("\(error)".contains("aligned.json") && "\(error)".contains("is not a row of the comparison"), "\(error)")
        }
    }
}
