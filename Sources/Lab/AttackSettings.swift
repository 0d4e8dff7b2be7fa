/// The settings a running session can change without retraining the target: what the service releases for the
/// victims, and what the attacker knows and trains on.
public struct AttackSettings: Sendable, Hashable {
    /// The attacker's background knowledge.
    public var auxiliary: AuxiliarySource = .kind(.generic)
    /// What the service releases of the victims' vectors.
    public var victimRelease: ReleasePolicy = .full
    /// How the attacker's training vectors are released.
    public var trainingRelease: TrainingRelease = .likeVictims

    public init() {}

    public init(auxiliary: AuxiliarySource, victimRelease: ReleasePolicy, trainingRelease: TrainingRelease) {
        self.auxiliary = auxiliary
        self.victimRelease = victimRelease
        self.trainingRelease = trainingRelease
    }

    /// The policy of the inversion model's training vectors under these settings.
    public var trainingPolicy: ReleasePolicy { trainingRelease.policy(victims: victimRelease) }

    /// Checks both policies against a vector of `classes` entries; errors name the options.
    public func check(classes: Int, truncationName: String = "--truncation", trainingName: String = "--train-truncation") throws {
        try victimRelease.check(classes: classes, option: truncationName)
        if case .fixed(let policy) = trainingRelease { try policy.check(classes: classes, option: trainingName) }
    }
}
