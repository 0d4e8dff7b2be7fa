/// A colour a cell can be drawn in: an entry of the xterm 256-colour palette, or an exact grey, which only a
/// direct-colour (truecolour) terminal shows as such; elsewhere it is drawn as the palette's nearest grey.
/// Integer literals are palette entries, so `Style(foreground: 81)` reads as before.
public enum Colour: Hashable, Sendable, ExpressibleByIntegerLiteral {
    case palette(Int)
    case grey(UInt8)

    public init(integerLiteral value: Int) { self = .palette(value) }

    /// The colour number ncurses takes for this colour: a palette index, or with a direct-colour terminal a packed
    /// 0xRRGGBB value. Direct-colour terminfo entries keep numbers below 8 for the eight ANSI colours, which a theme
    /// may change, so a packed black becomes 0x010101 (1/255 off) rather than ANSI black.
    public func terminalNumber(direct: Bool) -> Int {
        switch (self, direct) {
        case (.palette(let index), false): return index
        case (.grey(let level), false): return GreyPalette.nearest(Float(level) / 255)
        case (.palette(let index), true) where index < 8: return index
        case (.palette(let index), true):
            let (red, green, blue) = Colour.rgb(ofPaletteIndex: index)
            return max(0x010101, red << 16 | green << 8 | blue)
        case (.grey(let level), true): return max(0x010101, Int(level) * 0x010101)
        }
    }

    /// xterm's 16 system colours, made once: the screen converts a colour for every cell of every frame.
    private static let systemColours = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
                                        (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
                                        (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]

    /// The red, green and blue (0-255) xterm shows for palette index `index`: 16 system colours, the 6 x 6 x 6 cube
    /// (levels 0, 95, 135, 175, 215, 255) and the 24-step grey ramp (8, 18, ... 238).
    public static func rgb(ofPaletteIndex index: Int) -> (red: Int, green: Int, blue: Int) {
        switch index {
        case ..<0: return (0, 0, 0)
        case 0..<16: return systemColours[index]
        case 16..<232:
            let cube = index - 16
            func level(_ step: Int) -> Int { step == 0 ? 0 : 55 + 40 * step }
            return (level(cube / 36), level(cube / 6 % 6), level(cube % 6))
        default:
            let grey = 8 + 10 * (min(index, 255) - 232)
            return (grey, grey, grey)
        }
    }
}

/// How many colours the terminal shows, which decides how images are drawn: exact greys with direct colour,
/// ordered-dithered palette greys with 256 colours, an ASCII ramp without colour.
public enum ColourDepth: Sendable, Equatable {
    case monochrome
    case palette256
    case direct

    /// Whether anything is drawn in colour.
    public var isColourful: Bool { self != .monochrome }
}
