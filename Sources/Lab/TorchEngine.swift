import Foundation

/// Trains a run's models with PyTorch: exports the split (`TorchExport`), runs `scripts/torch_engine.py` on the run
/// folder, passes its progress lines on as the lab's events, and hands the trained files to the experiment, which
/// then grades and draws the run as it does its own.
public struct TorchEngine: Sendable {
    /// The command that starts the engine; the run folder's path is appended.
    public let command: [String]

    /// An engine started by `command`, or by default the Python of `INVERTLAB_PYTHON` (else `python3`) on the
    /// shipped script: directly for one process, through torchrun (`torch.distributed.run`) for `processes` of them,
    /// one per GPU.
    public init(command: [String]? = nil, processes: Int = 1) throws {
        if let command {
            self.command = command
            return
        }
        guard let script = ExperimentConfig.repositoryFile("scripts/torch_engine.py") else {
            throw ConfigurationError("--engine torch: scripts/torch_engine.py was not found beside the Assets folder (run invertlab from its repository, or set INVERTLAB_ASSETS to the repository's Assets)")
        }
        let python = ProcessInfo.processInfo.environment["INVERTLAB_PYTHON"] ?? "python3"
        self.command = processes > 1
            ? [python, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", String(processes), script.path]
            : [python, script.path]
    }

    /// Refuses what the torch engine does not train: training defences and the joint attack run on invertlab's
    /// own engine only; the exchange needs a run folder.
    public static func check(_ config: ExperimentConfig, jointWeight: Float?, folder: RunFolder?) throws {
        guard folder != nil else {
            throw ConfigurationError("--engine torch needs --out: the run folder is where the two engines exchange data and models")
        }
        guard config.defence == .none else {
            throw ConfigurationError("--engine torch trains without a training defence; --defence \(config.defence.text) runs on --engine invertlab")
        }
        guard jointWeight == nil else {
            throw ConfigurationError("--engine torch does not train the joint attack; --joint runs on --engine invertlab")
        }
    }

    /// Exports `lab`'s data into `folder`, trains there with PyTorch (the classifier too when `trainClassifier`, and
    /// the inversion models of `plans`), and adopts the trained models, with their epochs, into `lab`; the last
    /// stage reported says where it trained and how long it took.
    public func train(_ lab: Experiment, in folder: RunFolder, trainClassifier: Bool, plans: [TorchDecoderPlan],
                      observe: (LabEvent) throws -> Void, checkpoint: () throws -> Void) throws {
        let started = Date()
        try observe(.stage("exporting the split for the torch engine into \(folder.file(TorchExport.folderName).path)"))
        try TorchExport.write(lab, into: folder, trainClassifier: trainClassifier, plans: plans)
        var classifierHistory: [LabEvent] = []
        var inversionHistories: [String: [LabEvent]] = [:]
        var summary: TorchProgress?
        try run(folder, checkpoint: checkpoint) { progress in
            if progress.event == "done" { summary = progress }
            guard let event = progress.labEvent else { return }
            switch event {
            case .classifierEpoch: classifierHistory.append(event)
            case .inversionEpoch: inversionHistories[progress.file ?? "", default: []].append(event)
            default: break
            }
            try observe(event)
            try checkpoint()
        }
        guard let summary else {
            throw ConfigurationError("the torch engine ended without its closing summary; its messages are in \(errorLog(folder).path)")
        }
        if trainClassifier {
            try lab.adoptClassifier(from: folder.file("classifier.safetensors"), history: classifierHistory)
        }
        for plan in plans {
            try lab.adoptInversion(from: folder.file(plan.file), auxiliary: plan.auxiliary, trainingPolicy: plan.trainingPolicy,
                                   history: inversionHistories[plan.file] ?? [], historyRelease: plan.victimRelease,
                                   chosenEpoch: summary.chosenEpochs?[plan.file] ?? nil)
        }
        try observe(.stage(String(format: "torch engine: trained on %@ with torch %@ in %.0f s", summary.device ?? "?",
                                  summary.torch ?? "?", Date().timeIntervalSince(started))))
    }

    /// Where the engine's stderr goes: kept whole in the run folder, its tail quoted in errors.
    private func errorLog(_ folder: RunFolder) -> URL {
        folder.file(TorchExport.folderName).appendingPathComponent("stderr.log")
    }

    /// Runs the command on `folder`, handing each stdout line that parses to `handle`; throws when it cannot start,
    /// exits non-zero (quoting its message), or when `handle` throws (the process is then stopped). A stop asked for
    /// while it ran (Ctrl-C reaches the script too) is reported by `checkpoint` as the interruption it is.
    private func run(_ folder: RunFolder, checkpoint: () throws -> Void, handle: (TorchProgress) throws -> Void) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command + [folder.url.path]
        let output = Pipe()
        process.standardOutput = output
        let log = errorLog(folder)
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw ConfigurationError("\(log.path): cannot be created")
        }
        let errors = try FileHandle(forWritingTo: log)
        defer { try? errors.close() }
        process.standardError = errors
        do { try process.run() } catch {
            throw ConfigurationError("--engine torch: cannot start \(command.joined(separator: " ")) (\(error.localizedDescription))")
        }
        var pending = Data()
        let decoder = JSONDecoder()
        do {
            while case let chunk = output.fileHandleForReading.availableData, !chunk.isEmpty {
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[pending.startIndex..<newline]
                    pending = Data(pending[pending.index(after: newline)...])
                    guard let progress = try? decoder.decode(TorchProgress.self, from: line) else { continue }
                    try handle(progress)
                }
            }
        } catch {
            process.terminate()
            process.waitUntilExit()
            throw error
        }
        process.waitUntilExit()
        try checkpoint()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            // The script's own message names the cause; torchrun's report around it does not.
            let lines = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n") ?? []
            let own = lines.filter { $0.hasPrefix("torch engine:") || $0.hasPrefix("the torch engine needs") }
            let tail = (own.isEmpty ? lines.suffix(3) : own.prefix(1)).joined(separator: " | ")
            let status = process.terminationReason == .exit ? "exit status \(process.terminationStatus)" : "signal \(process.terminationStatus)"
            throw ConfigurationError("the torch engine failed (\(status)): \(tail.isEmpty ? "no message" : tail); its messages are in \(log.path)")
        }
    }
}
