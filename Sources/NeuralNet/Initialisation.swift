/// PyTorch's default parameter initialisations, drawn from the engine's seeded generator.
public enum Initialisation {
    /// A tensor of `shape` with values uniform in [-bound, bound): PyTorch's `kaiming_uniform_(a=√5)` for weights
    /// and its bias rule both reduce to bound = 1/sqrt(fan-in).
    public static func uniform(_ shape: [Int], bound: Float, rng: inout RandomGenerator) -> Tensor {
        let tensor = Tensor(zeros: shape)
        for index in 0..<tensor.count { tensor[index] = rng.uniform(-bound, bound) }
        return tensor
    }
}
