import Datasets
import NeuralNet

/// How well the service's query monitor tells the attacker's stream from ordinary users'.
public struct MonitorReport: Codable, Sendable, Equatable {
    /// Top confidences below this were unusual (the median of the service's augmented training images').
    public let threshold: Float
    public let window: Int
    public let alarmCount: Int
    /// How many queries the attacker had sent, its background knowledge in order, when it was flagged; nil if never.
    public let queriesUntilFlagged: Int?
    /// Of clients sending `clientQueries` consecutive auxiliary images each, the share flagged.
    public let detectionRate: Double
    /// Of clients sending `clientQueries` consecutive held-out private images each (ordinary users asking about
    /// people the service knows), the share flagged.
    public let falseAlarmRate: Double
    public let attackerClients: Int
    public let benignClients: Int
    public let clientQueries: Int

    enum CodingKeys: String, CodingKey {
        case threshold, window, alarmCount = "alarm_count", queriesUntilFlagged = "queries_until_flagged"
        case detectionRate = "detection_rate", falseAlarmRate = "false_alarm_rate", attackerClients = "attacker_clients"
        case benignClients = "benign_clients", clientQueries = "client_queries"
    }
}

extension Experiment {
    /// The queries each simulated client sends when the monitor's rates are measured.
    static let monitoredClientQueries = 32

    /// The service's top confidence for every image of `set`, computed inside the service (not a query), each
    /// image changed by `augmentation` first when given.
    func topConfidences(of set: ImageSet, augmentation: ImageAugmentation? = nil) throws -> [Float] {
        let predictor = SoftmaxPredictor(model: classifier.model)
        var rng = RandomGenerator(seed: config.seed &+ 31)
        var confidences: [Float] = []
        for start in stride(from: 0, to: set.count, by: 256) {
            try checkpoint()
            let indices = Array(start..<min(start + 256, set.count))
            let batch = set.batch(indices)
            augmentation?.apply(to: batch, rng: &rng)
            let vectors = try predictor(batch)
            for row in indices.indices {
                confidences.append(UnsafeBufferPointer(start: vectors.pointer + row * config.privateClasses,
                                                       count: config.privateClasses).max()!)
            }
        }
        return confidences
    }

    /// Calibrates the monitor on the trained target's training images, augmented to look like new photos of the same
    /// people, and sets it on the service, so that it watches the attacker's queries from now on.
    @discardableResult
    public func startMonitoring() throws -> QueryMonitor {
        let reference = try topConfidences(of: split.classifierTrain, augmentation: ImageAugmentation(imageSize: config.size))
        let monitor = QueryMonitor(reference: reference)
        api.monitor = monitor
        return monitor
    }

    /// The monitor's rates on `auxiliary` against the held-out private images, and when it flagged the attacker's
    /// actual stream (nil unless `startMonitoring` ran before the attack's queries).
    public func monitorReport(auxiliary: AuxiliarySource) throws -> MonitorReport {
        let monitor = try api.monitor ?? startMonitoring()
        let size = Self.monitoredClientQueries
        let attacker = monitor.flaggedClients(try topConfidences(of: try auxiliarySet(auxiliary)), clientQueries: size)
        let benign = monitor.flaggedClients(try topConfidences(of: split.classifierTest), clientQueries: size)
        return MonitorReport(threshold: monitor.threshold, window: monitor.window, alarmCount: monitor.alarmCount,
                             queriesUntilFlagged: api.attackerFlaggedAfter,
                             detectionRate: Double(attacker.flagged) / Double(max(attacker.clients, 1)),
                             falseAlarmRate: Double(benign.flagged) / Double(max(benign.clients, 1)),
                             attackerClients: attacker.clients, benignClients: benign.clients, clientQueries: size)
    }
}
