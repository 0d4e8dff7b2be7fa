import ArgumentParser
import NeuralNet

/// The `invertlab` command: the workbench's headless commands for scripts and reports.
@main
struct Invertlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invertlab",
        abstract: "A workbench for model-inversion attacks (Yang et al., CCS 2019).",
        discussion: """
            A target classifier is trained on private faces; an attacker trains an inversion model that turns the \
            classifier's released prediction vectors back into faces. The subcommands run pieces of that \
            pipeline without a terminal user interface.
            """,
        version: "invertlab 0.1\n" + BLASKernels.report(),
        subcommands: [WorkbenchCommand.self, TourCommand.self, RunCommand.self, SweepCommand.self, AttackCommand.self, CompareCommand.self, DatasetCommand.self, InferCommand.self, InitCommand.self, ScoreCommand.self, DefendCommand.self, PrivacyBudgetCommand.self, BenchCommand.self],
        defaultSubcommand: WorkbenchCommand.self
    )

    /// Makes sure the GEMM runs on kernels made for this CPU, then parses the command line.
    static func main() {
        BLASKernels.restartWithBetterKernelsIfNeeded()
        main(nil)
    }
}
