import ArgumentParser
import Foundation
import NeuralNet
import TensorFiles

/// `invertlab infer`: runs a saved paper model on arrays from an NPY file, to compare its outputs with PyTorch's.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a saved classifier or inversion model on a float32 NPY array.",
        discussion: """
            The classifier takes images [N, 1, S, S] (or [N, S, S]) in [0, 1] and writes the released softmax \
            [N, classes]. The inversion model takes prediction vectors [N, classes], encodes them as the authors \
            do (top-k with --truncation, log, +50, shift) and writes images [N, 1, S, S].

            Example: invertlab infer --arch classifier --size 64 --classes 530 --width 128 \
            --weights classifier.safetensors --input faces.npy --output softmax.npy
            """
    )

    @Option(help: "Which network the weights belong to: classifier or inversion.")
    var arch: Architecture

    @OptionGroup var shape: ModelShapeOptions

    @Option(help: "Safetensors file with the model's state dict (PyTorch names).")
    var weights: String

    @Option(help: "Float32 (or float64) NPY file to run the model on.")
    var input: String

    @Option(help: "Where to write the float32 NPY result.")
    var output: String

    @Option(parsing: .unconditional, help: "Inversion only: how many of the largest entries of each vector to keep (default: all).")
    var truncation: Int?

    @Option(parsing: .unconditional, help: "Samples per forward pass.")
    var batch: Int = 128

    func validate() throws {
        if let truncation {
            guard arch == .inversion else { throw ValidationError("--truncation applies to --arch inversion only") }
            guard (1...shape.classes).contains(truncation) else {
                throw ValidationError("--truncation must be between 1 and --classes (\(shape.classes)), not \(truncation)")
            }
        }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, not \(batch)") }
    }

    func run() throws {
        var rng = RandomGenerator(seed: 0)
        let model = arch == .classifier
            ? PaperModels.classifier(imageSize: shape.size, classes: shape.classes, width: shape.width, rng: &rng)
            : PaperModels.inversion(imageSize: shape.size, classes: shape.classes, width: shape.width, rng: &rng)
        try model.loadState(from: URL(fileURLWithPath: weights))
        let inputs = try NumpyArray.read(URL(fileURLWithPath: input))
        let sampleShape = arch == .classifier ? [1, shape.size, shape.size] : [shape.classes]
        let sampleCount = Tensor.elementCount(sampleShape)
        // The shapes the help names, not any shape with the right element count ([4, 1024] is not four images).
        let accepted = arch == .classifier ? [sampleShape, [shape.size, shape.size]] : [sampleShape]
        guard let count = inputs.shape.first, count > 0, accepted.contains(Array(inputs.shape.dropFirst())) else {
            let wanted = accepted.map { "[N, " + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: " or ")
            throw ValidationError("\(input): shape \(inputs.shape) is not \(wanted), what --arch \(arch.rawValue) with these options takes")
        }
        let what = arch == .classifier ? "pixel values" : "probabilities"
        if let index = (0..<inputs.count).first(where: { !(0...1).contains(inputs[$0]) }) {
            throw ValidationError("\(input): element \(index) is \(inputs[index]); \(what) must lie in [0, 1]")
        }
        try checkWritable(URL(fileURLWithPath: output))
        let predictor = SoftmaxPredictor(model: model)
        let encoding = PredictionEncoding(classes: shape.classes, keep: truncation ?? shape.classes)
        let outputSample = arch == .classifier ? [shape.classes] : [1, shape.size, shape.size]
        let results = Tensor(zeros: [count] + outputSample)
        let piece = Tensor()
        var first = 0
        while first < count {
            let rows = min(batch, count - first)
            piece.resize([rows] + sampleShape)
            piece.pointer.update(from: inputs.pointer + first * sampleCount, count: rows * sampleCount)
            let answer = arch == .classifier
                ? try predictor(piece)
                : try model.forward(try encoding.forward(piece, mode: .evaluation), mode: .evaluation)
            (results.pointer + first * answer.count / rows).update(from: answer.pointer, count: answer.count)
            first += rows
        }
        try NumpyArray.write(results, to: URL(fileURLWithPath: output))
    }

    /// Refuses an output path that is a folder or lies in no folder, before any work is done.
    private func checkWritable(_ file: URL) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("--output \(file.path) is a folder; give a file name")
        }
        let parent = file.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("--output \(file.path): the folder \(parent.path) does not exist")
        }
    }
}
