import Datasets
import Foundation
import Lab
import XCTest

/// A session trains on its own thread and takes commands between steps.
final class LabSessionTests: XCTestCase {
    private func tinyConfig() -> ExperimentConfig {
        var config = LabTests.tinyConfig()
        config.attack.victimRelease = .topK(3)
        return config
    }

    func testTrainsRendersVictimsAndReusesModels() throws {
        let session = try LabSession(tinyConfig(), victimCount: 4)
        defer { session.cancel() }
        XCTAssertEqual(session.waitUntilSettled(timeout: 120), .ready)
        let events = session.takeEvents()
        XCTAssert(events.contains { if case .classifierEpoch(2, _, _, _) = $0 { true } else { false } })
        XCTAssert(events.contains { if case .inversionEpoch(2, _, _, _, _) = $0 { true } else { false } })
        let first = try XCTUnwrap(session.currentVictims)
        XCTAssertEqual(first.policy, .topK(3))
        XCTAssertEqual(first.reconstructions.shape, [4, 1, 32, 32])
        for row in 0..<4 { XCTAssertEqual((0..<6).filter { first.vectors[row * 6 + $0] > 0 }.count, 3) }

        // Changing the victims' k re-renders without training (the unaligned model is reused).
        var unaligned = session.currentAttack
        unaligned.trainingRelease = .fixed(.full)
        session.changeAttack(unaligned)
        session.waitUntilSettled(timeout: 120)
        _ = session.takeEvents()
        unaligned.victimRelease = .topK(1)
        session.changeAttack(unaligned)
        XCTAssertEqual(session.waitUntilSettled(timeout: 60), .ready)
        XCTAssertFalse(session.takeEvents().contains { if case .step = $0 { true } else { false } }, "no training for a new victim k")
        let second = try XCTUnwrap(session.currentVictims)
        XCTAssertEqual(second.policy, .topK(1))
        for row in 0..<4 { XCTAssertEqual((0..<6).filter { second.vectors[row * 6 + $0] > 0 }.count, 1) }
    }

    func testPauseHoldsTrainingAndCancelEndsIt() throws {
        var config = tinyConfig()
        config.epochsClassifier = 200
        let session = try LabSession(config)
        // Wait for training to start, then pause.
        let deadline = Date().addingTimeInterval(60)
        while session.currentState != .training && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        session.pause()
        XCTAssertEqual(session.waitUntilSettled(timeout: 0.5), .paused)
        _ = session.takeEvents()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssert(session.takeEvents().isEmpty, "no steps while paused")
        session.resume()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertFalse(session.takeEvents().isEmpty, "steps again after resuming")
        session.cancel()
        XCTAssertEqual(session.waitUntilSettled(timeout: 30), .cancelled)
    }

    func testVictimsAppearWhileTheInversionModelTrains() throws {
        var config = tinyConfig()
        config.epochsInversion = 300
        let session = try LabSession(config, victimCount: 2)
        defer { session.cancel() }
        let deadline = Date().addingTimeInterval(120)
        var sawEpoch = false
        while !sawEpoch && Date() < deadline {
            sawEpoch = session.takeEvents().contains { if case .inversionEpoch = $0 { true } else { false } }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssert(sawEpoch)
        XCTAssertEqual(session.currentState, .training)
        XCTAssertEqual(try XCTUnwrap(session.currentVictims).reconstructions.shape, [2, 1, 32, 32])
        // A new victim k re-renders during training, without waiting for it to end.
        var release = session.currentAttack
        release.victimRelease = .topK(1)
        session.changeAttack(release)
        let rerendered = Date().addingTimeInterval(60)
        while session.currentVictims?.policy != .topK(1) && Date() < rerendered { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(session.currentVictims?.policy, .topK(1))
        XCTAssertEqual(session.currentState, .training)
    }
}
