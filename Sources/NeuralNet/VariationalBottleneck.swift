import Foundation

/// The variational information bottleneck of MID (Wang et al., AAAI 2021, "Improving Robustness to Model Inversion
/// Attacks via Mutual Information Regularization"): the input `[N, 2k]` holds a mean μ and a raw deviation ρ per
/// code dimension; in training the output is a sample z = μ + s·ε with s = softplus(ρ − 5) and ε standard normal,
/// and the layer adds to the loss `weight` x KL(N(μ, s²) ‖ N(0, 1)) in bits, averaged over the batch: a bound on the
/// information the code keeps about the input. In evaluation the output is μ, so the service's answers are
/// deterministic. The −5 shift starts the deviations near zero, as the authors' module does.
public final class VariationalBottleneck: Layer {
    /// The code's dimension k.
    public let dimension: Int
    /// β: the weight of the information term against the classification loss.
    public let weight: Float
    /// The information term (β x mean KL in bits) of the last training forward; 0 after an evaluation forward.
    public private(set) var lastInformationLoss: Float = 0

    private var rng: RandomGenerator
    private let output = Tensor()
    private let inputGradient = Tensor()
    private var noise: [Float] = []
    private var input: Tensor?
    private var lastMode = Mode.training
    private static let shift: Float = 5

    /// A bottleneck of `dimension` codes weighted by `weight`, drawing its noise from a stream forked from `rng`.
    public init(dimension: Int, weight: Float, rng: inout RandomGenerator) {
        self.dimension = dimension
        self.weight = weight
        self.rng = rng.fork()
    }

    public var description: String { "VariationalBottleneck(\(2 * dimension)→\(dimension), β=\(weight))" }

    /// Restarts the noise stream at `seed`, so that the next forwards draw the same ε again.
    public func reseed(_ seed: UInt64) { rng = RandomGenerator(seed: seed) }

    private static func softplus(_ x: Float) -> Float { x > 20 ? x : log1p(exp(x)) }
    private static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard input.shape.count == 2, input.shape[1] == 2 * dimension else {
            throw ShapeError(layer: description, expected: "[N, \(2 * dimension)]", actual: input.shape)
        }
        self.input = input
        lastMode = mode
        let batch = input.shape[0]
        output.resize([batch, dimension])
        guard mode == .training else {
            for row in 0..<batch {
                (output.pointer + row * dimension).update(from: input.pointer + row * 2 * dimension, count: dimension)
            }
            lastInformationLoss = 0
            return output
        }
        noise = (0..<batch * dimension).map { _ in rng.normal() }
        var divergence = 0.0
        for row in 0..<batch {
            let means = input.pointer + row * 2 * dimension
            let raw = means + dimension
            for code in 0..<dimension {
                let deviation = Self.softplus(raw[code] - Self.shift)
                output[row * dimension + code] = means[code] + deviation * noise[row * dimension + code]
                let mean = Double(means[code]), spread = Double(deviation)
                divergence += 0.5 * (mean * mean + spread * spread - 2 * log(spread) - 1)
            }
        }
        lastInformationLoss = weight * Float(divergence / Double(batch) / log(2))
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let input = input!
        let batch = input.shape[0]
        inputGradient.resize(input.shape)
        let informationScale = lastMode == .training ? weight / (Float(batch) * Float(log(2.0))) : 0
        for row in 0..<batch {
            let means = input.pointer + row * 2 * dimension
            let raw = means + dimension
            let meanGradient = inputGradient.pointer + row * 2 * dimension
            let rawGradient = meanGradient + dimension
            for code in 0..<dimension {
                let upstream = outputGradient[row * dimension + code]
                guard lastMode == .training else {
                    meanGradient[code] = upstream
                    rawGradient[code] = 0
                    continue
                }
                let deviation = Self.softplus(raw[code] - Self.shift)
                meanGradient[code] = upstream + informationScale * means[code]
                // ∂KL/∂s = s − 1/s; ∂s/∂ρ = sigmoid(ρ − 5).
                let deviationGradient = upstream * noise[row * dimension + code]
                    + informationScale * (deviation - 1 / deviation)
                rawGradient[code] = deviationGradient * Self.sigmoid(raw[code] - Self.shift)
            }
        }
        return inputGradient
    }
}

extension Sequential {
    /// The information terms its bottlenecks added to the loss in the last training forward.
    public var informationLoss: Float {
        children.reduce(0) { total, child in
            if let nested = child.layer as? Sequential { return total + nested.informationLoss }
            return total + ((child.layer as? VariationalBottleneck)?.lastInformationLoss ?? 0)
        }
    }
}
