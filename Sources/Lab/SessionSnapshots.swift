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
}
