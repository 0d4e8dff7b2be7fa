import Datasets
import Foundation
import Lab
import NeuralNet
import Terminal

/// The interactive workbench: a live view of a `LabSession` with keys to change what the service releases and what
/// the attacker knows. It draws into a cell buffer; only `Screen` talks to the terminal.
public final class WorkbenchApp {
    /// What the main area shows.
    enum View {
        case dashboard, classInference, help
    }

    private let session: LabSession
    private let config: ExperimentConfig
    private let ascii: Bool
    private var record: TrainingRecord
    private var view = View.dashboard
    private var selectedVictim = 0
    private var message = ""
    private var confirmingQuit = false
    private var paused = false
    private var victimK: String
    private var auxiliary: String
    private var aligned: Bool

    /// The victim truncations the k key cycles through (those above the class count are skipped).
    private static let truncations = ["1", "2", "3", "5", "10", "all"]
    private static let auxiliarySets = ["same", "generic", "distinct", "aligned", "augmented"]

    /// Where `s` saves the run folder and `e` exports views.
    private let outputFolder: URL
    private var exports = 0

    public init(config: ExperimentConfig, classifierFile: URL? = nil, ascii: Bool = false, outputFolder: URL) {
        self.config = config
        self.outputFolder = outputFolder
        self.ascii = ascii
        session = LabSession(config, classifierFile: classifierFile, victimCount: 8)
        record = TrainingRecord(batch: config.batch)
        victimK = config.truncation
        auxiliary = config.aux
        aligned = config.trainTruncation == "aligned"
    }

    /// Runs until the user quits; the terminal is restored on every way out.
    public func run() {
        let screen = Screen(ascii: ascii)
        defer { screen.close() }
        var lastFrame = Date.distantPast
        while true {
            for event in session.takeEvents() { record.absorb(event) }
            if Date().timeIntervalSince(lastFrame) >= 0.066 {
                let (width, height) = screen.size
                screen.draw(frame(width: width, height: height, colourful: screen.colourful))
                lastFrame = Date()
            }
            guard let key = screen.readKey(milliseconds: 30) else { continue }
            if !handle(key) { break }
        }
        session.cancel()
    }

    // MARK: - Keys

    /// Acts on a key; false means quit.
    func handle(_ key: Key) -> Bool {
        if confirmingQuit {
            confirmingQuit = false
            if key == .character("y") || key == .character("q") { return false }
            message = "quit cancelled"
            return true
        }
        switch key {
        case .character("q"):
            if isTraining {
                confirmingQuit = true
                message = "training is running: quit? (y/n)"
                return true
            }
            return false
        case .character(" "):
            paused.toggle()
            if paused { session.pause() } else { session.resume() }
            message = paused ? "paused" : "resumed"
        case .character("k"), .character("K"):
            cycleVictimTruncation(forward: key == .character("k"))
        case .character("a"):
            let next = WorkbenchApp.auxiliarySets.firstIndex(of: auxiliary).map { ($0 + 1) % WorkbenchApp.auxiliarySets.count } ?? 1
            auxiliary = WorkbenchApp.auxiliarySets[next]
            session.switchInversion(auxiliary: auxiliary, trainTruncation: aligned ? "aligned" : "all")
            message = "auxiliary set: \(auxiliary) (training or reusing its inversion model)"
        case .character("t"):
            aligned.toggle()
            session.switchInversion(auxiliary: auxiliary, trainTruncation: aligned ? "aligned" : "all")
            message = aligned ? "training truncation: aligned with the victims'" : "training truncation: full vectors (unaligned)"
        case .left: selectedVictim = max(0, selectedVictim - 1)
        case .right: selectedVictim = min(7, selectedVictim + 1)
        case .character("c"): view = view == .classInference ? .dashboard : .classInference
        case .character("s"):
            session.save(to: outputFolder)
            message = "saving to \(outputFolder.path)"
        case .character("e"):
            message = exportView()
        case .character("?"), .function(1): view = view == .help ? .dashboard : .help
        case .escape: view = .dashboard
        default: break
        }
        return true
    }

