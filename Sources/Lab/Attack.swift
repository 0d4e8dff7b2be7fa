import Foundation
import Datasets
import NeuralNet

/// What an attack may use of the target classifier.
public enum TargetAccess {
    /// Only the prediction service: vectors released under its policy, counted as queries.
    case blackBox(ReleaseAPI)
    /// The model itself, its gradients included (white-box attacks also keep the service for released vectors).
    case whiteBox(Sequential, ReleaseAPI)

    /// The service, which every attack may query.
    public var api: ReleaseAPI {
        switch self {
        case .blackBox(let api), .whiteBox(_, let api): api
        }
    }
}

/// How much an attack may spend preparing: passes over its data (training-based attacks) and images per batch.
public struct AttackBudget: Sendable, Equatable {
    public var epochs: Int
    public var batch: Int

    public init(epochs: Int, batch: Int) {
        self.epochs = epochs
        self.batch = batch
    }
}

/// What an attack is given: access to the target, the attacker's background knowledge and a budget, and where it
/// reports. Throwing from `observe`, `checkpoint` or `epochEnded` cancels the attack.
public struct AttackContext {
    public let target: TargetAccess
    /// The attacker's auxiliary images.
    public let auxiliary: ImageSet
    /// Where the auxiliary images came from, for reports.
    public let auxiliarySource: AuxiliarySource
    public let budget: AttackBudget
    /// The channel width of the experiment's models, which models the attack builds (a GAN prior) take too.
    public let modelWidth: Int
    /// Seeds the attack's own random choices (batch order, restarts), so a result does not depend on what ran before.
    public let seed: UInt64
    /// Told of stages and optimisation steps.
    public let observe: (LabEvent) throws -> Void
    /// Called between any two batches of querying or decoding, so that a cancel is honoured within one batch.
    public let checkpoint: () throws -> Void
    /// Called after each epoch of preparation with its mean loss and the error on the auxiliary images held out
    /// from training: the experiment evaluates and records it there.
    public let epochEnded: (_ epoch: Int, _ loss: Float, _ heldOutError: Double) throws -> Void

    public init(target: TargetAccess, auxiliary: ImageSet, auxiliarySource: AuxiliarySource, budget: AttackBudget,
                modelWidth: Int, seed: UInt64, observe: @escaping (LabEvent) throws -> Void, checkpoint: @escaping () throws -> Void = {},
                epochEnded: @escaping (Int, Float, Double) throws -> Void = { _, _, _ in }) {
        self.target = target
        self.auxiliary = auxiliary
        self.auxiliarySource = auxiliarySource
        self.budget = budget
        self.modelWidth = modelWidth
        self.seed = seed
        self.observe = observe
        self.checkpoint = checkpoint
        self.epochEnded = epochEnded
    }
}

/// A model-inversion attack: prepared once against a target within a budget, then asked for reconstructions of
/// victims or of whole classes. The paper's training-based inversion is one; optimisation attacks are others.
public protocol Attack: AnyObject {
    /// A short name for tables and the screen.
    var name: String { get }
    /// Trains or otherwise prepares the attack, reporting through the context.
    func prepare(_ context: AttackContext) throws
    /// Reconstructions `[n, 1, size, size]` of images `indices` of `victims`, whose vectors the service releases
    /// under `release`.
    func reconstruct(victims: ImageSet, indices: [Int], release: ReleasePolicy, context: AttackContext) throws -> Tensor
    /// One image `[n, 1, size, size]` for each of `classes`: what the attack reveals of a class as a whole.
    func reconstruct(classes: [Int], context: AttackContext) throws -> Tensor
}

/// An attack that reconstructs whole classes with the target's gradients (white-box): each victim is shown as its
/// class's reconstruction.
public protocol ClassAttack: Attack {
    /// The name `invertlab attack --method` takes.
    var method: String { get }
    /// The target's confidence in each class for that class's reconstruction (before any post-processing).
    var confidence: [Int: Float] { get }
    /// Told of the attack's progress while it reconstructs, when set.
    var watch: AttackWatch? { get set }
    /// The models the attack trained while preparing, by the file name a run folder keeps them under, so that a later
    /// attack can reuse them.
    var trainedModels: [(file: String, network: Sequential)] { get }
}

extension ClassAttack {
    /// The softmax of one row of `count` logits, shifted by their largest for stability.
    static func probabilities(_ scores: UnsafePointer<Float>, count: Int) -> [Float] {
        let largest = (0..<count).map { scores[$0] }.max()!
        let exponentials = (0..<count).map { expf(scores[$0] - largest) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }

    /// A class-level attack reconstructs a victim as its class: the victims' labels name the classes.
    public func reconstruct(victims: ImageSet, indices: [Int], release: ReleasePolicy, context: AttackContext) throws -> Tensor {
        guard let labels = victims.labels else { throw ConfigurationError("\(victims.origin): a class-level attack needs labelled victims") }
        return try reconstruct(classes: indices.map { labels[$0] }, context: context)
    }
}
