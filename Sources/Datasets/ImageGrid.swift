import Foundation

/// Images laid out in rows and columns with a one-pixel gap, saved as one grey PNG (the authors' grids: rows of 8).
public struct ImageGrid {
    public let imageHeight: Int
    public let imageWidth: Int
    public let columns: Int
    private var cells: [[UInt8]] = []

    public init(imageHeight: Int, imageWidth: Int, columns: Int) {
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.columns = max(1, columns)
    }

    /// Adds one image (row-major bytes of the grid's image size) in the next cell.
    public mutating func append(_ pixels: some Collection<UInt8>) {
        precondition(pixels.count == imageHeight * imageWidth, "ImageGrid: image of \(pixels.count) pixels")
        cells.append(Array(pixels))
    }

    /// Adds images with values in [0, 1] (clamped), as the engine produces them.
    public mutating func append(floats: some Collection<Float>) {
        append(floats.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) })
    }

    /// The composed picture: width, height and pixels (gaps mid-grey).
    public func compose() -> GreyImage {
        let rows = (cells.count + columns - 1) / columns
        let width = columns * (imageWidth + 1) - 1
        let height = max(1, rows * (imageHeight + 1) - 1)
        var pixels = [UInt8](repeating: 128, count: width * height)
        for (index, cell) in cells.enumerated() {
            let (row, column) = index.quotientAndRemainder(dividingBy: columns)
            for y in 0..<imageHeight {
                let target = (row * (imageHeight + 1) + y) * width + column * (imageWidth + 1)
                pixels.replaceSubrange(target..<(target + imageWidth), with: cell[(y * imageWidth)..<((y + 1) * imageWidth)])
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }

    /// Writes the grid as PNG through a temporary file renamed into place.
    public func writePNG(to file: URL) throws {
        let picture = compose()
        try ImageCodecs.writePNG(width: picture.width, height: picture.height, pixels: picture.pixels, to: file)
    }
}
