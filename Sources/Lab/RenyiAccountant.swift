import Foundation

/// The Rényi differential privacy accountant of the Poisson-subsampled Gaussian mechanism, which is what one step of
/// DP-SGD is: each example joins a batch with probability `sampleRate`, the clipped gradients are summed and Gaussian
/// noise of `noise` times the clipping norm is added.
///
/// Per step and Rényi order α it computes the mechanism's RDP bound from Mironov, Talwar and Zhang, "Rényi
/// Differential Privacy of the Sampled Gaussian Mechanism" (2019): the binomial expansion for whole α, their
/// two-sided series for fractional α. RDP adds over steps; the conversion to (ε, δ) is Balle et al.'s (2020),
/// ε = T·RDP(α) + log((α − 1)/α) − (log δ + log α)/(α − 1), minimised over the same orders Opacus uses, so the
/// figures compare with Opacus's `RDPAccountant`.
public enum RenyiAccountant {
    /// The orders ε is minimised over: 1.1 to 10.9 in steps of 0.1, then 12 to 63.
    public static let orders: [Double] = (1...99).map { 1 + Double($0) / 10 } + (12...63).map(Double.init)

    /// The (ε, δ) guarantee of `steps` steps at noise multiplier `noise` and sampling rate `sampleRate`. Throws when
    /// a setting is out of range; the message names the option of `privacy-budget`.
    public static func budget(noise: Double, sampleRate: Double, steps: Int, delta: Double) throws -> PrivacyBudget {
        try check(sampleRate: sampleRate, steps: steps, delta: delta)
        guard noise.isFinite, noise > 0 else {
            throw ConfigurationError("--noise must be a positive number, not \(noise): without noise nothing is private")
        }
        var best = PrivacyBudget(epsilon: .infinity, delta: delta, order: orders[0], noise: noise,
                                 sampleRate: sampleRate, steps: steps)
        for order in orders {
            let total = Double(steps) * stepDivergence(noise: noise, sampleRate: sampleRate, order: order)
            let epsilon = total + log((order - 1) / order) - (log(delta) + log(order)) / (order - 1)
            if epsilon.isFinite, epsilon < best.epsilon {
                best.epsilon = max(epsilon, 0)
                best.order = order
            }
        }
        return best
    }

    /// The smallest noise multiplier whose `steps` steps at `sampleRate` stay within `epsilon` at `delta`, found by
    /// bisection (ε falls as the noise grows) to a relative precision of 1e-6.
    public static func noise(forEpsilon epsilon: Double, sampleRate: Double, steps: Int, delta: Double) throws -> Double {
        guard epsilon.isFinite, epsilon > 0 else {
            throw ConfigurationError("--epsilon must be a positive number, not \(epsilon)")
        }
        try check(sampleRate: sampleRate, steps: steps, delta: delta)
        func spent(_ noise: Double) throws -> Double {
            try budget(noise: noise, sampleRate: sampleRate, steps: steps, delta: delta).epsilon
        }
        var low = 1e-3, high = 1.0
        while try spent(high) > epsilon {
            low = high
            high *= 2
            guard high < 1e6 else {
                throw ConfigurationError("--epsilon \(epsilon) at --delta \(delta) needs a noise multiplier above 1e6 for \(steps) steps at rate \(sampleRate)")
            }
        }
        while high - low > 1e-6 * high {
            let middle = (low + high) / 2
            if try spent(middle) > epsilon { low = middle } else { high = middle }
        }
        return high
    }

    private static func check(sampleRate: Double, steps: Int, delta: Double) throws {
        guard sampleRate > 0, sampleRate <= 1 else {
            throw ConfigurationError("--sample-rate must lie in (0, 1], not \(sampleRate): it is the chance that an example joins a batch")
        }
        guard (1...1_000_000_000_000).contains(steps) else {
            throw ConfigurationError("--steps must be between 1 and 10^12, not \(steps)")
        }
        guard delta > 0, delta < 1 else { throw ConfigurationError("--delta must lie in (0, 1), not \(delta)") }
    }

