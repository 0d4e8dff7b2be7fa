import Foundation

/// Repeats of one experiment under different seeds, summarised: the mean and the sample standard deviation of every
/// number that sits at the same place in each run's JSON report (objects by key, arrays by position), beside the
/// runs themselves.
public struct SeedSummary {
    public let seeds: [UInt64]
    /// The reports as JSON objects, one per seed.
    public let runs: [Any]
    /// The reports' shape with each number replaced by its mean (`mean`) or standard deviation (`deviation`); text
    /// that differs between runs becomes a list of the runs' texts.
    public let mean: Any
    public let deviation: Any

    /// Summarises `reports`, one per seed, in order.
    public init<Report: Encodable>(seeds: [UInt64], reports: [Report]) throws {
        self.init(seeds: seeds, runs: try reports.map(Self.jsonObject))
    }

    /// Summarises `runs`, one JSON report per seed, in order (reports read back from run folders).
    public init(seeds: [UInt64], runs: [Any]) {
        precondition(!runs.isEmpty && seeds.count == runs.count, "SeedSummary: one report per seed")
        self.runs = runs
        self.seeds = seeds
        mean = Self.combine(runs) { values in values.reduce(0, +) / Double(values.count) }
        deviation = Self.combine(runs) { values in
            guard values.count > 1 else { return 0 }
            let average = values.reduce(0, +) / Double(values.count)
            return (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        }
    }

    /// `report` as the JSON object a run folder keeps of it.
    public static func jsonObject(_ report: some Encodable) throws -> Any {
        try JSONSerialization.jsonObject(with: try JSONEncoder().encode(report))
    }

    /// `values` (the same place in every run) combined: numbers by `statistic`, objects and arrays place by place.
    private static func combine(_ values: [Any], _ statistic: ([Double]) -> Double) -> Any {
        if let objects = values as? [[String: Any]] {
            let keys = Set(objects.flatMap(\.keys))
            return Dictionary(uniqueKeysWithValues: keys.map { key in
                // A figure some runs lack (a monitor that never flagged) is no statistic: the runs' values stay,
                // null where missing, rather than a mean of the runs that have it.
                let present = objects.compactMap { $0[key] }
                return (key, present.count == objects.count ? combine(present, statistic) : objects.map { $0[key] ?? NSNull() })
            })
        }
        if let arrays = values as? [[Any]], let shortest = arrays.map(\.count).min() {
            return (0..<shortest).map { index in combine(arrays.map { $0[index] }, statistic) }
        }
        let numbers = values.compactMap(number)
        if !values.isEmpty, numbers.count == values.count { return statistic(numbers) }
        if let texts = values as? [String], Set(texts).count == 1 { return texts[0] }
        return values.count == 1 ? values[0] : values
    }

    /// `value` as a number, whichever type JSONSerialization gave it (whole numbers come back as integers on Linux,
    /// which also cast to Bool, so the reports hold no booleans).
    private static func number(_ value: Any) -> Double? {
        if let double = value as? Double { return double }
        if let integer = value as? Int { return Double(integer) }
        return (value as? NSNumber)?.doubleValue
    }

    /// The number at `path` (keys, or array positions as numbers) in `value`, when there is one.
    private static func follow(_ path: [String], in value: Any) -> Double? {
        var current: Any? = value
        for step in path {
            if let object = current as? [String: Any] { current = object[step] }
            else if let array = current as? [Any], let index = Int(step), array.indices.contains(index) { current = array[index] }
            else { return nil }
        }
        return current.flatMap(number)
    }

    /// The mean and deviation of the number at `path`, when there is one.
    public func statistic(_ path: [String]) -> (mean: Double, deviation: Double)? {
        guard let average = Self.follow(path, in: mean), let spread = Self.follow(path, in: deviation) else { return nil }
        return (average, spread)
    }

    /// Each run's number at `path`, nil where a run has none.
    public func perRun(_ path: [String]) -> [Double?] { runs.map { Self.follow(path, in: $0) } }

    /// One line of JSON: `seeds`, `mean`, `std` and `runs`.
    public var json: String {
        let object: [String: Any] = ["seeds": seeds.map { NSNumber(value: $0) }, "mean": mean, "std": deviation, "runs": runs]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
