import ArgumentParser
import Foundation
import Lab

/// `--resume` for the commands whose multi-seed tables take hours (`defend`, `compare`): an interrupted table, or
/// seeds run one per process (`--seed S --seeds 1` into the same --out), end in one summary without running a
/// finished seed again.
struct ResumeFlag: ParsableArguments {
    @Flag(help: "With --out: read back each seed whose folder OUT/seed-S completed with the same settings, and run only the others.")
    var resume = false

    /// Refuses `--resume` without a folder to resume from, or beside `--overwrite`, which asks the opposite.
    func check(out: String?, overwrite: Bool) throws {
        guard resume else { return }
        if out == nil { throw ValidationError("--resume reads the seeds finished in --out: give --out") }
        if overwrite { throw ValidationError("--resume keeps finished seeds and --overwrite runs them again: choose one") }
    }
}

/// What a resumable command's seed folders hold: the report's file name and the options that shaped it.
struct ResumableReport {
    /// The report's file name in each seed's folder.
    let file: String
    /// Reads a report back as the command's report type, so one of another shape is refused rather than summarised
    /// as missing figures.
    private let decode: (Data) throws -> Void
    /// The command's options besides the experiment's settings (those are in config.json), by option name, as each
    /// seed's folder keeps them in options.json.
    let options: [String: String]
    /// Whether seeds that completed before are read back (`--resume`) rather than run.
    let resume: Bool
    /// The subfolder of a seed's folder where the command keeps what an unfinished seed has finished, when it
    /// keeps anything: reused when resuming with the same settings, removed before any other run of the seed.
    let unfinished: String?

    init<Report: Decodable>(file: String, of type: Report.Type, options: [String: String], resume: Bool, unfinished: String? = nil) {
        self.file = file
        decode = { _ = try JSONDecoder().decode(type, from: $0) }
        self.options = options
        self.resume = resume
        self.unfinished = unfinished
    }

    /// Refuses a report read back from `url` that is not this command's report, naming the file and the first field
    /// that does not fit.
    func check(_ report: Any, from url: URL) throws {
        do { try decode(try JSONSerialization.data(withJSONObject: report)) } catch let error as DecodingError {
            throw ConfigurationError("\(url.path): not a \(file) report (\(Self.describe(error))); remove the seed's folder or pass --overwrite to run it again")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "no field \(path(context).isEmpty ? "" : path(context) + ".")\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return path(context).isEmpty ? context.debugDescription : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
