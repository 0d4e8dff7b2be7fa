/// One optimisation step of a classifier: forward in training mode, log-softmax + NLL (label-smoothed when asked),
/// backward, optimiser.
public final class ClassifierTrainingStep {
    public let model: Sequential
    public let optimizer: Optimizer
    private let logSoftmax = Softmax(logarithmic: true)
    private let loss: NLLLoss

    public init(model: Sequential, optimizer: Optimizer, labelSmoothing: Float = 0) {
        self.model = model
        self.optimizer = optimizer
        loss = NLLLoss(labelSmoothing: labelSmoothing)
    }

    /// Trains on one batch and returns its loss (with any information bottleneck's term, whose gradient its layer
    /// adds in backward). The first layer's input gradient is not computed.
    public func callAsFunction(images: Tensor, labels: [Int]) throws -> Float {
        optimizer.zeroGradients()
        let value = try loss(try logSoftmax.forward(try model.forward(images, mode: .training), mode: .training),
                             targets: labels)
        _ = model.backward(logSoftmax.backward(loss.gradient, needsInputGradient: true), needsInputGradient: false)
        optimizer.step()
        return value + model.informationLoss
    }
}

/// The released output of a classifier: softmax over its logits, computed in evaluation mode.
public final class SoftmaxPredictor {
    public let model: Sequential
    private let softmax = Softmax(logarithmic: false)

    public init(model: Sequential) { self.model = model }

    /// The softmax vectors `[N, classes]` for a batch of images; the tensor is reused by the next call.
    public func callAsFunction(_ images: Tensor) throws -> Tensor {
        try softmax.forward(try model.infer(images), mode: .evaluation)
    }
}

/// One optimisation step of an inversion model: encode the prediction vectors (top-k, log, offset), decode, MSE
/// against the images the vectors came from, backward, optimiser.
public final class InversionTrainingStep {
    public let model: Sequential
    public let optimizer: Optimizer
    /// The encoding of the vectors; its `keep` is the training truncation.
    public let encoding: PredictionEncoding
    private let loss = MSELoss()

    public init(model: Sequential, optimizer: Optimizer, encoding: PredictionEncoding) {
        self.model = model
        self.optimizer = optimizer
        self.encoding = encoding
    }

    /// Trains on one batch of prediction vectors and their images; returns the MSE before the update.
    public func callAsFunction(predictions: Tensor, images: Tensor) throws -> Float {
        optimizer.zeroGradients()
        let reconstructions = try model.forward(try encoding.forward(predictions, mode: .training), mode: .training)
        let value = try loss(reconstructions, images)
        _ = model.backward(loss.gradient, needsInputGradient: false)
        optimizer.step()
        return value
    }
}
