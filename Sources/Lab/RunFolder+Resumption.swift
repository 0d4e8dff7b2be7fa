import Foundation
import TensorFiles

extension RunFolder {
    /// What resuming finds in a seed's folder.
    public enum Resumption {
        /// No finished run: run it here (the folder is new, or its run was interrupted or failed).
        case run
        /// A run completed here with the same settings: its report, as JSON.
        case completed(report: Any)
    }

    /// Whether a run of `config` with the command's `options` completed here, leaving its report in file `report`.
    /// A run that completed with other settings, or one still marked running, is refused with the reason: resuming
    /// must neither overwrite finished work nor start a second process on a seed another is running.
    public func resumption(report: String, config: ExperimentConfig, options: [String: String]) throws -> Resumption {
        let stateFile = file("state.json")
        guard FileManager.default.fileExists(atPath: stateFile.path) else { return .run }
        let state = (try Self.json(stateFile) as? [String: Any])?["state"] as? String
        switch state {
        case RunState.complete.name: break
        case RunState.running.name:
            throw ConfigurationError("\(url.path) is marked running (state.json): wait for the process running it, or remove the folder if that process is gone")
        default: return .run
        }
        for (name, expected) in [("config.json", try SeedSummary.jsonObject(config)), ("options.json", options as Any)]
        where try Self.canonical(try Self.json(file(name))) != (try Self.canonical(expected)) {
            throw ConfigurationError("\(url.path) completed with other settings (its \(name) differs): choose another --out, or pass --overwrite to run every seed again")
        }
        return .completed(report: try Self.json(file(report)))
    }

    /// Writes the command options that shaped this folder's report (options.json), for `resumption` to compare.
    public func saveOptions(_ options: [String: String]) throws {
        try create()
        try saveJSON(options, as: "options.json")
    }

    /// `file` parsed as JSON, or an error naming it.
    private static func json(_ file: URL) throws -> Any {
        do { return try JSONSerialization.jsonObject(with: try FileBytes.read(file)) } catch let error as FileFormatError {
            throw error
        } catch {
            throw FileFormatError(file, "is not valid JSON")
        }
    }

    /// `value` written with sorted keys, so two JSON values compare by content rather than by layout.
    private static func canonical(_ value: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
    }
}