    /// Writes what the view shows as a PNG grid: victims over reconstructions, or the class images.
    private func exportView() -> String {
        guard let victims = session.currentVictims else { return "nothing to export before the attacker's model exists" }
        let size = victims.truths.height
        let pixels = size * size
        exports += 1
        let file = outputFolder.appendingPathComponent(view == .classInference ? "view-\(exports)-classes.png" : "view-\(exports)-victims.png")
        var grid = ImageGrid(imageHeight: size, imageWidth: size, columns: 8)
        if view == .classInference {
            for index in 0..<victims.classImages.shape[0] {
                grid.append(floats: UnsafeBufferPointer(start: victims.classImages.pointer + index * pixels, count: pixels))
            }
        } else {
            for index in 0..<victims.truths.count { grid.append(victims.truths.image(index)) }
            for index in 0..<victims.truths.count {
                grid.append(floats: UnsafeBufferPointer(start: victims.reconstructions.pointer + index * pixels, count: pixels))
            }
        }
        do {
            try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
            try grid.writePNG(to: file)
            return "exported \(file.path)"
        } catch {
            return "could not export: \(error)"
        }
    }

    private var isTraining: Bool {
        [.preparing, .training, .paused].contains(session.currentState)
    }

    private func cycleVictimTruncation(forward: Bool) {
        let choices = WorkbenchApp.truncations.filter { $0 == "all" || Int($0)! <= config.privateClasses }
        let current = choices.firstIndex(of: victimK) ?? choices.count - 1
        victimK = choices[(current + (forward ? choices.count - 1 : 1)) % choices.count]
        guard let policy = ReleasePolicy(victimK) else { return }
        session.setVictimPolicy(policy)
        message = "victims release \(policy)" + (aligned ? " (aligned model: trained or reused)" : "")
    }

