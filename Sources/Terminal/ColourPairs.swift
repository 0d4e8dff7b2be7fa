/// The terminal's colour pairs, handed out per (foreground, background) and reused once no cell of the frame on
/// screen needs them. Exact greys make up to 65536 grey pairs, more than a terminal has, but a frame holds at most a
/// pair per cell, so a pair left out of the frame being drawn can take a new definition without changing what shows.
public struct ColourPairs {
    /// A pair's colours as terminal colour numbers; -1 is the terminal's default.
    public struct Colours: Hashable, Sendable {
        public let foreground: Int
        public let background: Int

        public init(foreground: Int, background: Int) {
            self.foreground = foreground
            self.background = background
        }
    }

    /// Pair numbers 1 up to this one (exclusive) are handed out; 0 is the terminal's default pair.
    private let limit: Int
    private var numbers: [Colours: Int] = [:]
    private var colours: [Int: Colours] = [:]
    private var lastFrame: [Int: Int] = [:]
    private var nextUnused = 1
    private var frame = 0
    /// Pairs left out of the current frame so far, gathered when the unused numbers ran out.
    private var reusable: [Int] = []
    private var gatheredInFrame = -1

    public init(limit: Int) { self.limit = max(1, limit) }

    /// Starts a frame: pairs not used from here on until the next frame may be redefined.
    public mutating func beginFrame() { frame += 1 }

    /// The pair for `wanted`, and whether it must be (re)defined first; pair 0 when every pair is in this frame.
    public mutating func pair(for wanted: Colours) -> (number: Int, isNew: Bool) {
        if let known = numbers[wanted] {
            lastFrame[known] = frame
            return (known, false)
        }
        let number: Int
        if nextUnused < limit {
            number = nextUnused
            nextUnused += 1
        } else if let stale = takeReusable() {
            numbers[colours[stale]!] = nil
            number = stale
        } else {
            return (0, false)
        }
        numbers[wanted] = number
        colours[number] = wanted
        lastFrame[number] = frame
        return (number, true)
    }

    /// A pair no cell of the current frame uses; the scan over all pairs runs at most once a frame.
    private mutating func takeReusable() -> Int? {
        if reusable.isEmpty && gatheredInFrame != frame {
            gatheredInFrame = frame
            reusable = lastFrame.filter { $0.value < frame }.map(\.key).sorted(by: >)
        }
        while let candidate = reusable.popLast() {
            if lastFrame[candidate]! < frame { return candidate }
        }
        return nil
    }
}
