/// A rectangle of terminal cells: left, top, width, height.
public struct Rect: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The rectangle shrunk by `amount` on every side.
    public func inset(_ amount: Int) -> Rect {
        Rect(x: x + amount, y: y + amount, width: width - 2 * amount, height: height - 2 * amount)
    }
}

/// A cell's colours and weight; a `nil` colour is the terminal's default.
public struct Style: Sendable, Equatable, Hashable {
    public var foreground: Colour?
    public var background: Colour?
    public var bold: Bool

    public init(foreground: Colour? = nil, background: Colour? = nil, bold: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
    }

    public static let plain = Style()
}

/// One character cell.
public struct Cell: Sendable, Equatable {
    public var character: Unicode.Scalar
    public var style: Style

    public static let blank = Cell(character: " ", style: .plain)
}

/// What a frame looks like, cell by cell; widgets draw into it and know nothing of ncurses. The screen copies it to
/// the terminal.
public struct CellBuffer: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0, y >= 0, x < width, y < height { cells[y * width + x] = newValue } }
    }

    /// Writes `text` from (x, y) rightwards, cut at `limit` (the buffer's edge by default).
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) {
        guard y >= 0, y < height else { return }
        let end = min(width, limit ?? width)
        var column = x
        for scalar in text.unicodeScalars where column < end {
            if column >= 0 { self[column, y] = Cell(character: scalar, style: style) }
            column += 1
        }
    }

    /// Fills `rect` with `character`.
    public mutating func fill(_ rect: Rect, character: Unicode.Scalar = " ", style: Style = .plain) {
        for y in rect.y..<(rect.y + rect.height) {
            for x in rect.x..<(rect.x + rect.width) { self[x, y] = Cell(character: character, style: style) }
        }
    }

    /// Row `y` as text, for tests and captures.
    public func line(_ y: Int) -> String {
        String(String.UnicodeScalarView(cells[(y * width)..<((y + 1) * width)].map(\.character)))
    }

    /// The whole buffer as lines of text.
    public var text: String { (0..<height).map(line).joined(separator: "\n") }
}
