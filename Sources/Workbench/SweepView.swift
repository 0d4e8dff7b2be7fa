import Lab
import NeuralNet
import Terminal

extension WorkbenchApp {
    /// The paper's truncation figure: the victims on top, then one row of reconstructions for each k the service
    /// might release, with the victims' test MSE at that k; faces as large as the rows allow, paged by ←→.
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
        let labelWidth = 13
        let layout = GalleryLayout.fit(width: inside.width - labelWidth, height: inside.height, imageSide: size,
                                       count: victims.truths.count, stacked: expected + 1,
                                       minimumShown: WorkbenchApp.galleryMinimumShown)
        let page = layout.page(showing: selectedVictim, of: victims.truths.count)
        shownVictims = page.items
        func face(_ pixels: [Float], column: Int, row: Int) {
            GreyImageWidget(pixels: pixels, width: size, height: size, ascii: !colourful)
                .draw(into: &buffer, at: Rect(x: inside.x + labelWidth + column * layout.itemColumns, y: inside.y + row * layout.imageRows,
                                              width: layout.side, height: layout.imageRows))
        }
        buffer.write("victims", x: inside.x, y: inside.y, style: Style(bold: true))
        buffer.write("\(page.items.lowerBound + 1)-\(page.items.upperBound) of \(victims.truths.count)", x: inside.x,
                     y: inside.y + 1, style: Style(foreground: 244), limit: inside.x + labelWidth - 1)
        for (column, index) in page.items.enumerated() { face(victims.truthPixels(index), column: column, row: 0) }
        for (number, row) in rows.enumerated() {
            let y = inside.y + (number + 1) * layout.imageRows
            guard y + layout.imageRows <= inside.y + inside.height else { break }
            let error = String(format: "MSE %.4f", row.mse.test)
            if layout.imageRows >= 2 {
                buffer.write("k \(row.policy)", x: inside.x, y: y, style: Style(bold: true), limit: inside.x + labelWidth - 1)
                buffer.write(error, x: inside.x, y: y + 1, style: Style(foreground: 114), limit: inside.x + labelWidth - 1)
            } else {
                buffer.write("\(row.policy.text) \(error)", x: inside.x, y: y, style: Style(foreground: 114), limit: inside.x + labelWidth - 1)
            }
            for (column, index) in page.items.enumerated() {
                face(Array(row.reconstructions.sample(index)), column: column, row: number + 1)
            }
        }
        if rows.count < expected {
            let y = min(inside.y + inside.height - 1, inside.y + (rows.count + 1) * layout.imageRows)
            buffer.write("computing row \(rows.count + 1) of \(expected)…", x: inside.x, y: y, style: Style(foreground: 229), limit: inside.x + inside.width)
        }
    }
}
