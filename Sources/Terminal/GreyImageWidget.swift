/// A greyscale image drawn with upper-half blocks: each cell shows two pixels, the top one as the foreground colour of
/// `▀` and the bottom one as the background: exact greys on a direct-colour terminal, the 256-colour palette's greys
/// ordered-dithered (`GreyPalette`) on others. Without colour it falls back to an ASCII ramp, one character per two
/// pixels.
public struct GreyImageWidget {
    /// Pixels in [0, 1], row-major.
    public let pixels: [Float]
    public let width: Int
    public let height: Int
    public let depth: ColourDepth

    public init(pixels: [Float], width: Int, height: Int, depth: ColourDepth = .palette256) {
        self.pixels = pixels
        self.width = width
        self.height = height
        self.depth = depth
    }

    static let asciiRamp = Array(" .:-=+*#%@".unicodeScalars)

    /// The cells `rect` needs to show the image scaled to fit: columns and rows.
    public func fittedSize(in rect: Rect) -> (columns: Int, rows: Int) {
        let scale = min(Double(rect.width) / Double(width), Double(rect.height * 2) / Double(height))
        return (max(1, Int(Double(width) * scale)), max(1, Int(Double(height) * scale / 2)))
    }

    /// `value` in [0, 1] as the nearest of 256 exact greys.
    static func exactGrey(_ value: Float) -> Colour {
        .grey(UInt8((max(0, min(1, value.isFinite ? value : 0)) * 255).rounded()))
    }

    /// Draws the image scaled (nearest pixel) to fit `rect`, top-left aligned.
    public func draw(into buffer: inout CellBuffer, at rect: Rect) {
        guard rect.width > 0, rect.height > 0, width > 0, height > 0 else { return }
        let (columns, rows) = fittedSize(in: rect)
        func sample(_ column: Int, _ pixelRow: Int) -> Float {
            let x = min(width - 1, column * width / columns)
            let y = min(height - 1, pixelRow * height / (rows * 2))
            return pixels[y * width + x]
        }
        for row in 0..<rows {
            for column in 0..<columns {
                let top = sample(column, 2 * row), bottom = sample(column, 2 * row + 1)
                switch depth {
                case .monochrome:
                    let level = Int(((top + bottom) / 2 * Float(GreyImageWidget.asciiRamp.count - 1)).rounded())
                    buffer[rect.x + column, rect.y + row] = Cell(
                        character: GreyImageWidget.asciiRamp[max(0, min(GreyImageWidget.asciiRamp.count - 1, level))], style: .plain)
                case .direct:
                    buffer[rect.x + column, rect.y + row] = Cell(
                        character: "▀", style: Style(foreground: Self.exactGrey(top), background: Self.exactGrey(bottom)))
                case .palette256:
                    // Dithering thresholds follow screen positions, so neighbouring images tile one pattern.
                    let (x, y) = (rect.x + column, 2 * (rect.y + row))
                    buffer[rect.x + column, rect.y + row] = Cell(
                        character: "▀", style: Style(foreground: .palette(GreyPalette.dithered(top, x: x, y: y)),
                                                     background: .palette(GreyPalette.dithered(bottom, x: x, y: y + 1))))
                }
            }
        }
    }
}
