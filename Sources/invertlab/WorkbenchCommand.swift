import ArgumentParser
import Foundation
import Lab
import Workbench

/// `invertlab` with no subcommand: the interactive workbench.
struct WorkbenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workbench",
        abstract: "Open the interactive workbench (the default): live training, curves, faces, truncation controls.",
        discussion: """
            The target classifier trains live, then the attacker's inversion model; victims appear beside their \
            reconstructions and the vector the service released for them. Space pauses, k and K change how many \
            confidences the service releases, a switches the attacker's background knowledge, t switches between \
            aligned and full-vector training, ? lists every key, q quits.
            """
    )

    @OptionGroup var experiment: ExperimentOptions

    @Option(help: "Victims' release: all, K (top-k), round:D, label, noise:S or threshold:T.")
    var truncation: String?

    @Option(help: "Release of the attacker's training vectors: aligned, all, or a policy.")
    var trainTruncation: String?

    @Option(help: "Open a classifier trained elsewhere (safetensors) instead of training one.")
    var classifier: String?

    @Flag(help: "Draw faces with an ASCII ramp instead of 256-colour half blocks.")
    var ascii = false

    func run() throws {
        var config = try experiment.config()
        if let truncation { config.truncation = truncation }
        if let trainTruncation { config.trainTruncation = trainTruncation }
        try config.validate()
        WorkbenchApp(config: config, classifierFile: classifier.map { URL(fileURLWithPath: $0) }, ascii: ascii).run()
    }
}
