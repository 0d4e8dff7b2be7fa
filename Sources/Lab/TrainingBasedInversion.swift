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
        let vectors = try context.target.api.query(set, Array(0..<set.count), policy: trainingPolicy,
                                                   checkpoint: context.checkpoint)
        try context.observe(.stage("training the inversion model on \(auxiliary) images (vectors released: \(trainingPolicy))"))
        let (epochs, batch) = (context.budget.epochs, context.budget.batch)
        let steps = (set.count + batch - 1) / batch
        var rng = RandomGenerator(seed: context.seed)
        for epoch in stride(from: 1, through: epochs, by: 1) {
            let loss = try trainer.trainEpoch(vectors: vectors, images: set, batch: batch, rng: &rng) { step, loss in
                try context.observe(.step(model: .inversion, epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss))
            }
            try context.epochEnded(epoch, loss)
        }
    }

    /// Decodes released vectors `[n, classes]` into images.
    public func decode(_ vectors: Tensor, checkpoint: () throws -> Void = {}) throws -> Tensor {
        try trainer.reconstruct(vectors, checkpoint: checkpoint)
    }

    public func reconstruct(victims: ImageSet, indices: [Int], release: ReleasePolicy, context: AttackContext) throws -> Tensor {
        let vectors = try context.target.api.query(victims, indices, policy: release, checkpoint: context.checkpoint)
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
