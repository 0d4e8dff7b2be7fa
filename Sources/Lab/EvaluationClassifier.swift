import Datasets
import Foundation
import NeuralNet
import TensorFiles

/// The judge of attacks: a classifier the attacker never queries, of another architecture than the target
/// (`EvaluationNetwork`), trained with augmentation on the private images. Its verdict on a reconstruction is the
/// field's attack accuracy; its embedding is the space of the KNN distance.
public final class EvaluationClassifier {
    public let model: Sequential
    public let classes: Int
    public let imageSize: Int
    /// The share of its held-out private images it names correctly (nil for a loaded model not yet measured).
    public internal(set) var heldOutAccuracy: Double?
    private let features: Sequential
    private let head: Sequential

    /// An untrained evaluator of base width `width` (the target's).
    public init(imageSize: Int, classes: Int, width: Int, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        model = EvaluationNetwork.make(imageSize: imageSize, classes: classes, width: width, rng: &rng)
        self.classes = classes
        self.imageSize = imageSize
        features = EvaluationNetwork.features(of: model)
        head = model.children.last!.layer as! Sequential
    }

    /// A trained evaluator read from `file`; its width and classes come from the file's tensor shapes, and every
    /// tensor must then fit the network for `imageSize` exactly. Errors name the file.
    public convenience init(file: URL, imageSize: Int) throws {
        guard PaperModels.imageSizes.contains(imageSize) else {
            throw ConfigurationError("\(file.path): evaluators judge 32 or 64 px images, not \(imageSize) px")
        }
        let tensors = try SafeTensors.read(file)
        guard let first = tensors["features.encoder.0.weight"], first.shape.count == 4,
              let last = tensors["head.1.weight"], last.shape.count == 2,
              ExperimentConfig.Limits.width.contains(first.shape[0]), ExperimentConfig.Limits.classes.contains(last.shape[0]) else {
            throw ConfigurationError("\(file.path): not an invertlab evaluation classifier (no features.encoder.0.weight and head.1.weight of usable shapes)")
        }
        // The width and class count come from the file: before a network of that size is built, the file must hold
        // at least its largest weights, so a small file cannot make it allocate gigabytes.
        let (width, classes) = (first.shape[0], last.shape[0])
        let stages = imageSize == 64 ? 4 : 3
        let needed = (0..<stages).reduce(0) { $0 + 9 * (width << $1) * (width << $1) }
            + 16 * (width << (stages - 1)) * EvaluationNetwork.embeddingLength + EvaluationNetwork.embeddingLength * classes
        let stored = tensors.values.reduce(0) { $0 + $1.bytes.count }
        guard stored >= 4 * needed else {
            throw ConfigurationError("\(file.path): holds \(stored) bytes of weights; an evaluator of width \(width) for \(classes) classes at \(imageSize) px needs at least \(4 * needed)")
        }
        self.init(imageSize: imageSize, classes: classes, width: width, seed: 0)
        do { try model.loadState(from: file) } catch {
            throw ConfigurationError("\(error) (an evaluator for \(imageSize) px images of width \(width) with \(classes) classes was expected)")
        }
    }

    /// Trains for `epochs` passes over `set` in shuffled, augmented batches with Adam (learning rate 1e-3);
    /// `observe` hears each step's loss.
    public func train(on set: ImageSet, epochs: Int, batch: Int, seed: UInt64,
                      observe: (_ epoch: Int, _ step: Int, _ loss: Float) throws -> Void = { _, _, _ in }) throws {
        var rng = RandomGenerator(seed: seed)
        let augmentation = ImageAugmentation(imageSize: imageSize)
        let step = ClassifierTrainingStep(model: model, optimizer: Adam(parameters: model.parameters, learningRate: 1e-3))
        let images = Tensor()
        for epoch in stride(from: 1, through: epochs, by: 1) {
            for (number, indices) in shuffledBatches(set.count, size: batch, rng: &rng).enumerated() {
                set.fill(images, with: indices)
                augmentation.apply(to: images, rng: &rng)
                let loss = try step(images: images, labels: indices.map { set.labels![$0] })
                guard loss.isFinite else { throw DivergenceError(description: "the evaluation classifier's loss became \(loss)") }
                try observe(epoch, number + 1, loss)
            }
        }
    }

    /// What the evaluator sees in `images` `[N, 1, size, size]`: its classes ranked (the best five) and its
    /// embedding of each image. `checkpoint` runs before each batch.
    public func judge(_ images: Tensor, checkpoint: () throws -> Void = {}) throws -> Judgement {
        let count = images.shape[0]
        let pixels = imageSize * imageSize
        var rankings: [[Int]] = []
        var embeddings: [[Float]] = []
        let slice = Tensor()
        for start in stride(from: 0, to: count, by: 256) {
            try checkpoint()
            let rows = min(256, count - start)
            slice.resize([rows, 1, imageSize, imageSize])
            slice.pointer.update(from: images.pointer + start * pixels, count: rows * pixels)
            let embedding = try features.infer(slice)
            let length = embedding.count / rows
            for row in 0..<rows { embeddings.append(Array(UnsafeBufferPointer(start: embedding.pointer + row * length, count: length))) }
            let logits = try head.infer(embedding)
            for row in 0..<rows {
                let scores = logits.pointer + row * classes
                let ranked = (0..<classes).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
                rankings.append(Array(ranked.prefix(5)))
            }
        }
        return Judgement(rankings: rankings, embeddings: embeddings)
    }

    /// The share of `set` whose best-ranked class is its label.
    public func accuracy(on set: ImageSet, checkpoint: () throws -> Void = {}) throws -> Double {
        guard set.count > 0, let labels = set.labels else { return 0 }
        let judgement = try judge(set.batch(Array(0..<set.count)), checkpoint: checkpoint)
        return Double(zip(judgement.rankings, labels).filter { $0.first == $1 }.count) / Double(set.count)
    }
}

/// The evaluator's view of a batch of images.
public struct Judgement: Sendable {
    /// For each image, up to five classes, most likely first.
    public let rankings: [[Int]]
    /// For each image, its penultimate features.
    public let embeddings: [[Float]]
}
