import Datasets
import Foundation
import NeuralNet
import TensorFiles

/// A run's folder: config.json, metrics.csv, PNG grids and the models as safetensors. Every file is written to a
/// temporary name and renamed into place, so an interrupted run never leaves half a file.
public struct RunFolder: Sendable {
    public let url: URL

    /// Creates the folder (and its parents) if needed.
    public init(_ url: URL) throws {
        self.url = url
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw ConfigurationError("--out \(url.path): cannot be created (\(error.localizedDescription))")
        }
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func saveModel(_ model: Sequential, as name: String) throws {
        try model.saveState(to: file("\(name).safetensors"), metadata: ["written_by": "invertlab"])
    }

    public func saveConfig(_ config: ExperimentConfig) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(config).write(to: file("config.json"), options: .atomic)
    }

    /// metrics.csv: one row per epoch of either model.
    public func saveMetrics(_ history: [LabEvent]) throws {
        var lines = ["model,epoch,loss,train_accuracy,test_accuracy,victim_train_mse,victim_test_mse"]
        for event in history {
            switch event {
            case let .classifierEpoch(epoch, loss, train, test):
                lines.append("classifier,\(epoch),\(loss),\(train),\(test),,")
            case let .inversionEpoch(epoch, loss, train, test):
                lines.append("inversion,\(epoch),\(loss),,,\(train),\(test)")
            default:
                continue
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(to: file("metrics.csv"), atomically: true, encoding: .utf8)
    }

    /// The authors' grid: rows of 8 truths alternating with rows of their reconstructions.
    public func saveReconstructionGrid(truths: ImageSet, reconstructions: Tensor, name: String) throws {
        let size = truths.height
        var grid = ImageGrid(imageHeight: size, imageWidth: size, columns: 8)
        let count = min(truths.count, reconstructions.shape[0])
        for start in stride(from: 0, to: count, by: 8) {
            let row = start..<min(start + 8, count)
            for index in row { grid.append(truths.image(index)) }
            for index in row {
                grid.append(floats: reconstructions.sample(index))
            }
        }
        try grid.writePNG(to: file(name))
    }

    /// One image per class, in rows of 8.
    public func saveClassGrid(_ images: Tensor, name: String) throws {
        let size = images.shape[2]
        var grid = ImageGrid(imageHeight: size, imageWidth: size, columns: 8)
        for index in 0..<images.shape[0] {
            grid.append(floats: images.sample(index))
        }
        try grid.writePNG(to: file(name))
    }
}
