import Foundation

/// The CLI sweep's table: for each auxiliary set and victims' release, the victims' MSE by the model trained like
/// the victims (aligned) and by the one trained on full vectors (unaligned). Written as JSON, CSV and text.
public struct SweepReport: Codable, Sendable {
    /// One (auxiliary set, release) row of the comparison.
    public struct Row: Codable, Sendable {
        public let k: String
        public let aux: String
        public let alignedTrain: Double
        public let alignedTest: Double
        public let unalignedTrain: Double
        public let unalignedTest: Double

        public init(aligned: TruncationSweep.Row, unaligned: TruncationSweep.Row) {
            k = aligned.policy.text
            aux = aligned.auxiliary.text
            (alignedTrain, alignedTest) = aligned.mse
            (unalignedTrain, unalignedTest) = unaligned.mse
        }

        enum CodingKeys: String, CodingKey {
            case k, aux, alignedTrain = "aligned_mse_train", alignedTest = "aligned_mse_test"
            case unalignedTrain = "unaligned_mse_train", unalignedTest = "unaligned_mse_test"
        }
    }

    public let classifierTestAccuracy: Double
    public let rows: [Row]

    public init(classifierTestAccuracy: Double, rows: [Row]) {
        self.classifierTestAccuracy = classifierTestAccuracy
        self.rows = rows
    }

    enum CodingKeys: String, CodingKey { case classifierTestAccuracy = "classifier_test_accuracy", rows }

    /// One line of JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The rows as CSV, one header line first.
    public var csv: String {
        var lines = ["aux,k,aligned_mse_train,aligned_mse_test,unaligned_mse_train,unaligned_mse_test"]
        for row in rows {
            let aux = row.aux.contains(",") || row.aux.contains("\"") ? "\"" + row.aux.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : row.aux
            lines.append("\(aux),\(row.k),\(row.alignedTrain),\(row.alignedTest),\(row.unalignedTrain),\(row.unalignedTest)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The paper-style table.
    public var table: String {
        var lines = [String(format: "classifier test accuracy %.1f%%", 100 * classifierTestAccuracy),
                     "aux        k     aligned MSE (train / test)   unaligned MSE (train / test)"]
        for row in rows {
            // Padded in Swift: Foundation on Linux ignores the width of %@.
            let label = row.aux.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + row.k.padding(toLength: 5, withPad: " ", startingAt: 0)
            lines.append(label + String(format: " %.4f / %.4f              %.4f / %.4f",
                                        row.alignedTrain, row.alignedTest, row.unalignedTrain, row.unalignedTest))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes sweep.json, sweep.csv and sweep.txt into `folder`.
    public func write(to folder: RunFolder) throws {
        try (json + "\n").write(to: folder.file("sweep.json"), atomically: true, encoding: .utf8)
        try csv.write(to: folder.file("sweep.csv"), atomically: true, encoding: .utf8)
        try table.write(to: folder.file("sweep.txt"), atomically: true, encoding: .utf8)
    }
}
