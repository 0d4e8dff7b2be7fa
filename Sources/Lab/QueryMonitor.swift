/// A detector of attack query streams, from what the service sees of each query: its own top confidence. It is
/// calibrated on the service's training images: a query is *unusual* when its top confidence is below the
/// `quantile` of theirs, and a client is flagged once `alarmCount` of its last `window` queries were unusual. Ordinary
/// users ask about faces like the ones the service knows, which it answers confidently; an inversion attacker feeds
/// it background knowledge (other people, other images), many of which it answers with low confidence.
public struct QueryMonitor: Sendable, Equatable {
    /// Top confidences below this are unusual.
    public let threshold: Float
    /// The queries a client is judged over.
    public let window: Int
    /// Unusual queries in one window that flag the client.
    public let alarmCount: Int

    /// Calibrated on `reference`, the top confidences of the service's training images: the threshold is their
    /// `quantile`, and a window of `window` queries flags at `alarmShare` unusual ones (on the training images about
    /// `quantile` are).
    public init(reference: [Float], window: Int = 32, quantile: Double = 0.1, alarmShare: Double = 0.5) {
        precondition(!reference.isEmpty && window >= 1 && (0...1).contains(quantile) && alarmShare > 0)
        let sorted = reference.sorted()
        threshold = sorted[min(sorted.count - 1, Int(Double(sorted.count) * quantile))]
        self.window = window
        alarmCount = max(1, Int((Double(window) * alarmShare).rounded(.up)))
    }

    /// The number of queries after which a client sending `confidences` (its queries' top confidences, in order) is
    /// flagged; nil when it never is.
    public func queriesUntilFlagged(_ confidences: [Float]) -> Int? {
        var stream = QueryStream(monitor: self)
        for (index, confidence) in confidences.enumerated() where stream.observe(confidence) { return index + 1 }
        return nil
    }

    /// How many of the clients that send consecutive runs of `clientQueries` of `confidences` are flagged.
    public func flaggedClients(_ confidences: [Float], clientQueries: Int) -> (flagged: Int, clients: Int) {
        let starts = Array(stride(from: 0, to: confidences.count - clientQueries + 1, by: clientQueries))
        let flagged = starts.filter { queriesUntilFlagged(Array(confidences[$0..<$0 + clientQueries])) != nil }.count
        return (flagged, starts.count)
    }
}

/// One client's queries as the monitor follows them: the last window's unusual ones and whether it was flagged.
public struct QueryStream: Sendable {
    public let monitor: QueryMonitor
    /// Whether each of the last `window` queries was unusual, oldest first.
    private var recent: [Bool] = []
    private var unusual = 0
    /// How many queries the client had sent when it was first flagged.
    public private(set) var flaggedAfter: Int?
    public private(set) var queries = 0

    public init(monitor: QueryMonitor) { self.monitor = monitor }

    /// Takes one query's top confidence; returns whether the client is flagged (now or before).
    public mutating func observe(_ confidence: Float) -> Bool {
        queries += 1
        let isUnusual = confidence < monitor.threshold
        recent.append(isUnusual)
        if isUnusual { unusual += 1 }
        if recent.count > monitor.window, recent.removeFirst() { unusual -= 1 }
        if flaggedAfter == nil, unusual >= monitor.alarmCount { flaggedAfter = queries }
        return flaggedAfter != nil
    }
}
