import Foundation
import Lab
import XCTest

/// The Rényi accountant against Opacus's `RDPAccountant` for the same settings (Fixtures/opacus_rdp.json, written
/// by scripts/make_privacy_fixtures.py).
final class PrivacyAccountantTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Budget: Decodable {
            let noise: Double
            let sample_rate: Double
            let steps: Int
            let delta: Double
            let epsilon: Double
            let order: Double
        }
        struct Noise: Decodable {
            let epsilon: Double
            let sample_rate: Double
            let steps: Int
            let delta: Double
            let noise: Double
        }
        let budgets: [Budget]
        let noises: [Noise]
    }

    private func fixture() throws -> Fixture {
        let file = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/opacus_rdp", withExtension: "json"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: file))
    }

    func testEpsilonMatchesOpacus() throws {
        let budgets = try fixture().budgets
        XCTAssertGreaterThanOrEqual(budgets.count, 6)
        for expected in budgets {
            let budget = try RenyiAccountant.budget(noise: expected.noise, sampleRate: expected.sample_rate,
                                                    steps: expected.steps, delta: expected.delta)
            let setting = "sigma \(expected.noise), q \(expected.sample_rate), \(expected.steps) steps"
            XCTAssertEqual(budget.epsilon, expected.epsilon, accuracy: 0.01 * expected.epsilon, setting)
            XCTAssertEqual(budget.order, expected.order, accuracy: 1e-9, setting)
        }
    }

    func testNoiseForATargetEpsilonMatchesOpacus() throws {
        for expected in try fixture().noises {
            let noise = try RenyiAccountant.noise(forEpsilon: expected.epsilon, sampleRate: expected.sample_rate,
                                                  steps: expected.steps, delta: expected.delta)
            XCTAssertEqual(noise, expected.noise, accuracy: 0.01 * expected.noise, "epsilon \(expected.epsilon)")
            let reached = try RenyiAccountant.budget(noise: noise, sampleRate: expected.sample_rate,
                                                     steps: expected.steps, delta: expected.delta).epsilon
            XCTAssertLessThanOrEqual(reached, expected.epsilon)
        }
    }

    /// More noise, fewer steps or a smaller sample can only spend less.
    func testEpsilonFallsWithNoiseAndGrowsWithStepsAndRate() throws {
        let base = try RenyiAccountant.budget(noise: 1, sampleRate: 0.1, steps: 100, delta: 1e-5).epsilon
        XCTAssertLessThan(try RenyiAccountant.budget(noise: 2, sampleRate: 0.1, steps: 100, delta: 1e-5).epsilon, base)
        XCTAssertGreaterThan(try RenyiAccountant.budget(noise: 1, sampleRate: 0.1, steps: 400, delta: 1e-5).epsilon, base)
        XCTAssertGreaterThan(try RenyiAccountant.budget(noise: 1, sampleRate: 0.3, steps: 100, delta: 1e-5).epsilon, base)
    }

    func testSettingsOutOfRangeNameTheOption() {
        let cases: [(String, () throws -> PrivacyBudget)] = [
            ("--noise", { try RenyiAccountant.budget(noise: 0, sampleRate: 0.1, steps: 10, delta: 1e-5) }),
            ("--sample-rate", { try RenyiAccountant.budget(noise: 1, sampleRate: 1.5, steps: 10, delta: 1e-5) }),
            ("--steps", { try RenyiAccountant.budget(noise: 1, sampleRate: 0.1, steps: 0, delta: 1e-5) }),
            ("--delta", { try RenyiAccountant.budget(noise: 1, sampleRate: 0.1, steps: 10, delta: 1) }),
        ]
        for (option, call) in cases {
            XCTAssertThrowsError(try call(), option) { error in
                XCTAssertTrue("\(error)".hasPrefix(option), "\(error)")
            }
        }
    }
}
