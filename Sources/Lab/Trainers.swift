import Datasets
import NeuralNet

/// Called after every optimisation step with the step's loss; throwing stops training (a cancelled session).
public typealias StepObserver = (_ step: Int, _ loss: Float) throws -> Void

/// Training stopped because the loss became NaN or infinite; the model keeps its last good state elsewhere.
public struct DivergenceError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// The indices `0..<count` in a random order, cut into batches of `size` (the last may be smaller).
func shuffledBatches(_ count: Int, size: Int, rng: inout RandomGenerator) -> [[Int]] {
    let order = Array(0..<count).shuffled(using: &rng)
    return stride(from: 0, to: count, by: size).map { Array(order[$0..<min($0 + size, count)]) }
}

/// The target classifier and its training: log-softmax + NLL with the paper's Adam, under a training defence.
public final class ClassifierTrainer {
    public let model: Sequential
    public let classes: Int
    public let imageSize: Int
    /// The DP-SGD plan when the target trains privately.
    public let privacy: PrivateTrainingPlan?
    private let step: ClassifierTrainingStep
    private let privateStep: PrivateTrainingStep?
    private let images = Tensor()

    /// A classifier trained under `defence`; DP-SGD needs its `privacy` plan and swaps batch for group
    /// normalisation.
    public init(imageSize: Int, classes: Int, width: Int, seed: UInt64, defence: TrainingDefence = .none,
                privacy: PrivateTrainingPlan? = nil) throws {
        var rng = RandomGenerator(seed: seed)
        let model = PaperModels.classifier(imageSize: imageSize, classes: classes, width: width,
                                           normalisation: defence.isPrivate ? .group : .batch,
                                           informationBottleneck: defence.bottleneckWeight, rng: &rng)
        self.model = model
        self.classes = classes
        self.imageSize = imageSize
        self.privacy = privacy
        let optimizer = Adam.paper(model.parameters)
        step = ClassifierTrainingStep(model: model, optimizer: optimizer, labelSmoothing: defence.labelSmoothing)
        privateStep = try privacy.map { plan in
            try PrivateTrainingStep(model: model, optimizer: optimizer, clipNorm: plan.clipNorm,
                                    noiseMultiplier: Float(plan.noiseMultiplier),
                                    expectedBatch: Float(plan.expectedBatch), seed: seed &+ 11)
        }
    }

    /// One pass over `set` in shuffled batches (Poisson-sampled ones under DP-SGD); returns the mean loss. Throws
    /// `DivergenceError` on a NaN loss.
    @discardableResult
    public func trainEpoch(on set: ImageSet, batch: Int, rng: inout RandomGenerator,
                           observe: StepObserver = { _, _ in }) throws -> Float {
        if let privacy, let privateStep {
            return try trainPrivateEpoch(on: set, plan: privacy, step: privateStep, rng: &rng, observe: observe)
        }
        var total: Float = 0
        var steps = 0
        for indices in shuffledBatches(set.count, size: batch, rng: &rng) {
            set.fill(images, with: indices)
            let loss = try step(images: images, labels: indices.map { set.labels![$0] })
            guard loss.isFinite else { throw DivergenceError(description: "the classifier's loss became \(loss)") }
            total += loss
            steps += 1
            try observe(steps, loss)
        }
        return total / Float(max(steps, 1))
    }

    /// One epoch of DP-SGD: the plan's steps, each on a Poisson sample of `set`.
    private func trainPrivateEpoch(on set: ImageSet, plan: PrivateTrainingPlan, step: PrivateTrainingStep,
                                   rng: inout RandomGenerator, observe: StepObserver) throws -> Float {
        var total: Float = 0
        var counted = 0
        for number in 1...plan.stepsPerEpoch {
            let indices = plan.sampleBatch(of: set.count, rng: &rng)
            if indices.isEmpty { images.resize([0, 1, imageSize, imageSize]) } else { set.fill(images, with: indices) }
            if let loss = try step(images: images, labels: indices.map { set.labels![$0] }) {
                guard loss.isFinite else { throw DivergenceError(description: "the classifier's loss became \(loss)") }
                total += loss
                counted += 1
                try observe(number, loss)
            }
        }
        return total / Float(max(counted, 1))
    }

