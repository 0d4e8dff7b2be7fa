import Foundation
import Lab

/// What the workbench's drawing costs training: the same training measured headless and while frames are drawn at
/// the workbench's rate (15 a second), both polled as the workbench polls its session.
public enum DrawingOverhead {
    /// Training steps per second for `config`'s classifier, headless and with frames drawn, each over `seconds`.
    public static func measure(_ config: ExperimentConfig, seconds: Double) throws -> (headless: Double, drawing: Double) {
        (try stepsPerSecond(config, seconds: seconds, drawing: false), try stepsPerSecond(config, seconds: seconds, drawing: true))
    }

    private static func stepsPerSecond(_ config: ExperimentConfig, seconds: Double, drawing: Bool) throws -> Double {
        let launch = WorkbenchLaunch(config: config, presetName: "bench", retrain: true)
        let app = WorkbenchApp(launch: launch, session: try launch.startSession(),
                               outputFolder: FileManager.default.temporaryDirectory)
        defer { app.session.cancel() }
        var firstStep: Date?
        var lastStep = Date()
        var steps = 0
        var lastFrame = Date.distantPast
        while firstStep.map({ Date().timeIntervalSince($0) < seconds }) ?? true {
            // A session that stopped training before two steps were timed would leave nothing to wait for.
            let state = app.session.currentState
            if steps == 0, ![.preparing, .training, .paused].contains(state) {
                throw ConfigurationError("the workbench measurement's training ended before it could be timed (\(state))")
            }
            let events = app.session.takeEvents()
            // The classifier's and the attack's steps only: the evaluator that trains afterwards is not the workbench's load.
            let newSteps = events.filter { if case .step(let model, _, _, _, _, _) = $0 { model != .evaluator } else { false } }.count
            // An evaluator training before any step was seen means the classifier and the attack trained nothing.
            if firstStep == nil, newSteps == 0, events.contains(where: { if case .step(.evaluator, _, _, _, _, _) = $0 { true } else { false } }) {
                throw ConfigurationError("the workbench measurement's training ended before it could be timed (only the evaluator trains)")
            }
            for event in events { app.record.absorb(event) }
            if newSteps > 0 {
                // Timing starts at the first step seen, so loading and the first step's warm-up are left out.
                if firstStep == nil { firstStep = Date() } else { steps += newSteps }
                lastStep = Date()
            }
            if drawing && Date().timeIntervalSince(lastFrame) >= 0.066 {
                _ = app.frame(width: 120, height: 40, depth: .palette256)
                lastFrame = Date()
            }
            // The workbench waits this long for a key between polls.
            Thread.sleep(forTimeInterval: 0.03)
        }
        return Double(steps) / lastStep.timeIntervalSince(firstStep!)
    }
}
