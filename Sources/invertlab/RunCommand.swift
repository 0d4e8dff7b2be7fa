import ArgumentParser
import Datasets
import Foundation
import Lab

/// `invertlab run`: one attack end to end, headless.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train the target classifier and the attacker's inversion model, evaluate, write a run folder.",
        discussion: """
            The target classifier trains on the private classes (or is loaded with --classifier). The attacker \
            queries it with the auxiliary images, receives their released vectors and trains an inversion model \
            to turn vectors back into images. The victims (the classifier's train and test images) are then \
            released under --truncation and reconstructed; the per-pixel MSE says how close the attack came.

            --truncation K keeps the k largest confidences (the paper's defence); all releases the whole vector; \
            round:D, label, noise:S and threshold:T are the other defences. --train-truncation victims (the \
            default) trains the inversion model on vectors released the same way, the paper's truncation \
            alignment; all trains on full vectors, the earlier approach the paper beats.

            --engine torch trains both models with PyTorch instead (scripts/torch_engine.py; CUDA when present): \
            invertlab exports the split and the initial weights into the run folder's torch/, the script trains \
            there with the same settings, and invertlab grades and draws the result as its own.

            Example: invertlab run --aux generic --truncation 3 --out runs/k3
            """
    )

    @OptionGroup var experiment: ExperimentOptions

    @OptionGroup var release: ReleaseOptions

    @Option(parsing: .unconditional, help: "Also train classifier and inversion model jointly (loss = NLL + λ · MSE), the malicious developer's case, and report it beside the black-box pair.")
    var joint: Float?

    @Option(help: "Write the run folder here (config.json, metrics.csv, grids, models).")
    var out: String?

    @OptionGroup var engine: EngineOptions

    @OptionGroup var output: OutputFlags

    @OptionGroup var repeats: SeedsOption

    func validate() throws {
        if let joint, !(joint.isFinite && joint > 0) {
            throw ValidationError("--joint takes a finite weight λ > 0, not \(joint)")
        }
        try repeats.check(classifier: release.classifier)
        try engine.check(out: out)
    }

    func run() throws {
        var config = try experiment.config()
        try release.apply(to: &config)
        for warning in config.untrainedWarnings(classifierLoaded: release.classifier != nil) {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        guard repeats.seeds > 1 else {
            return try show(try runOnce(config, folder: try out.map { try RunFolder(path: $0, replacing: output.overwrite) }))
        }
        let summary = try repeats.repeatEach(config, out: out, overwrite: output.overwrite, quiet: output.quiet) { try runOnce($0, folder: $1) }
        let seeds = summary.seeds
        if output.json { return print(summary.json) }
        print("mean ± standard deviation over seeds \(seeds.map(String.init).joined(separator: ", ")):")
        let lines: [(String, [String], Double)] = [
            ("classifier test accuracy (%)", ["classifier", "test_accuracy"], 100),
            ("evaluator held-out accuracy (%)", ["evaluator", "test_accuracy"], 100),
            ("victim MSE, test", ["inversion", "mse_victim_test"], 1),
            ("SSIM, test", ["inversion", "ssim_victim_test"], 1),
            ("attack accuracy top-1 (%)", ["inversion", "attack_acc_top1"], 100),
            ("attack accuracy top-5 (%)", ["inversion", "attack_acc_top5"], 100),
            ("KNN distance", ["inversion", "knn_dist_victim_test"], 1),
        ] + Baseline.allCases.flatMap { baseline in [
            ("baseline \(baseline.rawValue): MSE, test", ["baselines", baseline.rawValue, "mse_victim_test"], 1.0),
            ("baseline \(baseline.rawValue): attack accuracy top-1 (%)", ["baselines", baseline.rawValue, "attack_acc_top1"], 100.0),
        ] }
        for (label, path, scale) in lines {
            guard let value = summary.statistic(path) else { continue }
            print(label.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%.4g ± %.2g", scale * value.mean, scale * value.deviation))
        }
        if let out { print("run folders: \(out)/seed-*, summary: \(out)/summary.json") }
    }

    /// One run of `config`, writing `folder` when given.
    private func runOnce(_ config: ExperimentConfig, folder: RunFolder?) throws -> RunReport {
        let progress = ProgressBar(quiet: output.quiet)
        let stop = SignalStop()
        return try stop.run(folder: folder) {
            try RunFlow.run(config, classifierFile: release.classifierFile, evaluator: try experiment.evaluatorChoice(),
                            jointWeight: joint, folder: folder, torch: try engine.torch(),
                            observe: { try stop.check(); progress.show($0) }, checkpoint: stop.check) { lab in
                guard !output.quiet, let auxiliary = try? lab.auxiliarySet(config.attack.auxiliary) else { return }
                FileHandle.standardError.write(Data((lab.split.summary + "\nauxiliary: \(auxiliary.origin)\n").utf8))
            }
        }
    }

    /// Prints one run's results, as JSON or as lines of text.
    private func show(_ result: RunReport) throws {
        if output.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(String(format: "classifier accuracy: %.1f%% train, %.1f%% test (defence %@)", 100 * result.classifier.trainAccuracy,
                         100 * result.classifier.testAccuracy, result.classifier.defence))
            if let privacy = result.classifier.privacy {
                print(String(format: "DP-SGD: epsilon %.3g at delta %g, noise multiplier %.3g, sampling rate %.3g, %d steps",
                             privacy.epsilon, privacy.delta, privacy.noise, privacy.sampleRate, privacy.steps))
            }
            print(String(format: "victim MSE (aux %@, train truncation %@, victim truncation %@): %.4f train, %.4f test",
                         result.inversion.aux, result.inversion.kTrain, result.inversion.kVictim,
                         result.inversion.mseVictimTrain, result.inversion.mseVictimTest))
            print(String(format: "test victims' reconstructions: PSNR %.2f dB, SSIM %.4f", result.inversion.psnrVictimTest,
                         result.inversion.ssimVictimTest))
            print(String(format: "attack accuracy (evaluator, %.1f%% on its held-out private images): top-1 %.1f%%, top-5 %.1f%%, KNN distance %.1f",
                         100 * result.evaluator.testAccuracy, 100 * result.inversion.attackAccuracyTop1,
                         100 * result.inversion.attackAccuracyTop5, result.inversion.knnDistanceVictimTest ?? .nan))
            for name in Baseline.allCases.map(\.rawValue) {
                guard let baseline = result.baselines[name] else { continue }
                print(String(format: "baseline %@: MSE %.4f test, attack accuracy top-1 %.1f%%", name, baseline.mseVictimTest,
                             100 * baseline.attackAccuracyTop1))
            }
            if let epoch = result.inversion.chosenEpoch {
                print("inversion model: epoch \(epoch) kept, chosen on held-out auxiliary images (victims choose nothing)")
            }
            print(String(format: "test victims recognisable (nearest their own class's mean face): %.1f%% with %d auxiliary images",
                         100 * result.inversion.recognisedTest, result.inversion.auxiliaryImages))
            let monitor = result.monitor
            print(String(format: "query monitor (flags %d of %d queries below confidence %.2f): attacker flagged after %@; clients of %d queries flagged: %.0f%% of %d attackers, %.0f%% of %d ordinary users",
                         monitor.alarmCount, monitor.window, monitor.threshold,
                         monitor.queriesUntilFlagged.map { "\($0) queries" } ?? "never", monitor.clientQueries,
                         100 * monitor.detectionRate, monitor.attackerClients, 100 * monitor.falseAlarmRate,
                         monitor.benignClients))
            if let joint = result.joint {
                print(String(format: "joint training (λ = %g): classifier test accuracy %.1f%%, victim MSE %.4f train, %.4f test",
                             joint.weight, 100 * joint.testAccuracy, joint.mseVictimTrain, joint.mseVictimTest))
            }
            if let out { print("run folder: \(out)") }
        }
    }
}
