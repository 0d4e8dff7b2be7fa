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

            Example: invertlab run --aux generic --truncation 3 --out runs/k3
            """
    )

    @OptionGroup var experiment: ExperimentOptions

    @OptionGroup var release: ReleaseOptions

    @Option(parsing: .unconditional, help: "Also train classifier and inversion model jointly (loss = NLL + λ · MSE), the malicious developer's case, and report it beside the black-box pair.")
    var joint: Float?

    @Option(help: "Write the run folder here (config.json, metrics.csv, grids, models).")
    var out: String?

    @Flag(help: "Replace the run already in --out instead of refusing.")
    var overwrite = false

    @Flag(help: "Print one JSON object with the results as the last line.")
    var json = false

    @Flag(help: "No progress on standard error.")
    var quiet = false

    func validate() throws {
        if let joint, !(joint.isFinite && joint > 0) {
            throw ValidationError("--joint takes a finite weight λ > 0, not \(joint)")
        }
    }

    func run() throws {
        var config = try experiment.config()
        try release.apply(to: &config)
        let folder = try out.map { try RunFolder(path: $0, replacing: overwrite) }
        for warning in config.untrainedWarnings(classifierLoaded: release.classifier != nil) {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let progress = ProgressBar(quiet: quiet)
        let stop = SignalStop()
        let result = try stop.run(folder: folder) {
            try RunFlow.run(config, classifierFile: release.classifierFile, jointWeight: joint, folder: folder,
                            observe: { try stop.check(); try progress.show($0) }, checkpoint: stop.check) { lab in
                guard !quiet, let auxiliary = try? lab.auxiliarySet(config.attack.auxiliary) else { return }
                FileHandle.standardError.write(Data((lab.split.summary + "\nauxiliary: \(auxiliary.origin)\n").utf8))
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(String(format: "classifier accuracy: %.1f%% train, %.1f%% test", 100 * result.classifier.trainAccuracy,
                         100 * result.classifier.testAccuracy))
            print(String(format: "victim MSE (aux %@, train truncation %@, victim truncation %@): %.4f train, %.4f test",
                         result.inversion.aux, result.inversion.kTrain, result.inversion.kVictim,
                         result.inversion.mseVictimTrain, result.inversion.mseVictimTest))
            print(String(format: "test victims' reconstructions: PSNR %.2f dB, SSIM %.4f", result.inversion.psnrVictimTest,
                         result.inversion.ssimVictimTest))
            print(String(format: "test victims recognisable (nearest their own class's mean face): %.1f%% with %d auxiliary images",
                         100 * result.inversion.recognisedTest, result.inversion.auxiliaryImages))
            if let joint = result.joint {
                print(String(format: "joint training (λ = %g): classifier test accuracy %.1f%%, victim MSE %.4f train, %.4f test",
                             joint.weight, 100 * joint.testAccuracy, joint.mseVictimTrain, joint.mseVictimTest))
            }
            if let out { print("run folder: \(out)") }
        }
    }
}
