import Datasets
import Foundation
import Lab
import NeuralNet

extension WorkbenchApp {
    /// Writes what the view shows as a PNG grid: the page's victims over their reconstructions, the sweep's rows
    /// under the page's victims, every class image, or each white-box attack's images under its identities. Returns
    /// the message to show.
    func exportView() -> String {
        guard let victims = session.currentVictims else { return "nothing to export before the attacker's model exists" }
        let size = victims.truths.height
        let shown = shownVictims.isEmpty ? 0..<min(8, victims.truths.count) : shownVictims
        exports += 1
        let name: String
        var grid = ImageGrid(imageHeight: size, imageWidth: size, columns: shown.count)
        switch view {
        case .classInference:
            guard let classImages = session.currentClassImages?.images else { return "nothing to export before class inference is done" }
            name = "classes"
            grid = ImageGrid(imageHeight: size, imageWidth: size, columns: 10)
            for index in 0..<classImages.shape[0] { grid.append(floats: classImages.sample(index)) }
        case .whiteBox:
            guard let runs = session.currentWhiteBox else { return "nothing to export before a white-box attack has run" }
            name = "white-box"
            grid = ImageGrid(imageHeight: size, imageWidth: size, columns: runs.identities.count)
            for index in 0..<runs.truths.count { grid.append(runs.truths.image(index)) }
            for run in runs.runs {
                guard let images = run.latest?.images else { continue }
                for index in 0..<runs.identities.count { grid.append(floats: images.sample(index)) }
            }
        case .sweep:
            name = "sweep"
            for index in shown { grid.append(victims.truths.image(index)) }
            for row in session.currentSweep {
                for index in shown { grid.append(floats: row.reconstructions.sample(index)) }
            }
        default:
            name = "victims"
            for index in shown { grid.append(victims.truths.image(index)) }
            for index in shown { grid.append(floats: victims.reconstructions.sample(index)) }
        }
        let file = outputFolder.appendingPathComponent("view-\(exports)-\(name).png")
        do {
            try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
            try grid.writePNG(to: file)
            return "exported \(file.path)"
        } catch {
            return "could not export: \(error)"
        }
    }
}
