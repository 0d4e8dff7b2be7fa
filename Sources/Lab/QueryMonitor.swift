/// A detector of attack query streams, from what the service sees of each query: its own top confidence. Ordinary
/// users ask about new photos of people the service knows; an inversion attacker feeds it background knowledge
/// (other people, other images), which it mostly answers with less confidence. The monitor is calibrated on
/// `reference`, the service's top confidences for new-looking photos of its own people (its training images, shifted,
/// mirrored and brightened, because on the training images themselves it is overconfident): a query is *unusual*
/// below their `quantile`, and a client is flagged once `alarmCount` of its last `window` queries were unusual.
/// With the median and three quarters of 32, a user whose photos look like that reference reaches the alarm with
/// probability 0.35% (the binomial tail P(X ≥ 24) at n = 32, p = 1/2).
public struct QueryMonitor: Sendable, Equatable {
    /// Top confidences below this are unusual.
    public let threshold: Float
    /// The queries a client is judged over.
    public let window: Int
    /// Unusual queries in one window that flag the client.
    public let alarmCount: Int

    /// Calibrated on `reference` (top confidences): the threshold is their `quantile`, and a window of `window`
    /// queries flags at `alarmShare` unusual ones (of the reference about `quantile` are).
    public init(reference: [Float], window: Int = 32, quantile: Double = 0.5, alarmShare: Double = 0.75) {
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
