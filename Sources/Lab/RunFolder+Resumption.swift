import Foundation
import TensorFiles

extension RunFolder {
    /// What resuming finds in a seed's folder.
    public enum Resumption {
        /// No finished run: run it here (the folder is new, or its run was interrupted or failed). `sameSettings`:
        /// the unfinished run had this run's settings, so what it finished may be reused.
        case run(sameSettings: Bool)
        /// A run completed here with the same settings: its report, as JSON.
        case completed(report: Any)
    }

    /// Whether a run of `config` with the command's `options` completed here, leaving its report in file `report`.
    /// A run that completed with other settings, or one still marked running, is refused with the reason: resuming
    /// must neither overwrite finished work nor start a second process on a seed another is running.
    public func resumption(report: String, config: ExperimentConfig, options: [String: String]) throws -> Resumption {
        let stateFile = file("state.json")
        guard FileManager.default.fileExists(atPath: stateFile.path) else { return .run(sameSettings: false) }
        let state = (try Self.json(stateFile) as? [String: Any])?["state"] as? String
        let differing = try settingsFile(differingFrom: config, options: options)
        switch state {
        case RunState.complete.name: break
        case RunState.running.name:
            throw ConfigurationError("\(url.path) is marked running (state.json): wait for the process running it, or remove the folder if that process is gone")
        default: return .run(sameSettings: differing == nil)
        }
        if let differing {
            throw ConfigurationError("\(url.path) completed with other settings (its \(differing) differs): choose another --out, or pass --overwrite to run every seed again")
        }
        return .completed(report: try Self.json(file(report)))
    }

    /// The first of config.json and options.json that is missing here or holds other settings than `config` and
    /// `options`; nil when both match.
    private func settingsFile(differingFrom config: ExperimentConfig, options: [String: String]) throws -> String? {
        for (name, expected) in [("config.json", try SeedSummary.jsonObject(config)), ("options.json", options as Any)] {
            guard FileManager.default.fileExists(atPath: file(name).path),
                  try Self.canonical(try Self.json(file(name))) == (try Self.canonical(expected)) else { return name }
        }
        return nil
    }

    /// Removes subfolder `name`, where an unfinished run kept what it had finished: a run with other settings must
    /// not read it back.
    public func discardUnfinished(_ name: String) throws {
        let folder = file(name)
        guard FileManager.default.fileExists(atPath: folder.path) else { return }
        do { try FileManager.default.removeItem(at: folder) } catch {
            throw ConfigurationError("\(folder.path) holds what a run with other settings finished and cannot be removed (\(error.localizedDescription))")
        }
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
