import Datasets
import Foundation
import NeuralNet
import TensorFiles

/// LOMMA's model augmentation (Nguyen et al., CVPR 2023): classifiers of other architectures (`StudentNetwork`'s
/// three scales) distilled from the target on the attacker's public images alone, with the KL divergence to the
/// target's softmax. An attack that maximises the identity for all of them and the target at once is pushed towards
/// the class's features rather than the target's quirks. LOMMA trains its students for 20 epochs with SGD; these
/// train with the paper's Adam, as every model here does.
public enum ModelAugmentation {
    /// Passes over the auxiliary images per student, LOMMA's.
    public static let defaultEpochs = 20

    /// Three students for a target of `classes` outputs, untrained, seeded.
    public static func untrainedStudents(imageSize: Int, classes: Int, width: Int, seed: UInt64) -> [Sequential] {
        var rng = RandomGenerator(seed: seed)
        return StudentNetwork.allCases.map { $0.make(imageSize: imageSize, classes: classes, width: width, rng: &rng) }
    }

    /// The three students for `config`'s target with the weights of `files`, in `StudentNetwork`'s order.
    public static func loadStudents(from files: [URL], for config: ExperimentConfig) throws -> [Sequential] {
        guard files.count == StudentNetwork.allCases.count else {
            throw ConfigurationError("model augmentation takes \(StudentNetwork.allCases.count) students, not \(files.count)")
        }
        let students = untrainedStudents(imageSize: config.size, classes: config.privateClasses, width: config.width, seed: config.seed)
        for (student, file) in zip(students, files) { try student.loadState(from: file) }
        return students
    }

    /// Trains `students` to match `target`'s softmax on `set` for `epochs` passes in shuffled batches of `batch`.
    /// `observe` gets each student's index, the epoch, the step and its loss; returns how often each student names
    /// the target's top class on `set`.
    @discardableResult
    public static func distil(_ students: [Sequential], from target: Sequential, on set: ImageSet, epochs: Int, batch: Int,
                              seed: UInt64,
                              observe: (_ student: Int, _ epoch: Int, _ step: Int, _ steps: Int, _ loss: Float) throws -> Void) throws -> [Double] {
        let teacher = try softmax(of: target, on: set, batch: batch)
        let classes = teacher.shape[1]
        let loss = DistillationLoss()
        let images = Tensor(), probabilities = Tensor()
        var agreements: [Double] = []
        for (number, student) in students.enumerated() {
            let optimizer = Adam.paper(student.parameters)
            var rng = RandomGenerator(seed: seed &+ UInt64(number))
            let batches = shuffledBatches(set.count, size: batch, rng: &rng).count
            for epoch in 1...max(epochs, 1) {
                // A batch of one cannot be normalised by BatchNorm in training mode.
                for (step, indices) in shuffledBatches(set.count, size: batch, rng: &rng).enumerated() where indices.count > 1 {
                    set.fill(images, with: indices)
                    probabilities.resize([indices.count, classes])
                    for (row, index) in indices.enumerated() {
                        (probabilities.pointer + row * classes).update(from: teacher.pointer + index * classes, count: classes)
                    }
                    optimizer.zeroGradients()
                    let value = try loss(try student.forward(images, mode: .training), teacher: probabilities)
                    guard value.isFinite else { throw DivergenceError(description: "distilling student \(number + 1): the loss became \(value)") }
                    _ = student.backward(loss.gradient, needsInputGradient: false)
                    optimizer.step()
                    try observe(number, epoch, step + 1, batches, value)
                }
            }
            let own = try softmax(of: student, on: set, batch: batch)
            let agreeing = (0..<set.count).filter { row in
                argmax(own.pointer + row * classes, classes) == argmax(teacher.pointer + row * classes, classes)
            }.count
            agreements.append(Double(agreeing) / Double(max(set.count, 1)))
        }
        return agreements
    }

    /// `network`'s softmax `[n, classes]` for every image of `set`, in evaluation mode.
    static func softmax(of network: Sequential, on set: ImageSet, batch: Int) throws -> Tensor {
        let predictor = SoftmaxPredictor(model: network)
        var rows: [Float] = []
        var classes = 0
        for start in stride(from: 0, to: set.count, by: batch) {
            let output = try predictor(set.batch(Array(start..<min(start + batch, set.count))))
            classes = output.shape[1]
            rows += output.values
        }
        return Tensor(shape: [set.count, classes], values: rows)
    }

    private static func argmax(_ scores: UnsafePointer<Float>, _ count: Int) -> Int {
        (0..<count).max { scores[$0] < scores[$1] }!
    }
}
