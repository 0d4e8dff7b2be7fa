import ArgumentParser
import Foundation
import NeuralNet
import TensorFiles

/// `invertlab init`: writes a freshly initialised paper model as safetensors.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a freshly initialised classifier or inversion model as safetensors.",
        discussion: """
            The weights follow PyTorch's default initialisation, drawn from invertlab's seeded generator, under \
            the authors' state_dict names, so the file loads into their PyTorch modules with \
            load_state_dict(strict=True). A starting point for training elsewhere, and a check that a framework \
            reads what invertlab writes (make interop).
            """
    )

    @Option(help: "Which network: classifier or inversion.")
    var arch: Architecture

    @OptionGroup var shape: ModelShapeOptions

    @Option(parsing: .unconditional, help: "Seed of the random initialisation.", transform: SeedArgument.parse)
    var seed: UInt64 = 1

    @Option(help: "Where to write the safetensors file.")
    var output: String

    func run() throws {
        var rng = RandomGenerator(seed: seed)
        let model = arch == .classifier
            ? PaperModels.classifier(imageSize: shape.size, classes: shape.classes, width: shape.width, rng: &rng)
            : PaperModels.inversion(imageSize: shape.size, classes: shape.classes, width: shape.width, rng: &rng)
        try model.saveState(to: URL(fileURLWithPath: output),
                            metadata: ["arch": arch.rawValue, "size": "\(shape.size)", "classes": "\(shape.classes)",
                                       "width": "\(shape.width)", "written_by": "invertlab"])
    }
}
