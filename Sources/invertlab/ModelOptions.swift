import ArgumentParser
import Lab

/// Which of the paper's networks a command works with, and at what size.
enum Architecture: String, ExpressibleByArgument, CaseIterable {
    case classifier
    case inversion
}

/// The options that fix a paper model's shape.
struct ModelShapeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Image side in pixels: 32 (the paper's MNIST setting) or 64 (faces).")
    var size: Int = 64

    @Option(parsing: .unconditional, help: "Number of classes the classifier tells apart (the length of a prediction vector).")
    var classes: Int

    @Option(parsing: .unconditional, help: "Channel width of the first convolution (ndf / ngf; the paper uses 128).")
    var width: Int = 128

    func validate() throws {
        guard [32, 64].contains(size) else { throw ValidationError("--size must be 32 or 64, not \(size)") }
        guard ExperimentConfig.Limits.classes.contains(classes) else {
            throw ValidationError("--classes must be between 2 and \(ExperimentConfig.Limits.classes.upperBound), not \(classes)")
        }
        guard ExperimentConfig.Limits.width.contains(width) else {
            throw ValidationError("--width must be between 1 and \(ExperimentConfig.Limits.width.upperBound), not \(width)")
        }
    }
}
