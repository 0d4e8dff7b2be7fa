import Datasets
import Foundation

/// The defence table as a picture: each defence a numbered point at (the target's test accuracy, the attack's top-1
/// accuracy), both axes 0 to 100% with ticks every 25%. A good defence sits bottom right: the service keeps its
/// accuracy and the attack loses its. The numbers are the table's row numbers (the text output lists them), drawn
/// in a 3 x 5 pixel digit font so that the picture needs no font library.
public struct PriceProtectionChart {
    /// (test accuracy, attack accuracy) per row, each in [0, 1].
    public let points: [(price: Double, protection: Double)]

    public init(points: [(price: Double, protection: Double)]) { self.points = points }

    static let plotSide = 240
    static let margin = 36
    static let scale = 2

    /// Rows of three bits, top first, for 0 to 9.
    private static let digits: [[UInt8]] = [
        [0b111, 0b101, 0b101, 0b101, 0b111], [0b010, 0b110, 0b010, 0b010, 0b111], [0b111, 0b001, 0b111, 0b100, 0b111],
        [0b111, 0b001, 0b111, 0b001, 0b111], [0b101, 0b101, 0b111, 0b001, 0b001], [0b111, 0b100, 0b111, 0b001, 0b111],
        [0b111, 0b100, 0b111, 0b101, 0b111], [0b111, 0b001, 0b010, 0b010, 0b010], [0b111, 0b101, 0b111, 0b101, 0b111],
        [0b111, 0b101, 0b111, 0b001, 0b111],
    ]

    /// The picture: white, black axes and ticks, grey grid at 50%, points as 5 x 5 squares with their row number.
    public func render() -> GreyImage {
        let side = Self.plotSide + 2 * Self.margin
        var pixels = [UInt8](repeating: 255, count: side * side)
        func set(_ x: Int, _ y: Int, _ value: UInt8) {
            guard (0..<side).contains(x), (0..<side).contains(y) else { return }
            pixels[y * side + x] = value
        }
        let origin = (x: Self.margin, y: Self.margin + Self.plotSide)
        func position(_ share: Double, vertical: Bool) -> Int {
            let offset = Int((max(0, min(1, share)) * Double(Self.plotSide)).rounded())
            return vertical ? origin.y - offset : origin.x + offset
        }
        for step in 0...4 {
            let share = Double(step) / 4
            let x = position(share, vertical: false), y = position(share, vertical: true)
            for along in 0...Self.plotSide where step == 2 {
                set(x, origin.y - along, 200)
                set(origin.x + along, y, 200)
            }
            for tick in 1...4 {
                set(x, origin.y + tick, 0)
                set(origin.x - tick, y, 0)
            }
            let label = String(25 * step)
            draw(label, atX: x - textWidth(label) / 2, y: origin.y + 7, into: set)
            draw(label, atX: origin.x - 6 - textWidth(label), y: y - 5, into: set)
        }
        for along in 0...Self.plotSide {
            set(origin.x + along, origin.y, 0)
            set(origin.x, origin.y - along, 0)
        }
        for (index, point) in points.enumerated() {
            let x = position(point.price, vertical: false), y = position(point.protection, vertical: true)
            for dy in -2...2 { for dx in -2...2 { set(x + dx, y + dy, 0) } }
            draw(String(index + 1), atX: x + 4, y: y - 12, into: set)
        }
        return GreyImage(width: side, height: side, pixels: pixels)
    }

    private func textWidth(_ text: String) -> Int { text.count * 4 * Self.scale - Self.scale }

    /// Draws the digits of `text` with its top-left corner at (x, y), each font pixel `scale` pixels wide.
    private func draw(_ text: String, atX x: Int, y: Int, into set: (Int, Int, UInt8) -> Void) {
        for (position, character) in text.enumerated() {
            guard let digit = character.wholeNumberValue else { continue }
            for (row, bits) in Self.digits[digit].enumerated() {
                for column in 0..<3 where bits & (0b100 >> column) != 0 {
                    for dy in 0..<Self.scale {
                        for dx in 0..<Self.scale {
                            set(x + (position * 4 + column) * Self.scale + dx, y + row * Self.scale + dy, 0)
                        }
                    }
                }
            }
        }
    }
}
