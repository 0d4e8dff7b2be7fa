import Datasets
import Foundation
import NeuralNet
import TensorFiles

/// A run's folder: config.json, metrics.csv, PNG grids and the models as safetensors. Every file is written to a
/// temporary name and renamed into place, so an interrupted run never leaves half a file.
public struct RunFolder: Sendable {
    public let url: URL

    /// A run folder at `url`, checked but not yet created (see `create`), so a run whose settings or data fail to load
    /// leaves nothing behind. Unless `replacing`, a folder that already holds a run is refused rather than
    /// overwritten; errors name `option`.
    public init(_ url: URL, option: String = "--out", replacing: Bool = true) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw ConfigurationError("\(option) \(url.path) is a file, not a folder") }
            let held = RunFolder.runFiles.filter { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }
            if !replacing, let first = held.first {
                throw ConfigurationError("\(option) \(url.path) already holds a run (\(first)); choose another folder or pass --overwrite to replace it")
            }
        }
        self.url = url
        self.option = option
    }

    /// The run folder an option names; an empty `path` is refused (as a URL it would mean the current folder).
    public init(path: String, option: String = "--out", replacing: Bool) throws {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else { throw ConfigurationError("\(option) is empty: give a folder") }
        try self.init(URL(fileURLWithPath: path), option: option, replacing: replacing)
    }

    /// The files that mark a folder as holding a run or a sweep.
    private static let runFiles = ["state.json", "config.json", "sweep.json"]

    /// The option the folder came from, named in errors.
    private let option: String

    /// Creates the folder (and its parents) if needed.
    public func create() throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            let blocked = url.pathComponents.indices.dropFirst().map { NSString.path(withComponents: Array(url.pathComponents[...$0])) }
                .first { path in
                    var isFolder: ObjCBool = false
                    return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
                }
            let reason = blocked.map { "\($0) is a file" } ?? error.localizedDescription
            throw ConfigurationError("\(option) \(url.path): cannot be created (\(reason))")
        }
    }

    /// Writes `state.json` (state, reason, time), atomically.
    public func saveState(_ state: RunState) throws {
        var fields = ["state": state.name, "time": ISO8601DateFormatter().string(from: Date())]
        if let reason = state.reason { fields["reason"] = reason }
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: file("state.json"), options: .atomic)
    }

    /// Creates the folder, marks it running, runs `body`, and records how it ended: complete, interrupted (a
    /// `RunInterruption`) or failed with the error's text. The error is rethrown.
    public func track<Result>(_ body: () throws -> Result) throws -> Result {
        try create()
        try saveState(.running)
        do {
            let result = try body()
            try saveState(.complete)
            return result
        } catch let interruption as RunInterruption {
            try? saveState(.interrupted(reason: "\(interruption); the models are those of the last finished epoch"))
            throw interruption
        } catch {
            try? saveState(.failed(reason: "\(error)"))
            throw error
        }
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func saveModel(_ model: Sequential, as name: String) throws {
        try model.saveState(to: file("\(name).safetensors"), metadata: ["written_by": "invertlab"])
    }

    /// `value` as indented JSON with sorted keys in file `name`.
    public func saveJSON(_ value: some Encodable, as name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(value).write(to: file(name), options: .atomic)
    }

    public func saveConfig(_ config: ExperimentConfig) throws {
        try saveJSON(config, as: "config.json")
    }

    /// metrics.csv: one row per epoch of either model (`RunMetrics`).
    public func saveMetrics(_ history: [LabEvent]) throws {
        let lines = [RunMetrics.header] + history.compactMap(RunMetrics.row)
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

    /// `truths` in the top row and each tensor of `rows` in a row below, image by image (rows of a comparison).
    public func saveRowsGrid(truths: ImageSet, rows: [Tensor], name: String) throws {
        var grid = ImageGrid(imageHeight: truths.height, imageWidth: truths.width, columns: max(truths.count, 1))
        for index in 0..<truths.count { grid.append(truths.image(index)) }
        for images in rows {
            for index in 0..<min(truths.count, images.shape[0]) { grid.append(floats: images.sample(index)) }
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