    /// The share of `set` whose predicted class is its label; `checkpoint` runs before each batch.
    public func accuracy(on set: ImageSet, checkpoint: () throws -> Void = {}) throws -> Double {
        guard set.count > 0 else { return 0 }
        let predictor = SoftmaxPredictor(model: model)
        var correct = 0
        for start in stride(from: 0, to: set.count, by: 256) {
            try checkpoint()
            let indices = Array(start..<min(start + 256, set.count))
            let probabilities = try predictor(set.batch(indices))
            for (row, index) in indices.enumerated() {
                let scores = probabilities.pointer + row * classes
                let predicted = (0..<classes).max { scores[$0] < scores[$1] }!
                if predicted == set.labels![index] { correct += 1 }
            }
        }
        return Double(correct) / Double(set.count)
    }
}

/// The attacker's inversion model: the paper's decoder behind the authors' encoding with truncation `keep`.
public final class InversionTrainer {
    public let model: Sequential
    public let encoding: PredictionEncoding
    public let imageSize: Int
    /// The release policy of the vectors it is trained on.
    public let trainingPolicy: ReleasePolicy
    private let step: InversionTrainingStep
    private let images = Tensor()
    private let vectors = Tensor()

    /// A decoder for vectors released under `trainingPolicy`, encoded with its surviving entries.
    public init(imageSize: Int, classes: Int, width: Int, trainingPolicy: ReleasePolicy, seed: UInt64) {
        let keep = trainingPolicy.keptEntries(classes: classes)
        self.trainingPolicy = trainingPolicy
        var rng = RandomGenerator(seed: seed)
        model = PaperModels.inversion(imageSize: imageSize, classes: classes, width: width, rng: &rng)
        encoding = PredictionEncoding(classes: classes, keep: keep)
        self.imageSize = imageSize
        step = InversionTrainingStep(model: model, optimizer: Adam.paper(model.parameters), encoding: encoding)
    }

    /// One pass over the auxiliary images and their released vectors (row i belongs to image i); mean MSE.
    @discardableResult
    public func trainEpoch(vectors released: Tensor, images set: ImageSet, batch: Int, rng: inout RandomGenerator,
                           observe: StepObserver = { _, _ in }) throws -> Float {
        let classes = released.shape[1]
        var total: Float = 0
        var steps = 0
        for indices in shuffledBatches(set.count, size: batch, rng: &rng) {
            set.fill(images, with: indices)
            vectors.resize([indices.count, classes])
            for (row, index) in indices.enumerated() {
                (vectors.pointer + row * classes).update(from: released.pointer + index * classes, count: classes)
            }
            let loss = try step(predictions: vectors, images: images)
            guard loss.isFinite else { throw DivergenceError(description: "the inversion model's loss became \(loss)") }
            total += loss
            steps += 1
            try observe(steps, loss)
        }
        return total / Float(max(steps, 1))
    }

    /// Reconstructions `[n, 1, size, size]` of released vectors `[n, classes]`, in evaluation mode; `checkpoint`
    /// runs before each batch.
    public func reconstruct(_ released: Tensor, checkpoint: () throws -> Void = {}) throws -> Tensor {
        let result = Tensor(zeros: [released.shape[0], 1, imageSize, imageSize])
        let classes = released.shape[1]
        let pixels = imageSize * imageSize
        for start in stride(from: 0, to: released.shape[0], by: 256) {
            try checkpoint()
            let rows = min(256, released.shape[0] - start)
            vectors.resize([rows, classes])
            vectors.pointer.update(from: released.pointer + start * classes, count: rows * classes)
            let images = try model.forward(try encoding.forward(vectors, mode: .evaluation), mode: .evaluation)
            (result.pointer + start * pixels).update(from: images.pointer, count: rows * pixels)
        }
        return result
    }
}

/// Mean squared error per pixel between reconstructions and the images `indices` of `set`.
public func reconstructionError(_ reconstructions: Tensor, _ set: ImageSet, _ indices: [Int]) -> Double {
    let truth = set.batch(indices)
    var total = 0.0
    for index in 0..<truth.count {
        let difference = Double(reconstructions[index] - truth[index])
        total += difference * difference
    }
    return total / Double(max(truth.count, 1))
}
