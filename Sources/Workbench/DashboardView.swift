import Foundation
import Lab
import NeuralNet
import Terminal

extension WorkbenchApp {
    /// The whole screen for the current state.
    func frame(width: Int, height: Int, colourful: Bool) -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height)
        guard width >= 40, height >= 12 else {
            buffer.write("invertlab needs at least 40 x 12", x: 0, y: 0)
            return buffer
        }
        drawStatus(into: &buffer)
        let body = Rect(x: 0, y: 2, width: width, height: height - 3)
        switch view {
        case .dashboard: drawDashboard(into: &buffer, at: body, colourful: colourful)
        case .victim: drawVictim(into: &buffer, at: body, colourful: colourful)
        case .sweep: drawSweep(into: &buffer, at: body, colourful: colourful)
        case .classInference: drawClassInference(into: &buffer, at: body, colourful: colourful)
        case .setup: drawSetup(into: &buffer, at: body)
        case .help: drawHelp(into: &buffer, at: body)
        }
        let keys: [(String, String)] = view == .setup
            ? [("↑↓", "Setting"), ("←→", "Change"), ("Enter", "Type"), ("r", "Apply"), ("Esc", "Back"), ("q", "Quit")]
            : [("Space", "Pause"), ("k", "Trunc"), ("a", "Aux"), ("t", "Align"), ("v", "Zoom"), ("w", "Sweep"), ("c", "Class"),
               ("o", "Setup"), ("s", "Save"), ("e", "PNG"), ("?", "Help"), ("q", "Quit")]
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

    private func drawDashboard(into buffer: inout CellBuffer, at rect: Rect, colourful: Bool) {
        let leftWidth = max(30, rect.width * 2 / 5)
        let curves = Rect(x: rect.x, y: rect.y, width: leftWidth, height: rect.height)
        let chartHeight = curves.height / 2
        drawClassifierCurves(into: &buffer, at: Rect(x: curves.x, y: curves.y, width: curves.width, height: chartHeight))
        let inversionInside = Panel("Inversion").draw(into: &buffer, at: Rect(x: curves.x, y: curves.y + chartHeight, width: curves.width,
                                                                        height: curves.height - chartHeight))
        BrailleChart(title: "MSE", series: [
            .init(name: "aux", values: record.inversionLoss, colour: 209),
            .init(name: "victim train", values: record.victimTrainMSE, colour: 114),
            .init(name: "victim test", values: record.victimTestMSE, colour: 81),
        ]).draw(into: &buffer, at: inversionInside)

        let right = Rect(x: rect.x + leftWidth, y: rect.y, width: rect.width - leftWidth, height: rect.height)
        let galleryHeight = right.height * 3 / 5
        let gallery = Panel("Victims (top) and reconstructions").draw(into: &buffer, at: Rect(x: right.x, y: right.y, width: right.width, height: galleryHeight))
        let vectorPanel = Panel("Released vector").draw(into: &buffer, at: Rect(x: right.x, y: right.y + galleryHeight, width: right.width,
                                                                          height: right.height - galleryHeight))
        guard let victims = session.currentVictims else {
            buffer.write("training the classifier; faces appear when the attacker's model exists", x: gallery.x, y: gallery.y, limit: gallery.x + gallery.width)
            return
        }
        buffer.write(String(format: "aux %@ · train %@ · victims %@ · MSE %.4f train, %.4f test", victims.auxiliary.text,
                            victims.trainingPolicy.description, victims.policy.description, victims.mse.train, victims.mse.test),
                     x: gallery.x, y: gallery.y, style: Style(foreground: 250), limit: gallery.x + gallery.width)
        let count = victims.truths.count
        let cellWidth = max(4, (gallery.width - 1) / max(count, 1))
        let size = victims.truths.height
        // Rows an image takes at this width, so reconstructions sit right under their victims.
        let imageRows = GreyImageWidget(pixels: [], width: size, height: size)
            .fittedSize(in: Rect(x: 0, y: 0, width: cellWidth - 1, height: max(2, (gallery.height - 2) / 2))).rows
        for index in 0..<count {
            let x = gallery.x + index * cellWidth
            let box = Rect(x: x, y: gallery.y + 1, width: cellWidth - 1, height: imageRows)
            GreyImageWidget(pixels: victims.truthPixels(index), width: size, height: size, ascii: !colourful).draw(into: &buffer, at: box)
            GreyImageWidget(pixels: Array(victims.reconstructions.sample(index)), width: size, height: size, ascii: !colourful)
                .draw(into: &buffer, at: Rect(x: x, y: box.y + imageRows, width: box.width, height: imageRows))
            if index == selectedVictim {
                buffer.write("▲", x: x + box.width / 2, y: min(gallery.y + gallery.height - 1, box.y + 2 * imageRows), style: Style(foreground: 81))
            }
        }
        drawReleasedVector(of: victims, into: &buffer, at: vectorPanel)
    }

    /// The classifier's loss and accuracy curves, or, for a loaded classifier, its measured accuracy.
    private func drawClassifierCurves(into buffer: inout CellBuffer, at rect: Rect) {
        let inside = Panel("Classifier").draw(into: &buffer, at: rect)
        if record.classifierLoss.isEmpty, let file = launch.classifierToLoad {
            buffer.write("loaded, not trained here:", x: inside.x, y: inside.y, style: Style(bold: true), limit: inside.x + inside.width)
            buffer.write(file.lastPathComponent, x: inside.x, y: inside.y + 1, limit: inside.x + inside.width)
            if let accuracy = session.loadedClassifierAccuracy {
                buffer.write(String(format: "accuracy %.1f%% train, %.1f%% test", accuracy.train * 100, accuracy.test * 100),
                             x: inside.x, y: inside.y + 2, style: Style(foreground: 114), limit: inside.x + inside.width)
            }
            return
        }
        BrailleChart(title: "loss / accuracy", series: [
            .init(name: "loss", values: record.classifierLoss, colour: 209),
            .init(name: "train acc", values: record.trainAccuracy, colour: 114),
            .init(name: "test acc", values: record.testAccuracy, colour: 81),
        ]).draw(into: &buffer, at: inside)
    }

    /// The selected victim's released vector as bars, largest first, as many as fit.
    func drawReleasedVector(of victims: LabSession.Victims, into buffer: inout CellBuffer, at rect: Rect) {
        let classes = victims.vectors.shape[1]
        let row = min(selectedVictim, victims.truths.count - 1)
        let values = (0..<classes).map { Double(victims.vectors[row * classes + $0]) }
        let shown = values.indices.sorted { values[$0] > values[$1] }.prefix(max(1, rect.height - 1))
        let names = victims.truths.classNames
        BarList(title: "victim \(row + 1) (\(names?[victims.truths.labels?[row] ?? 0] ?? "")): what the attacker sees",
                entries: shown.map { (names?[$0] ?? "class \($0)", values[$0]) }).draw(into: &buffer, at: rect)
    }
}

extension LabSession.Victims {
    /// Victim `index`'s true image, pixels in [0, 1].
    func truthPixels(_ index: Int) -> [Float] { truths.image(index).map { Float($0) / 255 } }
}
