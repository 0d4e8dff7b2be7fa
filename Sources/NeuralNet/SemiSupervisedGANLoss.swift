import Foundation

/// The losses of a semi-supervised GAN whose discriminator is a K-way classifier (Salimans et al., 2016, as KEDMI
/// trains its discriminator, Chen et al., ICCV 2021): with s = log Σ_k exp(l_k) of the logits l, the discriminator
/// calls an image real with probability σ(s), so a real image costs softplus(−s) and a generated one softplus(s);
/// on images the target has labelled, the logits also learn the target's soft labels by cross-entropy. Every
/// function returns the loss averaged over the rows and its gradient with respect to its input.
public enum SemiSupervisedGANLoss {
    /// Each row's log Σ exp of `logits` [N, K] and its softmax, the gradient of that log-sum-exp.
    private static func logSumExp(_ logits: Tensor) -> (values: [Float], softmax: Tensor) {
        let rows = logits.shape[0], classes = logits.count / max(rows, 1)
        let softmax = Tensor(zeros: logits.shape)
        var values: [Float] = []
        for row in 0..<rows {
            let scores = logits.pointer + row * classes
            var largest = -Float.infinity
            for k in 0..<classes { largest = max(largest, scores[k]) }
            var sum: Float = 0
            for k in 0..<classes {
                let exponential = expf(scores[k] - largest)
                softmax[row * classes + k] = exponential
                sum += exponential
            }
            for k in 0..<classes { softmax[row * classes + k] /= sum }
            values.append(largest + logf(sum))
        }
        return (values, softmax)
    }

    /// log(1 + e^x), without overflow for large x.
    private static func softplus(_ x: Float) -> Float { max(x, 0) + log1pf(expf(-abs(x))) }

    private static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    /// softplus(∓s) of each row, `real` choosing the sign: each row's loss, and the gradient of their mean scaled
    /// by `weight`.
    public static func realness(_ logits: Tensor, real: Bool, weight: Float = 1) -> (losses: [Float], gradient: Tensor) {
        let (values, gradient) = logSumExp(logits)
        let rows = values.count, classes = logits.count / max(rows, 1)
        let losses = values.map { softplus(real ? -$0 : $0) }
        for row in 0..<rows {
            // d softplus(−s)/ds = −σ(−s); d softplus(s)/ds = σ(s); ds/dl = softmax(l).
            let slope = weight * (real ? -sigmoid(-values[row]) : sigmoid(values[row])) / Float(rows)
            for k in 0..<classes { gradient[row * classes + k] *= slope }
        }
        return (losses, gradient)
    }

    /// Cross-entropy of the softmax of `logits` to the probabilities `targets` (same shape), averaged over the rows.
    public static func softCrossEntropy(_ logits: Tensor, targets: Tensor) -> (loss: Float, gradient: Tensor) {
        precondition(logits.shape == targets.shape, "softCrossEntropy: logits \(logits.shape), targets \(targets.shape)")
        let (values, softmax) = logSumExp(logits)
        let rows = values.count, classes = logits.count / max(rows, 1)
        var total: Float = 0
        for row in 0..<rows {
            // Targets that sum to 1 give softmax − target; the general form is exact for any.
            var targetSum: Float = 0
            for k in 0..<classes { targetSum += targets[row * classes + k] }
            for k in 0..<classes {
                let index = row * classes + k
                total -= targets[index] * (logits[index] - values[row])
                softmax[index] = (targetSum * softmax[index] - targets[index]) / Float(rows)
            }
        }
        return (total / Float(rows), softmax)
    }

    /// Feature matching (Salimans et al.; KEDMI's generator loss): the mean absolute difference between the
    /// batch means of the generated images' features `fake` [N, F] and of real images' `real` [M, F]; the gradient
    /// is with respect to `fake`.
    public static func featureMatching(fake: Tensor, real: Tensor) -> (loss: Float, gradient: Tensor) {
        let features = fake.count / max(fake.shape[0], 1)
        precondition(real.count / max(real.shape[0], 1) == features, "featureMatching: \(fake.shape) against \(real.shape)")
        func means(_ tensor: Tensor) -> [Float] {
            let rows = tensor.shape[0]
            var sums = [Float](repeating: 0, count: features)
            for index in 0..<tensor.count { sums[index % features] += tensor[index] }
            return sums.map { $0 / Float(rows) }
        }
        let fakeMeans = means(fake), realMeans = means(real)
        var loss: Float = 0
        let gradient = Tensor(zeros: fake.shape)
        let scale = 1 / Float(features * fake.shape[0])
        for feature in 0..<features {
            let difference = fakeMeans[feature] - realMeans[feature]
            loss += abs(difference)
            let slope: Float = difference > 0 ? scale : (difference < 0 ? -scale : 0)
            for row in 0..<fake.shape[0] { gradient[row * features + feature] = slope }
        }
        return (loss / Float(features), gradient)
    }
}
