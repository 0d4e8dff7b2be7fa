/// Negative log-likelihood averaged over the batch (PyTorch `F.nll_loss` with mean reduction), taking
/// log-probabilities `[N, K]` and class indices.
public final class NLLLoss {
    /// The gradient of the last loss with respect to the log-probabilities.
    public let gradient = Tensor()

    public init() {}

    /// The loss; also fills `gradient`. Throws when shapes or class indices do not fit.
    public func callAsFunction(_ logProbabilities: Tensor, targets: [Int]) throws -> Float {
        guard logProbabilities.shape.count == 2, logProbabilities.shape[0] == targets.count, !targets.isEmpty else {
            throw ShapeError(layer: "NLLLoss", expected: "[\(targets.count), K] log-probabilities",
                             actual: logProbabilities.shape)
        }
        let classes = logProbabilities.shape[1]
        gradient.resize(logProbabilities.shape)
        gradient.fill(0)
        var total: Double = 0
        let share = 1 / Float(targets.count)
        for (row, target) in targets.enumerated() {
            guard (0..<classes).contains(target) else {
                throw ShapeError(layer: "NLLLoss", expected: "class indices in 0..<\(classes) (got \(target))",
                                 actual: logProbabilities.shape)
            }
            total -= Double(logProbabilities[row * classes + target])
            gradient[row * classes + target] = -share
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
