import ArgumentParser

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
    /// The command's options besides the experiment's settings (those are in config.json), by option name, as each
    /// seed's folder keeps them in options.json.
    let options: [String: String]
    /// Whether seeds that completed before are read back (`--resume`) rather than run.
    let resume: Bool
}
