import Datasets
import Foundation
import Lab
import NeuralNet
import XCTest

/// The service's query budget and its monitor of query streams.
final class QueryMonitorTests: XCTestCase {
    private func service() -> (ReleaseAPI, ImageSet) {
        var rng = RandomGenerator(seed: 2)
        let model = PaperModels.classifier(imageSize: 32, classes: 3, width: 2, rng: &rng)
        return (ReleaseAPI(classifier: model, classes: 3, seed: 1),
                SyntheticFaces.generate(identities: 3, imagesPerIdentity: 4, size: 32, seed: 1))
    }

    func testTheBudgetRefusesTheAttackerPastItWithAClearMessage() throws {
        let (api, faces) = service()
        api.budget = 5
        _ = try api.query(faces, [0, 1, 2], policy: .full, from: .attacker)
        XCTAssertThrowsError(try api.query(faces, [3, 4, 5], policy: .full, from: .attacker)) { error in
            XCTAssertEqual("\(error)", "the service refused the attacker's 3 queries: each client may send 5 (query budget) and it has sent 3")
        }
        XCTAssertEqual(api.attackerQueries, 3, "a refused request is not answered, nor counted")
        _ = try api.query(faces, [3, 4], policy: .full, from: .attacker)
        _ = try api.query(faces, Array(0..<12), policy: .full, from: .victims)
        XCTAssertEqual(api.queries, 17)
    }

    /// Calibrated on confidences 0.50, 0.51, ..., 0.99: the median is 0.75, and 24 unusual queries of the last 32
    /// flag a client.
    func testTheMonitorFlagsAStreamOfUnusualQueriesAndNotAnOrdinaryOne() {
        let monitor = QueryMonitor(reference: (50..<100).map { Float($0) / 100 })
        XCTAssertEqual(monitor.threshold, 0.75)
        XCTAssertEqual(monitor.alarmCount, 24)
        // Half below the median, as new photos of known people would be.
        let ordinary = (0..<200).map { $0 % 2 == 0 ? Float(0.6) : Float(0.9) }
        XCTAssertNil(monitor.queriesUntilFlagged(ordinary))
        let attack = (0..<200).map { $0 % 4 == 0 ? Float(0.9) : Float(0.3) }
        // Three in four are unusual: the 24th of them arrives with the 32nd query.
        XCTAssertEqual(monitor.queriesUntilFlagged(attack), 32)
        let mixed = ordinary.prefix(96) + attack.prefix(64)
        XCTAssertEqual(monitor.flaggedClients(Array(mixed), clientQueries: 32).flagged, 2)
        XCTAssertEqual(monitor.flaggedClients(Array(mixed), clientQueries: 32).clients, 5)
    }

    /// An untrained service answers everything with low confidence: against a confident reference, the monitor in
    /// the API flags the attacker once enough of its queries arrived, and never looks at the victims' queries.
    func testTheServiceWatchesTheAttackersStream() throws {
        let (api, faces) = service()
        api.monitor = QueryMonitor(reference: [0.9, 0.95, 0.99], window: 4, alarmShare: 0.5)
        _ = try api.query(faces, Array(0..<12), policy: .full, from: .victims)
        XCTAssertNil(api.attackerFlaggedAfter)
        _ = try api.query(faces, [0], policy: .full, from: .attacker)
        XCTAssertNil(api.attackerFlaggedAfter)
        _ = try api.query(faces, [1, 2, 3], policy: .full, from: .attacker)
        XCTAssertEqual(api.attackerFlaggedAfter, 2)
    }
}

/// The monitor against the shipped targets: the attacker's background knowledge is flagged far more often than
/// ordinary users asking about new photos of the people the service knows.
final class ShippedTargetMonitorTests: XCTestCase {
    func testTheAttackersStreamIsFlaggedMoreOftenThanOrdinaryUsers() throws {
        for preset in ["classroom-faces", "orl"] {
            let config = try ExperimentConfig.preset(named: preset)
            let lab = try Experiment(config, classifierFile: try XCTUnwrap(config.shippedClassifier))
            try lab.startMonitoring()
            let auxiliary = try lab.auxiliarySet(config.attack.auxiliary)
            _ = try lab.api.query(auxiliary, Array(0..<auxiliary.count), policy: .full, from: .attacker)
            let report = try lab.monitorReport(auxiliary: config.attack.auxiliary)
            XCTAssertGreaterThan(report.detectionRate, report.falseAlarmRate + 0.3, "\(preset): \(report)")
            XCTAssertLessThanOrEqual(report.falseAlarmRate, 0.2, "\(preset): \(report)")
            XCTAssertNotNil(report.queriesUntilFlagged, "\(preset): \(report)")
        }
    }
}
