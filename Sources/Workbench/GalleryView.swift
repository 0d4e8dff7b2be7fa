import Foundation
import Lab
import Terminal

extension WorkbenchApp {
    /// The fewest victims a gallery page shows before its faces may shrink further.
    static let galleryMinimumShown = 3

    /// Victims above their reconstructions, as large as the panel allows (see `GalleryLayout`), paged by ←→: the
    /// page is the one holding the selected victim, marked under its pair.
    func drawGallery(of victims: LabSession.Victims, into buffer: inout CellBuffer, at rect: Rect, depth: ColourDepth) {
        let count = victims.truths.count
        let size = victims.truths.height
        let probe = rect.inset(1)
        let layout = GalleryLayout.fit(width: probe.width, height: probe.height - 1, imageSide: size, count: count, stacked: 2,
                                       minimumShown: WorkbenchApp.galleryMinimumShown)
        let page = layout.page(showing: selectedVictim, of: count)
        let title = page.items.isEmpty ? "Victims (top) and reconstructions"
            : "Victims \(page.items.lowerBound + 1)-\(page.items.upperBound) of \(count) (top), reconstructions · ←→"
        let inside = Panel(title).draw(into: &buffer, at: rect)
        let errors = victims.mse.map { String(format: "MSE %.4f train, %.4f test", $0.train, $0.test) } ?? "MSE being measured…"
        let accuracy = victims.accuracy.map { String(format: "attack acc %.0f%% · ", 100 * $0) } ?? ""
        buffer.write("aux \(victims.auxiliary.text) · train \(victims.trainingPolicy) · victims \(victims.policy) · \(accuracy)\(errors)",
                     x: inside.x, y: inside.y, style: Style(foreground: 250), limit: inside.x + inside.width)
        shownVictims = page.items
        for (position, index) in page.items.enumerated() {
            let corner = layout.origin(of: position, from: (inside.x, inside.y + 1))
            let box = Rect(x: corner.x, y: corner.y, width: layout.side, height: layout.imageRows)
            GreyImageWidget(pixels: victims.truthPixels(index), width: size, height: size, depth: depth).draw(into: &buffer, at: box)
            GreyImageWidget(pixels: Array(victims.reconstructions.sample(index)), width: size, height: size, depth: depth)
                .draw(into: &buffer, at: Rect(x: box.x, y: box.y + layout.imageRows, width: box.width, height: box.height))
            let selected = index == selectedVictim
            let label = (selected ? "▲ " : "") + "\(index + 1)"
            buffer.write(label, x: box.x, y: box.y + 2 * layout.imageRows,
                         style: Style(foreground: selected ? 81 : 244, bold: selected), limit: box.x + box.width)
            if let named = victims.named, named.indices.contains(index) {
                // Whether the evaluation classifier names this victim's person from the reconstruction.
                buffer.write(named[index] ? " ✓" : " ✗", x: box.x + label.count, y: box.y + 2 * layout.imageRows,
                             style: Style(foreground: named[index] ? 114 : 203, bold: true), limit: box.x + box.width)
            }
        }
    }
}
