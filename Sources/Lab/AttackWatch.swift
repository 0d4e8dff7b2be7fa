import NeuralNet

/// A glimpse of an optimisation attack in progress: each class's current image and the mean losses, for a view that
/// shows the face emerging as the iterations run.
public struct AttackSnapshot: Sendable {
    public let iteration: Int
    public let iterations: Int
    /// The current image of each class, `[classes, 1, size, size]` in the order asked (for GMI, the start whose image
    /// the target is now most confident in).
    public let images: Tensor
    /// The mean prior term over the rows (GMI: −D(G(z)); KEDMI: softplus(−log Σ exp D(G(z)))); nil for attacks
    /// without a prior (Fredrikson).
    public let priorLoss: Float?
    /// The mean identity term over the rows (GMI: λ·L_id; Fredrikson: 1 − p_y).
    public let identityLoss: Float
}

/// Who watches an optimisation attack, and how often: every `interval` iterations `see` gets a snapshot (and once
/// more at the end). Throwing from it cancels the attack.
public struct AttackWatch {
    public let interval: Int
    public let see: (AttackSnapshot) throws -> Void

    public init(interval: Int, see: @escaping (AttackSnapshot) throws -> Void) {
        self.interval = interval
        self.see = see
    }
}
