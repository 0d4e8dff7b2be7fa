/// A copy of a layer's whole state (parameters, buffers, counters), to go back to a better epoch after training on.
public struct StateSnapshot: Sendable {
    private let floats: [[Float]]
    private let counters: [Int64]

    /// Copies `layer`'s state as it is now.
    public init(of layer: Layer) {
        var floats: [[Float]] = []
        var counters: [Int64] = []
        for entry in layer.stateEntries {
            switch entry.value {
            case .floats(let tensor): floats.append(Array(UnsafeBufferPointer(start: tensor.pointer, count: tensor.count)))
            case .counter(let counter): counters.append(counter.value)
            }
        }
        self.floats = floats
        self.counters = counters
    }

    /// Puts the copied state back into `layer`, which must be the layer it was taken from.
    public func restore(into layer: Layer) {
        var (floatIndex, counterIndex) = (0, 0)
        for entry in layer.stateEntries {
            switch entry.value {
            case .floats(let tensor):
                precondition(floats[floatIndex].count == tensor.count, "StateSnapshot: restored into another layer")
                floats[floatIndex].withUnsafeBufferPointer { tensor.pointer.update(from: $0.baseAddress!, count: tensor.count) }
                floatIndex += 1
            case .counter(let counter):
                counter.value = counters[counterIndex]
                counterIndex += 1
            }
        }
    }
}
