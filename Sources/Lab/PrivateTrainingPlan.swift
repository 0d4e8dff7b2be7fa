import Foundation
import NeuralNet

/// What DP-SGD training of the target will do and what it guarantees: Poisson sampling at rate batch / training
/// images, one epoch being 1/rate expected batches, and the noise multiplier that makes the planned steps spend the
/// target ε at `delta` under the Rényi accountant (none for ε = ∞, where only clipping applies).
public struct PrivateTrainingPlan: Sendable, Equatable {
    /// δ of the guarantee: below 1 / training images for every preset (the paper-scale one has about 30,000).
    public static let delta = 1e-5

    public let epsilon: Double
    public let clipNorm: Float
    public let sampleRate: Double
    /// sampleRate x training images: the mean batch, by which the noisy sum is divided.
    public let expectedBatch: Double
    public let stepsPerEpoch: Int
    public let steps: Int
    /// σ: the noise's standard deviation over the clipping norm.
    public let noiseMultiplier: Double
    /// The guarantee the plan reaches (ε slightly under the target, from the accountant).
    public let budget: PrivacyBudget?

    /// The plan for `epochs` over `trainingImages` in expected batches of `batch`. Throws when the target ε cannot be
    /// reached (the noise would have to exceed what the accountant's search allows).
    public init(epsilon: Double, clipNorm: Float, trainingImages: Int, batch: Int, epochs: Int) throws {
        guard trainingImages > 0 else { throw ConfigurationError("DP-SGD needs training images") }
        self.epsilon = epsilon
        self.clipNorm = clipNorm
        sampleRate = min(1, Double(batch) / Double(trainingImages))
        expectedBatch = sampleRate * Double(trainingImages)
        stepsPerEpoch = max(1, Int((1 / sampleRate).rounded()))
        steps = stepsPerEpoch * epochs
        if epsilon.isInfinite || steps == 0 {
            noiseMultiplier = 0
            budget = nil
        } else {
            noiseMultiplier = try RenyiAccountant.noise(forEpsilon: epsilon, sampleRate: sampleRate, steps: steps,
                                                        delta: Self.delta)
            budget = try RenyiAccountant.budget(noise: noiseMultiplier, sampleRate: sampleRate, steps: steps,
                                                delta: Self.delta)
        }
    }

    /// The examples of one step: each of `count` joins with probability `sampleRate`, independently.
    func sampleBatch(of count: Int, rng: inout RandomGenerator) -> [Int] {
        (0..<count).filter { _ in Double(rng.nextUnitFloat()) < sampleRate }
    }
}
