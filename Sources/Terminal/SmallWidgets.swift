/// Horizontal bars with a label and a probability each (written by `ProbabilityText`), the longest bar for the largest.
public struct BarList {
    public let title: String
    public let entries: [(label: String, value: Double)]
    public let colour: Colour

    public init(title: String, entries: [(label: String, value: Double)], colour: Colour = 75) {
        self.title = title
        self.entries = entries
        self.colour = colour
    }

    public func draw(into buffer: inout CellBuffer, at rect: Rect) {
        guard rect.height > 0 else { return }
        buffer.write(title, x: rect.x, y: rect.y, style: Style(bold: true), limit: rect.x + rect.width)
        let labelWidth = min(14, entries.map(\.label.count).max() ?? 0)
        let barWidth = rect.width - labelWidth - 9
        let largest = max(entries.map(\.value).max() ?? 0, 1e-12)
        for (row, entry) in entries.prefix(rect.height - 1).enumerated() {
            let y = rect.y + 1 + row
            buffer.write(String(entry.label.prefix(labelWidth)), x: rect.x, y: y, limit: rect.x + rect.width)
            let value = ProbabilityText.format(entry.value)
            buffer.write(value, x: rect.x + labelWidth + 1, y: y, limit: rect.x + rect.width)
            guard barWidth > 0 else { continue }
            let length = Int((entry.value / largest * Double(barWidth)).rounded())
            buffer.write(String(repeating: "█", count: max(0, length)), x: rect.x + labelWidth + 8, y: y,
                         style: Style(foreground: colour), limit: rect.x + rect.width)
        }
    }
}

/// The bottom line of keys, htop style: each key highlighted, its action beside it.
public struct KeyBar {
    public let keys: [(key: String, action: String)]

    public init(_ keys: [(key: String, action: String)]) { self.keys = keys }

    public func draw(into buffer: inout CellBuffer, y: Int) {
        var x = 0
        buffer.fill(Rect(x: 0, y: y, width: buffer.width, height: 1), style: Style(background: 236))
        for (key, action) in keys {
            guard x < buffer.width else { break }
            buffer.write(key, x: x, y: y, style: Style(foreground: 16, background: 81, bold: true))
            x += key.unicodeScalars.count
            buffer.write(action + " ", x: x, y: y, style: Style(foreground: 252, background: 236))
            x += action.unicodeScalars.count + 1
        }
    }
}

/// A titled frame around a rectangle.
public struct Panel {
    public let title: String

    public init(_ title: String) { self.title = title }

    /// Draws the frame and returns the inside.
    @discardableResult
    public func draw(into buffer: inout CellBuffer, at rect: Rect, highlighted: Bool = false) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let style = Style(foreground: highlighted ? 81 : 240)
        for x in rect.x..<(rect.x + rect.width) {
            buffer[x, rect.y] = Cell(character: "─", style: style)
            buffer[x, rect.y + rect.height - 1] = Cell(character: "─", style: style)
        }
        for y in rect.y..<(rect.y + rect.height) {
            buffer[rect.x, y] = Cell(character: "│", style: style)
            buffer[rect.x + rect.width - 1, y] = Cell(character: "│", style: style)
        }
        buffer[rect.x, rect.y] = Cell(character: "┌", style: style)
        buffer[rect.x + rect.width - 1, rect.y] = Cell(character: "┐", style: style)
        buffer[rect.x, rect.y + rect.height - 1] = Cell(character: "└", style: style)
        buffer[rect.x + rect.width - 1, rect.y + rect.height - 1] = Cell(character: "┘", style: style)
        buffer.write(" \(title) ", x: rect.x + 2, y: rect.y, style: Style(foreground: highlighted ? 81 : 250, bold: true),
                     limit: rect.x + rect.width - 1)
        return rect.inset(1)
    }
}
