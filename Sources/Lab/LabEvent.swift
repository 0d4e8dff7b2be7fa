/// What a running experiment reports, in order, to whoever listens (the CLI's progress bar, the workbench).
public enum LabEvent: Sendable, Equatable {
    /// A new stage began, in words ("training the classifier").
    case stage(String)
    /// One optimisation step finished: which model, its epoch (from 1) of `epochs`, its step (from 1) of `steps`.
    case step(model: TrainedModel, epoch: Int, epochs: Int, step: Int, steps: Int, loss: Float)
    /// The classifier finished an epoch.
    case classifierEpoch(epoch: Int, loss: Float, trainAccuracy: Double, testAccuracy: Double)
    /// The inversion model finished an epoch: its training MSE on the auxiliary set, its MSE on the auxiliary images
    /// held out to choose the epoch, and the victims' MSE (reported, never used to choose).
    case inversionEpoch(epoch: Int, auxiliaryMSE: Float, heldOutMSE: Double, victimTrainMSE: Double, victimTestMSE: Double)
}

/// The models an experiment trains.
public enum TrainedModel: String, Sendable, Equatable {
    case classifier
    case inversion
    /// The evaluation classifier that grades attacks.
    case evaluator
    /// An optimisation attack's iterations (a step is an iteration).
    case attack
}
