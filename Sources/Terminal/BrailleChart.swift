import Foundation

/// A line chart drawn in braille dots (2 x 4 dots a cell) with a y-axis label at top and bottom and a legend that
/// gives each series' latest value. With `logScale`, positive values spanning a decade or more are plotted on a
/// logarithmic axis (the labels stay in the values' own units).
public struct BrailleChart {
    /// One line: a name for the legend, the values (oldest first) and its colour.
    public struct Series {
        public let name: String
        public let values: [Double]
        public let colour: Colour

        public init(name: String, values: [Double], colour: Colour) {
            self.name = name
            self.values = values
            self.colour = colour
        }
    }

    public let title: String
    public let series: [Series]
    public let logScale: Bool

    public init(title: String, series: [Series], logScale: Bool = false) {
        self.title = title
        self.series = series
        self.logScale = logScale
    }

    /// Whether the axis is logarithmic for values from `low` to `high`: asked for, all positive, a decade or more.
    static func usesLogarithm(_ asked: Bool, low: Double, high: Double) -> Bool {
        asked && low > 0 && high / low >= 10
    }

    /// The bit of a braille cell for dot column `dx` (0-1) and row `dy` (0-3).
    static func dotBit(dx: Int, dy: Int) -> UInt32 {
        dy == 3 ? (dx == 0 ? 0x40 : 0x80) : UInt32(1 << (dy + 3 * dx))
    }

    /// Draws the chart. A chart of one series prints its latest value beside the title and needs no legend row.
    public func draw(into buffer: inout CellBuffer, at rect: Rect) {
        let single = series.count == 1
        guard rect.width >= 12, rect.height >= (single ? 3 : 4) else { return }
        buffer.write(title, x: rect.x, y: rect.y, style: Style(bold: true), limit: rect.x + rect.width)
        var titleEnd = rect.x + title.count
        let finite = series.flatMap(\.values).filter(\.isFinite)
        func latest(_ line: Series) -> String { line.values.last(where: \.isFinite).map { " " + BrailleChart.format($0) } ?? "" }
        if single {
            let text = latest(series[0])
            buffer.write(text, x: titleEnd, y: rect.y, style: Style(foreground: series[0].colour, bold: true), limit: rect.x + rect.width)
            titleEnd += text.count
        } else {
            var legendX = rect.x
            for line in series {
                let label = "━ \(line.name)\(latest(line)) "
                buffer.write(label, x: legendX, y: rect.y + rect.height - 1, style: Style(foreground: line.colour),
                             limit: rect.x + rect.width)
                legendX += label.unicodeScalars.count
            }
        }
        guard let low = finite.min(), let high = finite.max() else {
            buffer.write("(no data yet)", x: rect.x, y: rect.y + 1, limit: rect.x + rect.width)
            return
        }
        let logarithmic = BrailleChart.usesLogarithm(logScale, low: low, high: high)
        let scale: (Double) -> Double = logarithmic ? { log10($0) } : { $0 }
        if logarithmic {
            buffer.write(" (log)", x: titleEnd, y: rect.y, style: Style(foreground: 244), limit: rect.x + rect.width)
        }
        let bottom = scale(low)
        let span = scale(high) - bottom > 1e-12 ? scale(high) - bottom : 1
        let topLabel = BrailleChart.format(high), bottomLabel = BrailleChart.format(low)
        let axisWidth = max(topLabel.count, bottomLabel.count) + 1
        let plot = Rect(x: rect.x + axisWidth, y: rect.y + 1, width: rect.width - axisWidth,
                        height: rect.height - (single ? 1 : 2))
        guard plot.width >= 2, plot.height >= 1 else { return }
        buffer.write(topLabel, x: rect.x, y: plot.y)
        buffer.write(bottomLabel, x: rect.x, y: plot.y + plot.height - 1)
        for row in 0..<plot.height { buffer[plot.x - 1, plot.y + row] = Cell(character: "│", style: Style(foreground: 244)) }
        let dotsWide = plot.width * 2, dotsHigh = plot.height * 4
        var bits = [UInt32](repeating: 0, count: plot.width * plot.height)
        var owner = [Int](repeating: -1, count: plot.width * plot.height)
        for (index, line) in series.enumerated() where !line.values.isEmpty {
            var previous: (Int, Int)?
            for (position, value) in line.values.enumerated() where value.isFinite {
                let x = line.values.count == 1 ? 0 : position * (dotsWide - 1) / (line.values.count - 1)
                let y = dotsHigh - 1 - Int(((scale(value) - bottom) / span * Double(dotsHigh - 1)).rounded())
                // Join consecutive points so the line has no gaps.
                let (fromX, fromY) = previous ?? (x, y)
                let steps = max(abs(x - fromX), abs(y - fromY), 1)
                for step in 0...steps {
                    let dotX = fromX + (x - fromX) * step / steps, dotY = fromY + (y - fromY) * step / steps
                    let cell = (dotY / 4) * plot.width + dotX / 2
                    bits[cell] |= BrailleChart.dotBit(dx: dotX % 2, dy: dotY % 4)
                    owner[cell] = index
                }
                previous = (x, y)
            }
        }
        for cell in bits.indices where bits[cell] != 0 {
            buffer[plot.x + cell % plot.width, plot.y + cell / plot.width] =
                Cell(character: Unicode.Scalar(0x2800 + bits[cell])!, style: Style(foreground: series[owner[cell]].colour))
        }
    }

    /// Short numbers for the axis: 3 significant digits.
    static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 100 || magnitude == 0 { return String(format: "%.0f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3f", value)
    }
}
