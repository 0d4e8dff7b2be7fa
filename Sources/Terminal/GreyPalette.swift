/// The greys a 256-colour terminal can show: black (16), the 24-step grey ramp (232-255: 8, 18, ... 238) and the four
/// greys on the colour cube's diagonal (59, 102, 145, 188: 95, 135, 175, 215), and white (231), 30 levels in all. A
/// value is drawn as the nearest level, or, with ordered dithering, as one of the two levels around it chosen by a 4x4
/// Bayer threshold at the pixel's position, so that neighbouring cells average to the value and gradients do not band.
public enum GreyPalette {
    /// (palette index, grey 0-255), darkest first.
    static let levels: [(index: Int, grey: Int)] = {
        var levels = [(16, 0), (231, 255)] + (0..<24).map { (232 + $0, 8 + 10 * $0) }
        levels += (1...4).map { (16 + 43 * $0, [0, 95, 135, 175, 215][$0]) }
        return levels.sorted { $0.1 < $1.1 }.map { (index: $0.0, grey: $0.1) }
    }()

    /// The 4x4 Bayer matrix's thresholds in (0, 1).
    static let bayer: [Float] = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5].map { (Float($0) + 0.5) / 16 }

    /// The levels just below and above `value` in [0, 1] (equal at the ends), and where it lies between them (0-1).
    private static func bracket(_ value: Float) -> (lower: (index: Int, grey: Int), upper: (index: Int, grey: Int), fraction: Float) {
        let grey = max(0, min(1, value.isFinite ? value : 0)) * 255
        guard let above = levels.firstIndex(where: { Float($0.grey) >= grey }), above > 0 else { return (levels[0], levels[0], 0) }
        let (lower, upper) = (levels[above - 1], levels[above])
        return (lower, upper, (grey - Float(lower.grey)) / Float(upper.grey - lower.grey))
    }

    /// The palette index of the level nearest to `value`.
    public static func nearest(_ value: Float) -> Int {
        let (lower, upper, fraction) = bracket(value)
        return fraction < 0.5 ? lower.index : upper.index
    }

    /// The palette index for `value` at pixel (`x`, `y`), ordered-dithered between the two levels around it.
    public static func dithered(_ value: Float, x: Int, y: Int) -> Int {
        let (lower, upper, fraction) = bracket(value)
        return fraction > bayer[(y & 3) * 4 + (x & 3)] ? upper.index : lower.index
    }

    /// The grey (0-1) palette index `index` shows, for measuring what a drawing shows.
    public static func grey(ofIndex index: Int) -> Float? {
        levels.first { $0.index == index }.map { Float($0.grey) / 255 }
    }
}
