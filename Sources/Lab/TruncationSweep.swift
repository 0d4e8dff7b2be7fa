import Datasets
import NeuralNet

/// The paper's truncation figure as a flow: for each victims' release, the inversion model a training release
/// gives (a model per policy when training is like the victims', one model otherwise), the victims' MSE and the
/// first test victims' reconstructions. The CLI's `sweep` and the workbench's sweep view both run it.
public enum TruncationSweep {
    /// One row: the victims released under `policy`, reconstructed by a model trained on `trainingPolicy` vectors.
    public struct Row: Sendable {
        public let auxiliary: AuxiliarySource
        public let policy: ReleasePolicy
        public let trainingPolicy: ReleasePolicy
        /// The first test victims' reconstructions, `[shown, 1, size, size]`.
        public let reconstructions: Tensor
        public let mse: (train: Double, test: Double)
        /// Every test victim's reconstruction graded (pixels, attack accuracy, KNN distance).
        public let grade: AttackGrade
    }

    /// Runs the sweep over `policies` on background knowledge `auxiliary`, handing each row to `deliver` as soon as
    /// it is done (missing models train on the way, reporting through the experiment).
    public static func run(_ lab: Experiment, auxiliary: AuxiliarySource, trainingRelease: TrainingRelease,
                           policies: [ReleasePolicy], shown: Int, deliver: (Row) throws -> Void) throws {
        for policy in policies {
            let attack = try lab.inversion(auxiliary: auxiliary, trainingPolicy: trainingRelease.policy(victims: policy),
                                           victimRelease: policy)
            let images = try lab.reconstructions(of: lab.split.classifierTest, count: shown, policy: policy, by: attack).images
            let errors = try lab.victimErrors(of: attack, policy: policy)
            try deliver(Row(auxiliary: auxiliary, policy: policy, trainingPolicy: attack.trainingPolicy,
                            reconstructions: images, mse: errors, grade: try lab.testVictimGrade(of: attack, policy: policy)))
        }
    }
}
