import Datasets
import NeuralNet

/// The paper's black-box attack: query the service with the auxiliary images, train a decoder to turn their
/// released vectors back into the images, then decode the victims' released vectors. Trained on top-1 vectors, the
/// same decoder performs training-class inference: a one-hot vector decodes to the class's typical face.
public final class TrainingBasedInversion: Attack {
    /// The decoder and its optimiser.
    public let trainer: InversionTrainer
    /// The background knowledge it is trained on.
    public let auxiliary: AuxiliarySource
    /// The release policy of its training vectors.
    public var trainingPolicy: ReleasePolicy { trainer.trainingPolicy }
    /// Its epochs so far, as `.inversionEpoch` events (the experiment records them through `epochEnded`).
    public internal(set) var history: [LabEvent] = []
    /// The victims' release under which `history` measured the victims' MSE.
    public internal(set) var historyRelease: ReleasePolicy?
    /// The epoch whose weights it keeps: the one with the lowest MSE on the held-out part of the auxiliary set
    /// (never on victims, which no attacker has); nil before training.
    public internal(set) var chosenEpoch: Int?

    /// Its record of the chosen epoch, when it has one.
    public var chosenRecord: LabEvent? {
        guard let chosenEpoch else { return nil }
        return history.first { if case .inversionEpoch(chosenEpoch, _, _, _, _) = $0 { true } else { false } }
    }

    public init(trainer: InversionTrainer, auxiliary: AuxiliarySource) {
        self.trainer = trainer
        self.auxiliary = auxiliary
    }

    public var name: String { "training-based inversion (\(auxiliary), trained on \(trainingPolicy))" }

    /// Whether its decoder was trained on vectors that keep one entry, as class inference needs.
    public var infersClasses: Bool { trainer.encoding.keep == 1 }

    public func prepare(_ context: AttackContext) throws {
        let set = context.auxiliary
        try context.observe(.stage("querying the classifier with \(set.count) auxiliary images (\(auxiliary))"))
        let vectors = try context.target.api.query(set, Array(0..<set.count), policy: trainingPolicy, from: .attacker,
                                                   checkpoint: context.checkpoint)
        var rng = RandomGenerator(seed: context.seed)
        let (training, heldOut) = Self.holdOut(set.count, rng: &rng)
        let trainingImages = set.subset(training), heldOutImages = set.subset(heldOut)
        let trainingVectors = Self.rows(training, of: vectors), heldOutVectors = Self.rows(heldOut, of: vectors)
        try context.observe(.stage("training the inversion model on \(training.count) \(auxiliary) images (vectors released: \(trainingPolicy)); \(heldOut.count) held out choose its epoch"))
        let (epochs, batch) = (context.budget.epochs, context.budget.batch)
        let steps = (training.count + batch - 1) / batch
        var best: (epoch: Int, error: Double, state: StateSnapshot)?
        for epoch in stride(from: 1, through: epochs, by: 1) {
            let loss = try trainer.trainEpoch(vectors: trainingVectors, images: trainingImages, batch: batch, rng: &rng) { step, loss in
                try context.observe(.step(model: .inversion, epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss))
            }
            let heldOutError = heldOut.isEmpty ? Double(loss)
                : reconstructionError(try decode(heldOutVectors, checkpoint: context.checkpoint), heldOutImages, Array(0..<heldOut.count))
            if heldOutError.isFinite, heldOutError < best?.error ?? .infinity {
                best = (epoch, heldOutError, StateSnapshot(of: trainer.model))
            }
            try context.epochEnded(epoch, loss, heldOutError)
        }
        if let best {
            best.state.restore(into: trainer.model)
            chosenEpoch = best.epoch
        }
    }

    /// The auxiliary images (of `count`) the decoder trains on and the tenth held out to choose its epoch (none
    /// below ten images), in a seeded order.
    static func holdOut(_ count: Int, rng: inout RandomGenerator) -> (training: [Int], heldOut: [Int]) {
        let order = Array(0..<count).shuffled(using: &rng)
        let held = count >= 10 ? count / 10 : 0
        return (Array(order.dropFirst(held)).sorted(), Array(order.prefix(held)).sorted())
    }

    /// Rows `indices` of `matrix` `[n, length]` as a new tensor.
    static func rows(_ indices: [Int], of matrix: Tensor) -> Tensor {
        let length = matrix.shape[1]
        let result = Tensor(zeros: [indices.count, length])
        for (row, index) in indices.enumerated() {
            (result.pointer + row * length).update(from: matrix.pointer + index * length, count: length)
        }
        return result
    }

    /// Decodes released vectors `[n, classes]` into images.
    public func decode(_ vectors: Tensor, checkpoint: () throws -> Void = {}) throws -> Tensor {
        try trainer.reconstruct(vectors, checkpoint: checkpoint)
    }

    public func reconstruct(victims: ImageSet, indices: [Int], release: ReleasePolicy, context: AttackContext) throws -> Tensor {
        let vectors = try context.target.api.query(victims, indices, policy: release, from: .victims,
                                                   checkpoint: context.checkpoint)
        return try decode(vectors, checkpoint: context.checkpoint)
    }

    /// Decodes a one-hot vector for each class. Only a decoder trained on top-1 vectors has seen such inputs;
    /// any other answers with noise, so it is refused.
    public func reconstruct(classes: [Int], context: AttackContext) throws -> Tensor {
        guard infersClasses else {
            throw ConfigurationError("class inference needs an inversion model trained on top-1 vectors; this one was trained on \(trainingPolicy)")
        }
        let count = trainer.encoding.classes
        let oneHot = Tensor(zeros: [classes.count, count])
        for (row, label) in classes.enumerated() { oneHot[row * count + label] = 1 }
        return try decode(oneHot, checkpoint: context.checkpoint)
    }
}
