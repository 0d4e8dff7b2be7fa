import Datasets
import NeuralNet

extension LabSession {
    /// The victims a session shows: their images, released vectors and reconstructions under the current settings.
    public struct Victims: Sendable {
        public let truths: ImageSet
        public let vectors: Tensor
        public let reconstructions: Tensor
        public let policy: ReleasePolicy
        public let auxiliary: AuxiliarySource
        public let trainingPolicy: ReleasePolicy
        /// The victims' per-pixel MSE over all classifier-train and classifier-test victims; nil while it is measured.
        public let mse: (train: Double, test: Double)?
        /// For each shown victim, whether the evaluation classifier names its person from the reconstruction; nil
        /// until an evaluator is at hand.
        public let named: [Bool]?
        /// The evaluator's top-1 accuracy over every test victim's reconstruction (the attack accuracy), measured
        /// once the model has finished training; nil until then.
        public let accuracy: Double?
    }

    /// Training-class inference: the image a top-1 decoder of `auxiliary` gives each class's one-hot vector,
    /// `[classes, 1, size, size]`.
    public struct ClassImages: Sendable {
        public let auxiliary: AuxiliarySource
        public let images: Tensor
    }

    /// One white-box optimisation attack run in the session: its latest images of the identities, its loss curves,
    /// and once done its grade.
    public struct WhiteBoxRun: Sendable {
        public let attack: ComparedAttack
        /// The latest snapshot; nil while the attack still trains what it needs (a GAN, students).
        public var latest: AttackSnapshot?
        /// The mean prior and identity losses at each snapshot.
        public var priorLoss: [Double] = []
        public var identityLoss: [Double] = []
        public var finished = false
        /// The evaluator's top-1 accuracy on the final images, once graded.
        public var accuracyTop1: Double?
    }

    /// The white-box attacks run in the session with one auxiliary set, all on the same identities (one private
    /// training image of each shown as the truth).
    public struct WhiteBoxRuns: Sendable {
        public let auxiliary: AuxiliarySource
        public let identities: [Int]
        public let truths: ImageSet
        public var runs: [WhiteBoxRun] = []

        /// The run of `attack`, if it was started.
        public func run(of attack: ComparedAttack) -> WhiteBoxRun? { runs.first { $0.attack == attack } }
    }
}
