import Datasets
import Foundation
import Lab
import NeuralNet
import XCTest

/// The session's flows: sweeps that replace each other, saving what is shown, cancelling within a batch, and
/// class inference by a top-1 decoder.
final class SessionFlowTests: XCTestCase {
    private let output = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-flow-\(UUID().uuidString)")

    override func tearDown() {
        try? FileManager.default.removeItem(at: output)
    }

    func testANewSweepReplacesOneStillRunning() throws {
        let session = try LabSession(tinyConfig(), victimCount: 3)
        defer { session.cancel() }
        XCTAssertEqual(session.waitUntilSettled(timeout: 120), .ready)
        // Training like the victims: each row trains its own model, so the first sweep is still running when the
        // others are asked for (pressing w, w, w).
        let policies: [ReleasePolicy] = [.topK(1), .topK(2), .topK(4), .full]
        for _ in 0..<3 { session.sweep(policies) }
        XCTAssertEqual(session.waitUntilSettled(timeout: 300), .ready)
        XCTAssertEqual(session.currentSweep.map(\.policy), policies, "one sweep's rows, not several mixed")
        XCTAssertEqual(session.currentSweep.map(\.trainingPolicy), policies)
    }

    func testSavingWritesTheSettingsInForceAndEveryEpoch() throws {
        let session = try LabSession(tinyConfig(), victimCount: 3)
        defer { session.cancel() }
        XCTAssertEqual(session.waitUntilSettled(timeout: 120), .ready)
        let live = AttackSettings(auxiliary: .kind(.distinct), victimRelease: .topK(3), trainingRelease: .fixed(.full))
        session.changeAttack(live)
        session.save(to: output)
        XCTAssertEqual(session.waitUntilSettled(timeout: 300), .ready)
        XCTAssert(session.takeEvents().contains { if case .stage(let text) = $0 { text.hasPrefix("saved the run folder") } else { false } })

        let saved = try ExperimentConfig.load(preset: output.appendingPathComponent("config.json"))
        XCTAssertEqual(saved.attack, live, "config.json describes the inversion model saved beside it")
        var expected = tinyConfig()
        expected.attack = live
        XCTAssertEqual(saved, expected)
        let metrics = try String(contentsOf: output.appendingPathComponent("metrics.csv"), encoding: .utf8)
        let rows = metrics.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.filter { $0.hasPrefix("classifier,") }.count, 2, metrics)
        XCTAssertEqual(rows.filter { $0.hasPrefix("inversion,") }.count, 2, metrics)

        // The saved inversion model is the one shown: loaded again, it reconstructs the victims as the session did.
        let lab = try Experiment(saved, classifierFile: output.appendingPathComponent("classifier.safetensors"))
        try lab.adoptInversion(from: output.appendingPathComponent("inversion.safetensors"), auxiliary: live.auxiliary,
                               trainingPolicy: live.trainingPolicy)
        let errors = try lab.victimErrors(of: try lab.inversion(for: live), policy: live.victimRelease)
        XCTAssertEqual(errors.test, try XCTUnwrap(session.currentVictims?.mse).test, accuracy: 1e-6)
    }

    func testSavingFromASessionWritesWhatRunWrites() throws {
        var config = tinyConfig()
        config.attack.victimRelease = .topK(2)
        let runFolder = try RunFolder(output.appendingPathComponent("run"))
        _ = try RunFlow.run(config, classifierFile: nil, jointWeight: nil, folder: runFolder, observe: { _ in })
        let session = try LabSession(config, victimCount: 3)
        defer { session.cancel() }
        let saved = output.appendingPathComponent("session")
        session.save(to: saved)
        XCTAssertEqual(session.waitUntilSettled(timeout: 300), .ready)
        let files = { (folder: URL) in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }
        XCTAssertEqual(try files(saved), try files(runFolder.url))
        XCTAssertEqual(try files(saved), ["class_inference.png", "classifier.safetensors", "config.json", "evaluator.safetensors", "inversion.safetensors",
                                          "metrics.csv", "reconstructions_test.png", "reconstructions_train.png", "state.json"])
        XCTAssertEqual(try Data(contentsOf: saved.appendingPathComponent("config.json")),
                       try Data(contentsOf: runFolder.file("config.json")))
        let header = { (folder: URL) in
            try String(contentsOf: folder.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: ",").prefix(2).joined(separator: ",") }
        }
        XCTAssertEqual(try header(saved), try header(runFolder.url), "the same epochs of the same models")
    }

    func testCancelAnswersWithinASecondWhileTheServiceIsQueried() throws {
        // A wide classifier and many auxiliary images: the attacker's query alone takes many seconds.
        var config = ExperimentConfig()
        config.privateClasses = 10
        config.width = 96
        config.epochsClassifier = 0
        config.epochsInversion = 1
        config.syntheticPhotos = 40
        let session = try LabSession(config)
        let deadline = Date().addingTimeInterval(120)
        var querying = false
        while !querying && Date() < deadline {
            querying = session.takeEvents().contains { if case .stage(let text) = $0 { text.hasPrefix("querying") } else { false } }
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssert(querying)
        Thread.sleep(forTimeInterval: 0.2)
        let started = Date()
        session.cancel(waitingUpTo: 30)
        XCTAssertLessThan(Date().timeIntervalSince(started), testSlowdown, "cancel waits for one batch, not the whole query")
        XCTAssertEqual(session.currentState, .cancelled)
    }

    /// Decoding one-hot vectors with a decoder trained on full vectors hit 2 of these 6 classes; the top-1 decoder
    /// hits all 6, each by a wide margin.
    func testClassInferenceDecodesEachClassTowardsItsOwnMeanFace() throws {
        var config = ExperimentConfig()
        config.privateClasses = 6
        config.width = 16
        config.epochsClassifier = 15
        config.epochsInversion = 10
        config.syntheticPhotos = 20
        // About 80 private training images: small batches, so the classifier gets enough steps to learn them.
        config.batch = 16
        let lab = try Experiment(config)
        try lab.trainClassifier()
        let images = try lab.classInference(auxiliary: .kind(.generic))
        XCTAssertEqual(images.shape, [6, 1, 32, 32])
        XCTAssert(try lab.inversion(auxiliary: .kind(.generic), trainingPolicy: .topK(1)).infersClasses)

        // Each class's mean private image.
        let train = lab.split.classifierTrain
        let pixels = 32 * 32
        var means = [[Double]](repeating: [Double](repeating: 0, count: pixels), count: 6)
        var counts = [Int](repeating: 0, count: 6)
        for index in 0..<train.count {
            let label = train.labels![index]
            counts[label] += 1
            for (pixel, value) in train.image(index).enumerated() { means[label][pixel] += Double(value) / 255 }
        }
        for label in 0..<6 { means[label] = means[label].map { $0 / Double(max(counts[label], 1)) } }
        for label in 0..<6 {
            let image = images.sample(label).map(Double.init)
            let distances = means.map { mean in zip(image, mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            XCTAssertEqual(distances.indices.min { distances[$0] < distances[$1] }, label,
                           "class \(label)'s image is nearest to mean \(distances)")
        }

        // A decoder trained on full vectors has never seen a one-hot input: it is not asked.
        let full = try lab.inversion(auxiliary: .kind(.generic), trainingPolicy: .full)
        XCTAssertThrowsError(try full.reconstruct(classes: [0], context: try lab.context(auxiliary: .kind(.generic)))) {
            XCTAssert("\($0)".contains("class inference needs an inversion model trained on top-1 vectors"), "\($0)")
        }
    }
}
