import ArgumentParser
import Foundation
import Lab

/// `--seeds N`: repeat an experiment under N seeds (the configured one and the next N - 1) and report mean and
/// standard deviation.
struct SeedsOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Repeat with this many seeds (the configured seed and the ones after it); reports mean and standard deviation.")
    var seeds = 1

    /// The largest repeat count: enough for any paper's table, small enough that a typo does not start weeks of work.
    static let limit = 1...100

    /// Refuses a count out of range, and a loaded classifier, which was trained on one seed's split.
    func check(classifier: String?) throws {
        guard Self.limit.contains(seeds) else {
            throw ValidationError("--seeds must be between \(Self.limit.lowerBound) and \(Self.limit.upperBound), not \(seeds)")
        }
        if seeds > 1, classifier != nil {
            throw ValidationError("--seeds \(seeds) with --classifier: a trained classifier saw one seed's split, so the other seeds' test victims would be its training images")
        }
    }

    /// The seeds to run: `first` and the ones after it.
    func list(from first: UInt64) -> [UInt64] { (0..<UInt64(seeds)).map { first &+ $0 } }

    /// Runs `once` for each seed from `config`'s, each with its run folder `OUT/seed-S` (all checked before the first
    /// starts), and summarises the reports, writing `OUT/summary.json`. With `resumable`, each folder also keeps the
    /// command's options, and when resuming, a seed that completed with the same settings is read back, not run, and
    /// one left unfinished with the same settings keeps what it finished.
    func repeatEach<Report: Encodable>(_ config: ExperimentConfig, out: String?, overwrite: Bool, quiet: Bool,
                                       resumable: ResumableReport? = nil,
                                       _ once: (ExperimentConfig, RunFolder?) throws -> Report) throws -> SeedSummary {
        let seeds = list(from: config.seed)
        let resuming = resumable?.resume == true
        let folders = try seeds.map { seed in
            try out.map { try RunFolder(path: "\($0)/seed-\(seed)", replacing: overwrite || resuming) }
        }
        var settings = config
        let plan = try zip(seeds, folders).map { seed, folder -> RunFolder.Resumption in
            settings.seed = seed
            guard resuming, let folder, let resumable else { return .run(sameSettings: false) }
            let resumption = try folder.resumption(report: resumable.file, config: settings, options: resumable.options)
            if case .completed(let report) = resumption { try resumable.check(report, from: folder.file(resumable.file)) }
            return resumption
        }
        var runs: [Any] = []
        for ((seed, folder), resumption) in zip(zip(seeds, folders), plan) {
            settings.seed = seed
            let counter = "seed \(seed) (\(runs.count + 1) of \(seeds.count))"
            if case .completed(let report) = resumption {
                if !quiet { FileHandle.standardError.write(Data("\(counter): completed before, read from \(folder?.url.path ?? "")\n".utf8)) }
                runs.append(report)
                continue
            }
            if !quiet { FileHandle.standardError.write(Data("\(counter)\n".utf8)) }
            if let resumable, let folder {
                if case .run(sameSettings: false) = resumption, let unfinished = resumable.unfinished { try folder.discardUnfinished(unfinished) }
                try folder.saveOptions(resumable.options)
            }
            runs.append(try SeedSummary.jsonObject(try once(settings, folder)))
        }
        let summary = SeedSummary(seeds: seeds, runs: runs)
        if let out { try (summary.json + "\n").write(toFile: "\(out)/summary.json", atomically: true, encoding: .utf8) }
        return summary
    }
}
