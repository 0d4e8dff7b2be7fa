import Foundation
import Lab
import Terminal

/// How long the workbench takes from a key to a screen that shows its effect, once an attacker's model exists:
/// k and K until the victims are drawn under the new release (with the model in hand; an aligned model then trains
/// in the background), a and t until the screen says what is training, v and w until the new view is drawn. Each
/// key is pressed `repeats` times, a 100 x 30 frame drawn as the workbench draws them.
public enum KeyLatency {
    /// The keys measured, in the order pressed.
    public static let keys: [Character] = ["k", "K", "a", "t", "v", "w"]

    /// Median and 95th percentile in milliseconds, per key.
    public struct Figures: Codable, Sendable {
        public let key: String
        public let medianMilliseconds: Double
        public let percentile95Milliseconds: Double

        enum CodingKeys: String, CodingKey {
            case key, medianMilliseconds = "p50_ms", percentile95Milliseconds = "p95_ms"
        }
    }

    /// Measures each key on a workbench over `config`, whose session must reach a first model within `timeout`.
    public static func measure(_ config: ExperimentConfig, repeats: Int, timeout: TimeInterval = 600) throws -> [Figures] {
        let launch = WorkbenchLaunch(config: config, presetName: "bench")
        let app = WorkbenchApp(launch: launch, session: try launch.startSession(), outputFolder: FileManager.default.temporaryDirectory)
        defer { app.session.cancel() }
        let ready = Date().addingTimeInterval(timeout)
        while app.session.currentVictims == nil {
            if case .failed(let reason) = app.session.currentState { throw ConfigurationError("the latency measurement's session failed: \(reason)") }
            guard Date() < ready else { throw ConfigurationError("no attacker's model within \(Int(timeout)) s to measure keys on") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try keys.map { key in
            var samples: [Double] = []
            for _ in 0..<repeats {
                let started = Date()
                _ = app.handle(.character(key))
                try waitForEffect(of: key, in: app, deadline: started.addingTimeInterval(timeout))
                samples.append(1000 * Date().timeIntervalSince(started))
                // Back to the dashboard after a view key, so the next press opens the view again.
                if key == "v" || key == "w" { _ = app.handle(.escape) }
            }
            samples.sort()
            return Figures(key: String(key), medianMilliseconds: samples[samples.count / 2],
                           percentile95Milliseconds: samples[min(samples.count - 1, Int((Double(samples.count) * 0.95).rounded(.up)) - 1)])
        }
    }

    /// Draws frames until one shows the effect of `key`.
    private static func waitForEffect(of key: Character, in app: WorkbenchApp, deadline: Date) throws {
        while true {
            app.absorbEvents()
            _ = app.frame(width: 100, height: 30, depth: .palette256)
            let releaseKey = key == "k" || key == "K"
            if !releaseKey || app.session.currentVictims?.policy == app.session.currentAttack.victimRelease { return }
            guard Date() < deadline else { throw ConfigurationError("key \(key) had no effect on the screen in time") }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }
}
