import Foundation
import TensorFiles

/// A run folder's metrics.csv: one row per epoch of the classifier or the inversion model, as `RunFolder` writes it,
/// and read back so a run opened later (`invertlab --run DIR`) shows the curves it trained along.
public enum RunMetrics {
    /// The first line, naming the columns.
    static let header = "model,epoch,loss,train_accuracy,test_accuracy,victim_train_mse,victim_test_mse,aux_held_out_mse"

    /// The row for one epoch event; nil for events that are not epochs.
    static func row(_ event: LabEvent) -> String? {
        switch event {
        case let .classifierEpoch(epoch, loss, train, test): return "classifier,\(epoch),\(loss),\(train),\(test),,,"
        case let .inversionEpoch(epoch, loss, heldOut, train, test): return "inversion,\(epoch),\(loss),,,\(train),\(test),\(heldOut)"
        default: return nil
        }
    }

    /// The epochs `file` holds, in file order. A row that is not the writer's (wrong field count, an unknown model,
    /// a number that is not finite, an epoch below 1) is refused with the file and line named.
    public static func read(from file: URL) throws -> [LabEvent] {
        let text = String(decoding: try FileBytes.read(file), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard lines.first == header else { throw FileFormatError(file, "is not a metrics.csv: its first line should be \"\(header)\"") }
        return try lines.dropFirst().enumerated().map { offset, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func fail(_ reason: String) -> Error { FileFormatError(file, "line \(offset + 2): \(reason)") }
            guard fields.count == 8 else { throw fail("\(fields.count) fields where 8 were expected") }
            func number(_ index: Int) throws -> Double {
                guard let value = Double(fields[index]), value.isFinite else { throw fail("\"\(fields[index])\" is not a finite number") }
                return value
            }
            guard let epoch = Int(fields[1]), epoch >= 1 else { throw fail("epoch \"\(fields[1])\" is not a whole number from 1") }
            switch fields[0] {
            case "classifier":
                return .classifierEpoch(epoch: epoch, loss: Float(try number(2)), trainAccuracy: try number(3), testAccuracy: try number(4))
            case "inversion":
                return .inversionEpoch(epoch: epoch, auxiliaryMSE: Float(try number(2)), heldOutMSE: try number(7),
                                       victimTrainMSE: try number(5), victimTestMSE: try number(6))
            default:
                throw fail("model \"\(fields[0])\" is neither classifier nor inversion")
            }
        }
    }
}
