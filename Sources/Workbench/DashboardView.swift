import Foundation
import Lab
import NeuralNet
import Terminal

extension WorkbenchApp {
    /// The whole screen for the current state.
    func frame(width: Int, height: Int, depth: ColourDepth) -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height)
        guard width >= 40, height >= 12 else {
            buffer.write("invertlab needs at least 40 x 12", x: 0, y: 0)
            return buffer
        }
        drawStatus(into: &buffer)
        // The tour's caption takes the line above the keys.
        let captionRows = tour == nil ? 0 : 1
        let body = Rect(x: 0, y: 2, width: width, height: height - 3 - captionRows)
        if let step = tour?.current {
            buffer.fill(Rect(x: 0, y: height - 2, width: width, height: 1), style: Style(background: 24))
            buffer.write(" " + step.caption, x: 0, y: height - 2, style: Style(foreground: 231, background: 24, bold: true), limit: width)
        }
        switch view {
        case .dashboard: drawDashboard(into: &buffer, at: body, depth: depth)
        case .victim: drawVictim(into: &buffer, at: body, depth: depth)
        case .sweep: drawSweep(into: &buffer, at: body, depth: depth)
        case .classInference: drawClassInference(into: &buffer, at: body, depth: depth)
        case .whiteBox: drawWhiteBox(into: &buffer, at: body, depth: depth)
        case .setup: drawSetup(into: &buffer, at: body)
        case .help: drawHelp(into: &buffer, at: body)
        }
        let keys: [(String, String)] = tour != nil && view != .setup
            ? [("Space", "Next"), ("⌫", "Back"), ("k", "Trunc"), ("a", "Aux"), ("t", "Align"), ("v", "Zoom"), ("w", "Sweep"),
               ("?", "Help"), ("q", "Quit")]
            : view == .setup
            ? [("↑↓", "Setting"), ("←→", "Change"), ("Enter", "Type"), ("r", "Apply"), ("Esc", "Back"), ("q", "Quit")]
            : view == .whiteBox
            ? [("g", "Next attack"), ("←→", "Identities"), ("Space", "Pause"), ("e", "PNG"), ("Esc", "Back"), ("?", "Help"), ("q", "Quit")]
            : [("Space", "Pause"), ("k", "Trunc"), ("a", "Aux"), ("t", "Align"), ("v", "Zoom"), ("w", "Sweep"), ("c", "Class"),
               ("g", "White-box"), ("o", "Setup"), ("s", "Save"), ("e", "PNG"), ("?", "Help"), ("q", "Quit")]
        KeyBar(keys).draw(into: &buffer, y: height - 1)
        return buffer
    }

    private func drawStatus(into buffer: inout CellBuffer) {
        let state = session.currentState
        var phase: String
        switch state {
        case .failed(let reason): phase = "failed: \(reason)"
        case .cancelled: phase = "cancelled"
        case .paused: phase = "paused · \(record.stage)"
        case .ready: phase = "ready · \(record.stage)"
        default: phase = record.stage
        }
        var line = "invertlab │ \(phase)"
        if let position = record.position, state == .training || state == .paused {
            line += " │ \(position.model.rawValue) epoch \(position.epoch)/\(position.epochs) step \(position.step)/\(position.steps)"
            if let rate = record.imagesPerSecond { line += String(format: " │ %.0f img/s", rate) }
            if let left = record.secondsLeft { line += " │ \(Int(left.rounded()))s left" }
        }
        buffer.write(line, x: 0, y: 0, style: Style(bold: true))
        let barWidth = max(0, buffer.width - 2)
        let filled = Int(Double(barWidth) * record.fractionDone)
        buffer.write(String(repeating: "█", count: filled), x: 0, y: 1, style: Style(foreground: 71))
        buffer.write(String(repeating: "·", count: barWidth - filled), x: filled, y: 1, style: Style(foreground: 240))
        if !message.isEmpty && (confirmingQuit || Date().timeIntervalSince(messageShownAt) < WorkbenchApp.messageSeconds) {
            let shown = String(message.prefix(buffer.width - 4))
            buffer.write(" " + shown + " ", x: max(0, buffer.width - shown.count - 3), y: 1, style: Style(foreground: 229, bold: true))
        }
    }

    /// Curves and the released vector on the left, the gallery of victims and reconstructions on the right, as large
    /// as the screen allows.
    private func drawDashboard(into buffer: inout CellBuffer, at rect: Rect, depth: ColourDepth) {
        let leftWidth = max(30, rect.width * 34 / 100)
        let vectorHeight = max(6, min(12, rect.height * 2 / 5))
        let chartsHeight = rect.height - vectorHeight
        // A loaded classifier has three lines to show; its curves' half goes to the inversion charts.
        let loaded = record.classifierLoss.isEmpty && launch.classifierToLoad != nil
        let classifierHeight = loaded ? min(5, chartsHeight / 2) : chartsHeight / 2
        drawClassifierCurves(into: &buffer, at: Rect(x: rect.x, y: rect.y, width: leftWidth, height: classifierHeight))
        drawInversionCurves(into: &buffer, at: Rect(x: rect.x, y: rect.y + classifierHeight, width: leftWidth,
                                                    height: chartsHeight - classifierHeight))
        let vectorPanel = Panel("What the attacker sees").draw(into: &buffer, at: Rect(x: rect.x, y: rect.y + chartsHeight, width: leftWidth,
                                                                              height: vectorHeight))
        let galleryRect = Rect(x: rect.x + leftWidth, y: rect.y, width: rect.width - leftWidth, height: rect.height)
        guard let victims = session.currentVictims else {
            let inside = Panel("Victims (top) and reconstructions").draw(into: &buffer, at: galleryRect)
            buffer.write("training the classifier; faces appear when the attacker's model exists", x: inside.x, y: inside.y,
                         limit: inside.x + inside.width)
            return
        }
        drawGallery(of: victims, into: &buffer, at: galleryRect, depth: depth)
        drawReleasedVector(of: victims, into: &buffer, at: vectorPanel)
    }

    /// Small multiples, each with its own axis: the loss (log scale where it spans decades) over the test accuracy,
    /// or, for a loaded classifier, its measured accuracy.
    private func drawClassifierCurves(into buffer: inout CellBuffer, at rect: Rect) {
        let defence = session.config.defence
        let inside = Panel(defence == .none ? "Classifier" : "Classifier · \(defence.text)").draw(into: &buffer, at: rect)
        if record.classifierLoss.isEmpty, let file = launch.classifierToLoad {
            buffer.write("loaded, not trained here:", x: inside.x, y: inside.y, style: Style(bold: true), limit: inside.x + inside.width)
            buffer.write(file.lastPathComponent, x: inside.x, y: inside.y + 1, limit: inside.x + inside.width)
            if let accuracy = session.loadedClassifierAccuracy {
                buffer.write(String(format: "accuracy %.1f%% train, %.1f%% test", accuracy.train * 100, accuracy.test * 100),
                             x: inside.x, y: inside.y + 2, style: Style(foreground: 114), limit: inside.x + inside.width)
            }
            return
        }
        drawSmallMultiples([BrailleChart(title: "loss", series: [.init(name: "loss", values: record.classifierLoss, colour: 209)],
                                         logScale: true),
                            BrailleChart(title: "test accuracy",
                                         series: [.init(name: "test", values: record.testAccuracy, colour: 81)])],
                           into: &buffer, at: inside)
    }

    /// Small multiples: the victims' test MSE (what the attack achieves) over the auxiliary training MSE.
    private func drawInversionCurves(into buffer: inout CellBuffer, at rect: Rect) {
        let inside = Panel("Inversion").draw(into: &buffer, at: rect)
        drawSmallMultiples([BrailleChart(title: "victim test MSE",
                                         series: [.init(name: "victim test", values: record.victimTestMSE, colour: 81)]),
                            BrailleChart(title: "auxiliary MSE", series: [.init(name: "aux", values: record.inversionLoss, colour: 209)],
                                         logScale: true)],
                           into: &buffer, at: inside)
    }

    /// Charts one above the other, each at least three rows; those that do not fit are left out, the first kept.
    func drawSmallMultiples(_ charts: [BrailleChart], into buffer: inout CellBuffer, at rect: Rect) {
        let shown = max(1, min(charts.count, rect.height / 3))
        for (index, chart) in charts.prefix(shown).enumerated() {
            let top = rect.y + index * rect.height / shown
            chart.draw(into: &buffer, at: Rect(x: rect.x, y: top, width: rect.width, height: rect.y + (index + 1) * rect.height / shown - top))
        }
    }

    /// The selected victim's released vector as bars, largest first, as many as fit.
    func drawReleasedVector(of victims: LabSession.Victims, into buffer: inout CellBuffer, at rect: Rect) {
        let classes = victims.vectors.shape[1]
        let row = min(selectedVictim, victims.truths.count - 1)
        let values = (0..<classes).map { Double(victims.vectors[row * classes + $0]) }
        let shown = values.indices.sorted { values[$0] > values[$1] }.prefix(max(1, rect.height - 1))
        let names = victims.truths.classNames
        let label = victims.truths.labels?[row] ?? 0
        BarList(title: "victim \(row + 1) (\(names?[label] ?? "class \(label)"))",
                entries: shown.map { (names?[$0] ?? "class \($0)", values[$0]) }).draw(into: &buffer, at: rect)
    }
}

extension LabSession.Victims {
    /// Victim `index`'s true image, pixels in [0, 1].
    func truthPixels(_ index: Int) -> [Float] { truths.image(index).map { Float($0) / 255 } }
}