    /// One step's Rényi divergence bound at `order`.
    static func stepDivergence(noise: Double, sampleRate q: Double, order: Double) -> Double {
        if q == 1 { return order / (2 * noise * noise) }
        let logA = order == order.rounded() ? logMomentWhole(noise: noise, q: q, order: Int(order))
                                            : logMomentFractional(noise: noise, q: q, order: order)
        return logA / (order - 1)
    }

    /// log A_α for whole α: A_α = Σ_k C(α, k) (1 − q)^(α−k) q^k exp((k² − k) / 2σ²).
    private static func logMomentWhole(noise: Double, q: Double, order: Int) -> Double {
        var total = -Double.infinity
        let alpha = Double(order)
        for k in 0...order {
            let kk = Double(k)
            let binomial = lgamma(alpha + 1) - lgamma(kk + 1) - lgamma(alpha - kk + 1)
            let term = binomial + kk * log(q) + (alpha - kk) * log1p(-q) + (kk * kk - kk) / (2 * noise * noise)
            total = logAdd(total, term)
        }
        return total
    }

    /// log A_α for fractional α: the series split at z₀ = σ² log(1/q − 1) + ½, where the two Gaussians' densities,
    /// weighted by the sampling, cross; each side's terms carry the Gaussian tail beyond z₀.
    private static func logMomentFractional(noise: Double, q: Double, order alpha: Double) -> Double {
        var below = -Double.infinity, above = -Double.infinity
        let z0 = noise * noise * log(1 / q - 1) + 0.5
        let variance2 = 2 * noise * noise
        var logBinomial = 0.0  // log |C(α, i)|
        var positive = true    // the sign of C(α, i)
        var i = 0.0
        while true {
            let j = alpha - i
            let termBelow = logBinomial + i * log(q) + j * log1p(-q) + (i * i - i) / variance2
                + log(0.5) + logErfc((i - z0) / (sqrt(2) * noise))
            let termAbove = logBinomial + j * log(q) + i * log1p(-q) + (j * j - j) / variance2
                + log(0.5) + logErfc((z0 - j) / (sqrt(2) * noise))
            if positive {
                below = logAdd(below, termBelow)
                above = logAdd(above, termAbove)
            } else {
                below = logSubtract(below, termBelow)
                above = logSubtract(above, termAbove)
            }
            if max(termBelow, termAbove) < -30 { break }
            // C(α, i + 1) = C(α, i)·(α − i)/(i + 1); the sign turns when α − i is negative.
            logBinomial += log(abs(alpha - i)) - log(i + 1)
            if alpha - i < 0 { positive.toggle() }
            i += 1
        }
        return logAdd(below, above)
    }

    /// log(e^a + e^b) without overflow.
    private static func logAdd(_ a: Double, _ b: Double) -> Double {
        let (high, low) = a > b ? (a, b) : (b, a)
        if low == -.infinity { return high }
        return high + log1p(exp(low - high))
    }

    /// log(e^a − e^b) for a ≥ b; −∞ when they are equal.
    private static func logSubtract(_ a: Double, _ b: Double) -> Double {
        if b == -.infinity { return a }
        if a <= b { return -.infinity }
        return a + log(-expm1(b - a))
    }

    /// log erfc(x), by its asymptotic series where erfc underflows.
    static func logErfc(_ x: Double) -> Double {
        if x < 25 { return log(erfc(x)) }
        let inverseSquare = 1 / (x * x)
        return -x * x - log(x * sqrt(Double.pi))
            + log1p(-inverseSquare / 2 + 3 * inverseSquare * inverseSquare / 4 - 15 * pow(inverseSquare, 3) / 8)
    }
}

/// An (ε, δ) differential-privacy guarantee and the mechanism it was computed for.
public struct PrivacyBudget: Codable, Sendable, Equatable {
    public var epsilon: Double
    public var delta: Double
    /// The Rényi order at which the bound was tightest.
    public var order: Double
    /// The noise multiplier σ: the noise's standard deviation over the clipping norm.
    public var noise: Double
    /// The chance that an example joins a batch.
    public var sampleRate: Double
    public var steps: Int

    private enum CodingKeys: String, CodingKey {
        case epsilon, delta, order, noise, sampleRate = "sample_rate", steps
    }
}
