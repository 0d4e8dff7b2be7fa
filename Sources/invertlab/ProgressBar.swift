import Foundation
import Lab

/// A one-line progress bar on standard error: stage, bar, step rate and time left, redrawn in place.
final class ProgressBar {
    private let quiet: Bool
    private let started = Date()
    private var stageStarted = Date()
    private var lastDraw = Date.distantPast
    private var stepsDone = 0

    init(quiet: Bool) { self.quiet = quiet }

    /// Draws what `event` says; epoch summaries are printed on their own lines.
    func show(_ event: LabEvent) {
        guard !quiet else { return }
        switch event {
        case .stage(let text):
            finishLine()
            stageStarted = Date()
            stepsDone = 0
            write("\(text)\n")
        case let .step(model, epoch, epochs, step, steps, loss):
            let total = epochs * steps
            let done = (epoch - 1) * steps + step
            // An optimisation attack reports every few iterations (and its GAN or students every step), each event
            // carrying where it is.
            stepsDone = model == .attack ? done : stepsDone + 1
            guard Date().timeIntervalSince(lastDraw) > 0.1 || step == steps else { return }
            lastDraw = Date()
            let elapsed = Date().timeIntervalSince(stageStarted)
            let rate = Double(stepsDone) / max(elapsed, 1e-3)
            let left = Double(total - done) / max(rate, 1e-6)
            let width = 24
            let filled = width * done / max(total, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let position = model == .attack && epochs == 1 ? "iteration \(step)/\(steps)" : "epoch \(epoch)/\(epochs)"
            write(String(format: "\r%@ %@ %@  loss %.4f  %.1f steps/s  %@ left   ", model.rawValue, bar, position, loss, rate,
                         ProgressBar.duration(left)))
        case let .classifierEpoch(epoch, loss, train, test):
            finishLine()
            write(String(format: "classifier epoch %d: loss %.4f, accuracy %.1f%% train, %.1f%% test\n", epoch, loss,
                         100 * train, 100 * test))
        case let .inversionEpoch(epoch, loss, heldOut, train, test):
            finishLine()
            write(String(format: "inversion epoch %d: auxiliary MSE %.4f (held out %.4f), victim MSE %.4f train, %.4f test\n",
                         epoch, loss, heldOut, train, test))
        }
    }

    private var lineOpen = false

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
        lineOpen = !text.hasSuffix("\n")
    }

    private func finishLine() { if lineOpen { write("\n") } }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole)s"
    }
}
