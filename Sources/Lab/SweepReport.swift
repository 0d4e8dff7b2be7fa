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
        /// The evaluator's top-1 accuracy on the test victims' reconstructions by each model.
        public let alignedAccuracyTop1: Double
        public let unalignedAccuracyTop1: Double
        /// The baselines on the test victims under this release: MSE and top-1 accuracy by baseline name.
        public let baselineTest: [String: Double]
        public let baselineAccuracyTop1: [String: Double]

        public init(aligned: TruncationSweep.Row, unaligned: TruncationSweep.Row, baselines: [Baseline: AttackGrade]) {
            k = aligned.policy.text
            aux = aligned.auxiliary.text
            (alignedTrain, alignedTest) = aligned.mse
            (unalignedTrain, unalignedTest) = unaligned.mse
            alignedAccuracyTop1 = aligned.grade.accuracyTop1 ?? 0
            unalignedAccuracyTop1 = unaligned.grade.accuracyTop1 ?? 0
            baselineTest = Dictionary(uniqueKeysWithValues: baselines.map { ($0.key.rawValue, $0.value.pixels.mse) })
            baselineAccuracyTop1 = Dictionary(uniqueKeysWithValues: baselines.map { ($0.key.rawValue, $0.value.accuracyTop1 ?? 0) })
        }

        enum CodingKeys: String, CodingKey {
            case k, aux, alignedTrain = "aligned_mse_train", alignedTest = "aligned_mse_test"
            case unalignedTrain = "unaligned_mse_train", unalignedTest = "unaligned_mse_test"
            case alignedAccuracyTop1 = "aligned_acc_top1", unalignedAccuracyTop1 = "unaligned_acc_top1"
            case baselineTest = "baseline_mse_test", baselineAccuracyTop1 = "baseline_acc_top1"
        }
    }

    public let classifierTestAccuracy: Double
    /// The evaluation classifier's accuracy on its held-out private images.
    public let evaluatorTestAccuracy: Double
    public let rows: [Row]

    public init(classifierTestAccuracy: Double, evaluatorTestAccuracy: Double, rows: [Row]) {
        self.classifierTestAccuracy = classifierTestAccuracy
        self.evaluatorTestAccuracy = evaluatorTestAccuracy
        self.rows = rows
    }

    enum CodingKeys: String, CodingKey {
        case classifierTestAccuracy = "classifier_test_accuracy", evaluatorTestAccuracy = "evaluator_test_accuracy", rows
    }

    /// One line of JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The rows as CSV, one header line first.
    public var csv: String {
        let baselines = Baseline.allCases.map(\.rawValue)
        var lines = ["aux,k,aligned_mse_train,aligned_mse_test,unaligned_mse_train,unaligned_mse_test,aligned_acc_top1,unaligned_acc_top1,"
                     + baselines.map { "\($0)_mse_test,\($0)_acc_top1" }.joined(separator: ",")]
        for row in rows {
            let aux = row.aux.contains(",") || row.aux.contains("\"") ? "\"" + row.aux.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : row.aux
            let baselineColumns = baselines.map { "\(row.baselineTest[$0] ?? .nan),\(row.baselineAccuracyTop1[$0] ?? .nan)" }
            lines.append("\(aux),\(row.k),\(row.alignedTrain),\(row.alignedTest),\(row.unalignedTrain),\(row.unalignedTest),"
                         + "\(row.alignedAccuracyTop1),\(row.unalignedAccuracyTop1)," + baselineColumns.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The paper-style table with the attack accuracy (top-1 on the test victims) beside each MSE, and the
    /// nearest-auxiliary baseline; a `!` marks an attack that does not beat that baseline's accuracy.
    public var table: String {
        // The aux column fits its longest name ("generic:180", a path), at least as wide as the kinds' names.
        let auxWidth = max(10, rows.map(\.aux.count).max() ?? 0)
        var lines = [String(format: "classifier test accuracy %.1f%%, evaluator held-out accuracy %.1f%%", 100 * classifierTestAccuracy,
                            100 * evaluatorTestAccuracy),
                     "aux".padding(toLength: auxWidth, withPad: " ", startingAt: 0)
                        + " k     aligned MSE (train / test)  acc    unaligned MSE (train / test)  acc    nearest aux MSE  acc"]
        for row in rows {
            // Padded in Swift: Foundation on Linux ignores the width of %@.
            let label = row.aux.padding(toLength: auxWidth, withPad: " ", startingAt: 0) + " " + row.k.padding(toLength: 5, withPad: " ", startingAt: 0)
            let nearest = row.baselineAccuracyTop1[Baseline.nearest.rawValue] ?? 0
            func accuracy(_ value: Double) -> String {
                String(format: "%5.1f%%", 100 * value) + (value <= nearest ? "!" : " ")
            }
            lines.append(label + String(format: " %.4f / %.4f             ", row.alignedTrain, row.alignedTest) + accuracy(row.alignedAccuracyTop1)
                         + String(format: " %.4f / %.4f               ", row.unalignedTrain, row.unalignedTest) + accuracy(row.unalignedAccuracyTop1)
                         + String(format: " %.4f          %5.1f%%", row.baselineTest[Baseline.nearest.rawValue] ?? .nan, 100 * nearest))
        }
        lines.append("acc: evaluator top-1 on the test victims' reconstructions; ! = not above the nearest-auxiliary baseline")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes sweep.json, sweep.csv and sweep.txt into `folder`.
    public func write(to folder: RunFolder) throws {
        try (json + "\n").write(to: folder.file("sweep.json"), atomically: true, encoding: .utf8)
        try csv.write(to: folder.file("sweep.csv"), atomically: true, encoding: .utf8)
        try table.write(to: folder.file("sweep.txt"), atomically: true, encoding: .utf8)
    }
}
