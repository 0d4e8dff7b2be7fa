import Foundation
import Lab
import NeuralNet
import Terminal

extension WorkbenchApp {
    /// One victim large: the true image beside its reconstruction, and the vector the attacker saw for it.
    func drawVictim(into buffer: inout CellBuffer, at rect: Rect, depth: ColourDepth) {
        guard let victims = session.currentVictims else {
            let inside = Panel("Victim").draw(into: &buffer, at: rect)
            buffer.write("appears once the attacker's model exists", x: inside.x, y: inside.y, limit: inside.x + inside.width)
            return
        }
        let index = min(selectedVictim, victims.truths.count - 1)
        let truth = victims.truthPixels(index)
        let reconstruction = Array(victims.reconstructions.sample(index))
        let error = zip(truth, reconstruction).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(truth.count)
        let imagesWidth = rect.width * 3 / 5
        let inside = Panel(String(format: "Victim %d of %d · MSE %.4f (←→ another)", index + 1, victims.truths.count, error))
            .draw(into: &buffer, at: Rect(x: rect.x, y: rect.y, width: imagesWidth, height: rect.height))
        let size = victims.truths.height
        let half = Rect(x: 0, y: 0, width: inside.width / 2 - 1, height: inside.height - 1)
        let fitted = GreyImageWidget(pixels: [], width: size, height: size).fittedSize(in: half)
        buffer.write("truth", x: inside.x, y: inside.y, style: Style(bold: true))
        buffer.write("reconstruction", x: inside.x + fitted.columns + 2, y: inside.y, style: Style(bold: true),
                     limit: inside.x + inside.width)
        GreyImageWidget(pixels: truth, width: size, height: size, depth: depth)
            .draw(into: &buffer, at: Rect(x: inside.x, y: inside.y + 1, width: half.width, height: half.height))
        GreyImageWidget(pixels: reconstruction, width: size, height: size, depth: depth)
            .draw(into: &buffer, at: Rect(x: inside.x + fitted.columns + 2, y: inside.y + 1, width: half.width, height: half.height))
        let vectorPanel = Panel("What the attacker sees (\(victims.policy))")
            .draw(into: &buffer, at: Rect(x: rect.x + imagesWidth, y: rect.y, width: rect.width - imagesWidth, height: rect.height))
        drawReleasedVector(of: victims, into: &buffer, at: vectorPanel)
    }

    /// A top-1 decoder's image for each class's one-hot vector, as large as the panel allows for ten or more at a
    /// time, paged by ←→.
    func drawClassInference(into buffer: inout CellBuffer, at rect: Rect, depth: ColourDepth) {
        let classImages = session.currentClassImages
        let title = "Class inference" + (classImages.map { " (\($0.auxiliary))" } ?? "")
        let inside = Panel(title + ": a top-1 decoder's image for each class's one-hot vector").draw(into: &buffer, at: rect)
        guard let classImages else {
            buffer.write("training the attacker's top-1 decoder, which class inference needs…", x: inside.x, y: inside.y,
                         limit: inside.x + inside.width)
            return
        }
        let images = classImages.images
        let (classes, size) = (images.shape[0], images.shape[2])
        let layout = GalleryLayout.fit(width: inside.width, height: inside.height, imageSide: size, count: classes, stacked: 1,
                                       minimumShown: min(classes, 10))
        let page = layout.page(showing: selectedClass, of: classes)
        for (position, index) in page.items.enumerated() {
            let corner = layout.origin(of: position, from: (inside.x, inside.y))
            GreyImageWidget(pixels: Array(images.sample(index)), width: size, height: size, depth: depth)
                .draw(into: &buffer, at: Rect(x: corner.x, y: corner.y, width: layout.side, height: layout.imageRows))
            buffer.write((index == selectedClass ? "▲ " : "") + "\(index + 1)", x: corner.x, y: corner.y + layout.imageRows,
                         style: Style(foreground: index == selectedClass ? 81 : 244), limit: corner.x + layout.side)
        }
    }
}
