import Lab
import NeuralNet
import Terminal

extension WorkbenchApp {
    /// The paper's truncation figure: the victims on top, then one row of reconstructions for each k the service
    /// might release, with the victims' test MSE at that k.
    func drawSweep(into buffer: inout CellBuffer, at rect: Rect, colourful: Bool) {
        let training = session.currentAttack.trainingRelease
        let inside = Panel("Truncation sweep: rows of k, " + (training == .likeVictims ? "each with its aligned model" : "one model trained on \(training.text)"))
            .draw(into: &buffer, at: rect)
        guard let victims = session.currentVictims else {
            buffer.write("appears once the attacker's model exists", x: inside.x, y: inside.y, limit: inside.x + inside.width)
            return
        }
        let rows = session.currentSweep
        let expected = WorkbenchApp.truncations(classes: session.config.privateClasses).count
        let size = victims.truths.height
        let labelWidth = 18
        // Square images: a cell is one pixel wide and two tall.
        let imageRows = max(1, min((inside.height - 1) / (expected + 1), (inside.width - labelWidth) / victims.truths.count / 2))
        let cellWidth = imageRows * 2 + 1
        buffer.write("victims", x: inside.x, y: inside.y, style: Style(bold: true))
        for index in 0..<victims.truths.count {
            GreyImageWidget(pixels: victims.truthPixels(index), width: size, height: size, ascii: !colourful)
                .draw(into: &buffer, at: Rect(x: inside.x + labelWidth + index * cellWidth, y: inside.y, width: cellWidth - 1, height: imageRows))
        }
        for (number, row) in rows.enumerated() {
            let y = inside.y + (number + 1) * imageRows
            guard y + imageRows <= inside.y + inside.height else { break }
            let error = String(format: "MSE %.4f", row.mse.test)
            if imageRows >= 2 {
                buffer.write("k \(row.policy)", x: inside.x, y: y, style: Style(bold: true))
                buffer.write(error, x: inside.x, y: y + 1, style: Style(foreground: 114))
            } else {
                buffer.write("\(row.policy) \(error)", x: inside.x, y: y, style: Style(foreground: 114), limit: inside.x + labelWidth - 1)
            }
            for index in 0..<row.reconstructions.shape[0] {
                GreyImageWidget(pixels: Array(row.reconstructions.sample(index)), width: size, height: size, ascii: !colourful)
                    .draw(into: &buffer, at: Rect(x: inside.x + labelWidth + index * cellWidth, y: y, width: cellWidth - 1, height: imageRows))
            }
        }
        if rows.count < expected {
            let y = min(inside.y + inside.height - 1, inside.y + (rows.count + 1) * imageRows)
            buffer.write("computing row \(rows.count + 1) of \(expected)…", x: inside.x, y: y, style: Style(foreground: 229), limit: inside.x + inside.width)
        }
    }
}