    // MARK: - Drawing

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
        case .classInference: drawClassInference(into: &buffer, at: body, colourful: colourful)
        case .help: drawHelp(into: &buffer, at: body)
        }
        KeyBar([("Space", "Pause"), ("k", "Trunc"), ("a", "Aux"), ("t", "Align"), ("←→", "Victim"), ("c", "Classes"),
                ("s", "Save"), ("e", "Export"), ("?", "Help"), ("q", "Quit")]).draw(into: &buffer, y: height - 1)
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
        if !message.isEmpty { buffer.write(" " + message + " ", x: max(0, buffer.width - message.count - 3), y: 1, style: Style(foreground: 229, bold: true)) }
    }

    private func drawDashboard(into buffer: inout CellBuffer, at rect: Rect, colourful: Bool) {
        let leftWidth = max(30, rect.width * 2 / 5)
        let curves = Rect(x: rect.x, y: rect.y, width: leftWidth, height: rect.height)
        let chartHeight = curves.height / 2
        let classifierInside = Panel("Classifier").draw(into: &buffer, at: Rect(x: curves.x, y: curves.y, width: curves.width, height: chartHeight))
        BrailleChart(title: "loss / accuracy", series: [
            .init(name: "loss", values: record.classifierLoss, colour: 209),
            .init(name: "train acc", values: record.trainAccuracy, colour: 114),
            .init(name: "test acc", values: record.testAccuracy, colour: 81),
        ]).draw(into: &buffer, at: classifierInside)
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
        buffer.write(String(format: "aux %@ · train %@ · victims %@ · MSE %.4f train, %.4f test", victims.auxiliary,
                            victims.trainingPolicy.description, victims.policy.description, victims.mse.train, victims.mse.test),
                     x: gallery.x, y: gallery.y, style: Style(foreground: 250), limit: gallery.x + gallery.width)
        let count = victims.truths.count
        let cellWidth = max(4, (gallery.width - 1) / max(count, 1))
        let size = victims.truths.height
        // Rows an image takes at this width, so reconstructions sit right under their victims.
        let fitted = GreyImageWidget(pixels: [], width: size, height: size)
            .fittedSize(in: Rect(x: 0, y: 0, width: cellWidth - 1, height: max(2, (gallery.height - 2) / 2)))
        let imageRows = fitted.rows
        let pixels = size * size
        for index in 0..<count {
            let x = gallery.x + index * cellWidth
            let truth = victims.truths.image(index).map { Float($0) / 255 }
            let reconstruction = Array(UnsafeBufferPointer(start: victims.reconstructions.pointer + index * pixels, count: pixels))
            let box = Rect(x: x, y: gallery.y + 1, width: cellWidth - 1, height: imageRows)
            GreyImageWidget(pixels: truth, width: size, height: size, ascii: !colourful).draw(into: &buffer, at: box)
            GreyImageWidget(pixels: reconstruction, width: size, height: size, ascii: !colourful)
                .draw(into: &buffer, at: Rect(x: x, y: box.y + imageRows, width: box.width, height: imageRows))
            if index == selectedVictim {
                buffer.write("▲", x: x + box.width / 2, y: min(gallery.y + gallery.height - 1, box.y + 2 * imageRows), style: Style(foreground: 81))
            }
        }
        let classes = victims.vectors.shape[1]
        let row = min(selectedVictim, count - 1)
        let values = (0..<classes).map { Double(victims.vectors[row * classes + $0]) }
        let shown = values.indices.sorted { values[$0] > values[$1] }.prefix(max(1, vectorPanel.height - 1))
        let names = victims.truths.classNames
        BarList(title: "victim \(row + 1) (\(names?[victims.truths.labels?[row] ?? 0] ?? "")): what the attacker sees",
                entries: shown.map { (names?[$0] ?? "class \($0)", values[$0]) }).draw(into: &buffer, at: vectorPanel)
    }

    private func drawClassInference(into buffer: inout CellBuffer, at rect: Rect, colourful: Bool) {
        let inside = Panel("Class inference: the attacker's image for a one-hot vector of each class").draw(into: &buffer, at: rect)
        guard let victims = session.currentVictims else {
            buffer.write("appears once the attacker's model exists", x: inside.x, y: inside.y, limit: inside.x + inside.width)
            return
        }
        let images = victims.classImages
        let (classes, size) = (images.shape[0], images.shape[2])
        let cellWidth = max(5, min(size + 1, inside.width / min(classes, 10)))
        let perRow = max(1, inside.width / cellWidth)
        let cellHeight = max(3, (cellWidth - 1) / 2 + 1)
        for index in 0..<classes {
            let (row, column) = index.quotientAndRemainder(dividingBy: perRow)
            let box = Rect(x: inside.x + column * cellWidth, y: inside.y + row * cellHeight, width: cellWidth - 1, height: cellHeight - 1)
            guard box.y + box.height <= inside.y + inside.height else { break }
            let pixels = Array(UnsafeBufferPointer(start: images.pointer + index * size * size, count: size * size))
            GreyImageWidget(pixels: pixels, width: size, height: size, ascii: !colourful).draw(into: &buffer, at: box)
        }
    }

    private func drawHelp(into buffer: inout CellBuffer, at rect: Rect) {
        let inside = Panel("Keys").draw(into: &buffer, at: rect)
        let lines = [
            "Space   pause or resume training",
            "k / K   victims' truncation: fewer / more released confidences (1, 2, 3, 5, 10, all)",
            "a       attacker's auxiliary set: same, generic, distinct, aligned, augmented",
            "t       training truncation: aligned with the victims' (the paper's fix) or full vectors",
            "← →     choose the victim whose released vector is shown",
            "c       class inference view",
            "s       save the run folder (config, metrics, models, grids);  e  export this view as PNG",
            "? / F1  this help;  Esc  back",
            "q       quit (asks first while training runs)",
            "",
            "Changing k re-renders the reconstructions at once; a new auxiliary set or training truncation",
            "trains the needed inversion model in the background, or reuses one trained before.",
        ]
        for (row, line) in lines.prefix(inside.height).enumerated() {
            buffer.write(line, x: inside.x + 1, y: inside.y + row, limit: inside.x + inside.width)
        }
    }
}
