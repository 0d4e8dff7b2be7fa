/// Wall-clock time spent in each layer of a network, forward and backward, for finding where a step's time goes.
public final class LayerProfile {
    /// One layer's accumulated seconds.
    public struct Entry {
        public let name: String
        public var forwardSeconds: Double = 0
        public var backwardSeconds: Double = 0
    }

    /// Entries in network order.
    public private(set) var entries: [Entry] = []
    private var positions: [ObjectIdentifier: Int] = [:]

    public init() {}

    /// Forgets the times so far (after a warm-up step, say); keeps the layer order.
    public func reset() {
        for index in entries.indices {
            entries[index].forwardSeconds = 0
            entries[index].backwardSeconds = 0
        }
    }

    /// Steps the times cover, set by whoever runs them; the figures printed are per step.
    public var steps = 0

    func add(_ layer: Layer, name: String, seconds: Double, backward: Bool) {
        let key = ObjectIdentifier(layer)
        if positions[key] == nil {
            positions[key] = entries.count
            entries.append(Entry(name: name))
        }
        if backward { entries[positions[key]!].backwardSeconds += seconds } else { entries[positions[key]!].forwardSeconds += seconds }
    }
}
