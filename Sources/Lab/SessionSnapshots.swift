import Datasets
import NeuralNet

extension LabSession {
    /// The victims a session shows: their images, released vectors and reconstructions under the current settings.
    public struct Victims: Sendable {
        public let truths: ImageSet
        public let vectors: Tensor
        public let reconstructions: Tensor
        public let policy: ReleasePolicy
        public let auxiliary: String
        public let trainingPolicy: ReleasePolicy
        public let mse: (train: Double, test: Double)
        /// The model's image for a one-hot vector of each class (training class inference), `[classes, 1, size, size]`.
        public let classImages: Tensor
    }

    /// One row of a truncation sweep: the victims' reconstructions when the service releases under `policy`, by a
    /// model trained on vectors released under `trainingPolicy`, and the victims' MSE.
    public struct SweepRow: Sendable {
        public let policy: ReleasePolicy
        public let trainingPolicy: ReleasePolicy
        public let reconstructions: Tensor
        public let mse: (train: Double, test: Double)
    }
}
