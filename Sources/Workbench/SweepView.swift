import Lab
import NeuralNet
import Terminal

extension WorkbenchApp {
    /// The paper's truncation figure, one victim per row: the victim, then its reconstruction from each k the service
    /// might release, each column headed by its k, the victims' test MSE and the attack accuracy at that k. Columns rather than rows of k
    /// keep the faces large: the screen is wider than it is tall, and there are more victims than values of k.
    /// Victims page by ←→.
    func drawSweep(into buffer: inout CellBuffer, at rect: Rect, depth: ColourDepth) {
        let training = session.currentAttack.trainingRelease
        let inside = Panel("Truncation sweep: columns of k, " + (training == .likeVictims ? "each with its aligned model" : "one model trained on \(training.text)"))
            .draw(into: &buffer, at: rect)
        guard let victims = session.currentVictims else {
            buffer.write("appears once the attacker's model exists", x: inside.x, y: inside.y, limit: inside.x + inside.width)
            return
        }
        let rows = session.currentSweep
        let expected = WorkbenchApp.truncations(classes: session.config.privateClasses).count
        let size = victims.truths.height
        let headerRows = 2
        let layout = GalleryLayout.fit(columns: expected + 1, width: inside.width, height: inside.height - headerRows,
                                       imageSide: size, stacked: 1)
        let perPage = max(1, layout.bands)
        let first = (max(0, selectedVictim) / perPage) * perPage
        let shown = first..<min(victims.truths.count, first + perPage)
        shownVictims = shown
        func face(_ pixels: [Float], column: Int, band: Int) {
            GreyImageWidget(pixels: pixels, width: size, height: size, depth: depth)
                .draw(into: &buffer, at: Rect(x: inside.x + column * layout.itemColumns, y: inside.y + headerRows + band * layout.bandRows,
                                              width: layout.side, height: layout.imageRows))
        }
        let columnEnd = { (column: Int) in inside.x + column * layout.itemColumns + layout.side }
        buffer.write("victims", x: inside.x, y: inside.y, style: Style(bold: true), limit: columnEnd(0))
        buffer.write("\(shown.lowerBound + 1)-\(shown.upperBound) of \(victims.truths.count)", x: inside.x, y: inside.y + 1,
                     style: Style(foreground: 244), limit: columnEnd(0))
        for (number, row) in rows.enumerated() {
            let x = inside.x + (number + 1) * layout.itemColumns
            let error = String(format: layout.side >= 10 ? "MSE %.4f" : "%.4f", row.mse.test)
            // The attack accuracy beside k, in as many words as the column has room for.
            let heading = ["  acc %.0f%%", " %.0f%%"].compactMap { format in row.grade.accuracyTop1.map { String(format: format, 100 * $0) } }
                .map { "k \(row.policy)" + $0 }.first { $0.count <= layout.side } ?? "k \(row.policy)"
            buffer.write(heading, x: x, y: inside.y, style: Style(bold: true), limit: columnEnd(number + 1))
            buffer.write(error, x: x, y: inside.y + 1, style: Style(foreground: 114), limit: columnEnd(number + 1))
        }
        for (band, index) in shown.enumerated() {
            face(victims.truthPixels(index), column: 0, band: band)
            buffer.write("\(index + 1)", x: inside.x, y: inside.y + headerRows + band * layout.bandRows + layout.imageRows,
                         style: Style(foreground: index == selectedVictim ? 81 : 244), limit: columnEnd(0))
            for (number, row) in rows.enumerated() {
                face(Array(row.reconstructions.sample(index)), column: number + 1, band: band)
            }
        }
        if rows.count < expected {
            let x = inside.x + (rows.count + 1) * layout.itemColumns
            buffer.write("computing", x: x, y: inside.y, style: Style(foreground: 229), limit: inside.x + inside.width)
            buffer.write("k \(rows.count + 1) of \(expected)…", x: x, y: inside.y + 1, style: Style(foreground: 229),
                         limit: inside.x + inside.width)
        }
    }
}
