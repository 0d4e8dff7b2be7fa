import Foundation
import Lab
import NeuralNet
import Terminal

extension WorkbenchApp {
    /// One victim large: the true image beside its reconstruction, and the vector the attacker saw for it.
    func drawVictim(into buffer: inout CellBuffer, at rect: Rect, colourful: Bool) {
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
        GreyImageWidget(pixels: truth, width: size, height: size, ascii: !colourful)
            .draw(into: &buffer, at: Rect(x: inside.x, y: inside.y + 1, width: half.width, height: half.height))
        GreyImageWidget(pixels: reconstruction, width: size, height: size, ascii: !colourful)
            .draw(into: &buffer, at: Rect(x: inside.x + fitted.columns + 2, y: inside.y + 1, width: half.width, height: half.height))
        let vectorPanel = Panel("Released vector (\(victims.policy))")
            .draw(into: &buffer, at: Rect(x: rect.x + imagesWidth, y: rect.y, width: rect.width - imagesWidth, height: rect.height))
        drawReleasedVector(of: victims, into: &buffer, at: vectorPanel)
    }

    /// The inversion model's image for a one-hot vector of each class.
    func drawClassInference(into buffer: inout CellBuffer, at rect: Rect, colourful: Bool) {
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
        let cellWidth = max(5, min(size + 1, inside.width / min(classes, 10)))
        let perRow = max(1, inside.width / cellWidth)
        let cellHeight = max(3, (cellWidth - 1) / 2 + 1)
        for index in 0..<classes {
            let (row, column) = index.quotientAndRemainder(dividingBy: perRow)
            let box = Rect(x: inside.x + column * cellWidth, y: inside.y + row * cellHeight, width: cellWidth - 1, height: cellHeight - 1)
            guard box.y + box.height <= inside.y + inside.height else { break }
            GreyImageWidget(pixels: Array(images.sample(index)), width: size, height: size, ascii: !colourful).draw(into: &buffer, at: box)
        }
    }
}
