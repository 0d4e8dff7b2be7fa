import Foundation

/// Negative log-likelihood averaged over the batch (PyTorch `F.nll_loss` with mean reduction), taking
/// log-probabilities `[N, K]` and class indices; with label smoothing α the target is (1 − α)·one-hot + α/K, as
/// PyTorch's `cross_entropy(label_smoothing=α)`, and α may be negative.
public final class NLLLoss {
    /// The gradient of the last loss with respect to the log-probabilities.
    public let gradient = Tensor()
    /// The weight α moved from the label to all classes evenly.
    public let labelSmoothing: Float

    public init(labelSmoothing: Float = 0) { self.labelSmoothing = labelSmoothing }

    /// The loss; also fills `gradient`. Throws when shapes or class indices do not fit.
    public func callAsFunction(_ logProbabilities: Tensor, targets: [Int]) throws -> Float {
        guard logProbabilities.shape.count == 2, logProbabilities.shape[0] == targets.count, !targets.isEmpty else {
            throw ShapeError(layer: "NLLLoss", expected: "[\(targets.count), K] log-probabilities",
                             actual: logProbabilities.shape)
        }
        let classes = logProbabilities.shape[1]
        gradient.resize(logProbabilities.shape)
        let share = 1 / Float(targets.count)
        let spread = labelSmoothing / Float(classes)
        gradient.fill(-share * spread)
        var total: Double = 0
        for (row, target) in targets.enumerated() {
            guard (0..<classes).contains(target) else {
                throw ShapeError(layer: "NLLLoss", expected: "class indices in 0..<\(classes) (got \(target))",
                                 actual: logProbabilities.shape)
            }
            let scores = logProbabilities.pointer + row * classes
            total -= Double(1 - labelSmoothing) * Double(scores[target])
            if spread != 0 {
                var sum: Double = 0
                for k in 0..<classes { sum += Double(scores[k]) }
                total -= Double(spread) * sum
            }
            gradient[row * classes + target] -= share * (1 - labelSmoothing)
        }
        return Float(total / Double(targets.count))
    }
}

/// Mean squared error over every element (PyTorch `F.mse_loss` with mean reduction).
public final class MSELoss {
    /// The gradient of the last loss with respect to the prediction.
    public let gradient = Tensor()

    public init() {}

    /// The loss; also fills `gradient`. Throws when the shapes differ.
    public func callAsFunction(_ prediction: Tensor, _ target: Tensor) throws -> Float {
        guard prediction.shape == target.shape, prediction.count > 0 else {
            throw ShapeError(layer: "MSELoss", expected: "a prediction of the target's shape \(target.shape)",
                             actual: prediction.shape)
        }
        gradient.resize(prediction.shape)
        let scale = 2 / Float(prediction.count)
        var total: Double = 0
        for index in 0..<prediction.count {
            let difference = prediction[index] - target[index]
            total += Double(difference * difference)
            gradient[index] = scale * difference
        }
        return Float(total / Double(prediction.count))
    }
}

/// Binary cross-entropy on logits averaged over every element (PyTorch `F.binary_cross_entropy_with_logits`), with
/// one target in [0, 1] for all elements: a GAN's real (1) or fake (0) label.
public final class BinaryCrossEntropyWithLogits {
    /// The gradient of the last loss with respect to the logits.
    public let gradient = Tensor()

    public init() {}

    /// The loss; also fills `gradient`. Computed as max(x, 0) − x·t + log(1 + e^−|x|), which neither overflows nor
    /// loses the small probabilities.
    public func callAsFunction(_ logits: Tensor, target: Float) -> Float {
        gradient.resize(logits.shape)
        let share = 1 / Float(max(logits.count, 1))
        var total: Double = 0
        for index in 0..<logits.count {
            let x = logits[index]
            total += Double(max(x, 0) - x * target + log1p(exp(-abs(x))))
            gradient[index] = share * (1 / (1 + exp(-x)) - target)
        }
        return Float(total / Double(max(logits.count, 1)))
    }
}

/// Knowledge distillation's loss at temperature 1, as LOMMA trains its augmented models: the Kullback–Leibler
/// divergence from a teacher's class probabilities to the softmax of the student's logits, averaged over the batch
/// (PyTorch `kl_div(log_softmax(s), p, reduction="sum") / N`).
public final class DistillationLoss {
    /// The gradient of the last loss with respect to the student's logits.
    public let gradient = Tensor()

    public init() {}

    /// The loss for `logits` `[N, K]` against the teacher's `probabilities` of the same shape; also fills `gradient`.
    public func callAsFunction(_ logits: Tensor, teacher probabilities: Tensor) throws -> Float {
        guard logits.shape.count == 2, logits.shape == probabilities.shape, logits.count > 0 else {
            throw ShapeError(layer: "DistillationLoss", expected: "logits of the teacher's shape \(probabilities.shape)",
                             actual: logits.shape)
        }
        let (rows, classes) = (logits.shape[0], logits.shape[1])
        gradient.resize(logits.shape)
        let share = 1 / Float(rows)
        var total: Double = 0
        for row in 0..<rows {
            let scores = logits.pointer + row * classes
            let largest = (0..<classes).map { scores[$0] }.max()!
            let logSum = largest + log((0..<classes).map { exp(scores[$0] - largest) }.reduce(0, +))
            for entry in 0..<classes {
                let index = row * classes + entry
                let logStudent = scores[entry] - logSum
                let teacher = probabilities[index]
                // 0·log 0 is 0: a class the teacher rules out adds nothing, whatever the student says.
                if teacher > 0 { total += Double(teacher * (log(teacher) - logStudent)) }
                gradient[index] = share * (exp(logStudent) - teacher)
            }
        }
        return Float(total / Double(rows))
    }
}
