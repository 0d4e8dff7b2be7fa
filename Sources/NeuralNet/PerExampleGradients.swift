/// A layer whose parameter gradient is a sum of one gradient per example (no statistic crosses the batch), and which
/// can give each example's squared gradient norm from the last forward's inputs and an output gradient: what DP-SGD
/// needs to clip every example's contribution without running the batch one example at a time.
protocol PerExampleGradientLayer: Layer {
    /// Adds, for each example n of the last forward, the squared norm of the gradient of this layer's parameters that
    /// example alone contributes under `outputGradient`, into `squaredNorms[n]`.
    func addPerExampleSquaredNorms(outputGradient: Tensor, into squaredNorms: inout [Double])
}

/// A network with a layer whose gradient mixes the examples of a batch, so per-example clipping cannot apply.
public struct PerExampleGradientError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

extension Sequential {
    /// The layers with parameters whose gradients cannot be split per example (batch normalisation mixes the batch).
    public var layersWithoutPerExampleGradients: [String] {
        children.flatMap { child -> [String] in
            if let nested = child.layer as? Sequential { return nested.layersWithoutPerExampleGradients }
            if child.layer.namedParameters.isEmpty || child.layer is PerExampleGradientLayer { return [] }
            return [child.layer.description]
        }
    }

    /// Back-propagates `outputGradient` as `backward` does and, before each layer's backward, adds each example's
    /// squared parameter-gradient norm into `squaredNorms` (one entry per example of the last forward). Throws when
    /// a layer with parameters cannot split its gradient per example.
    public func backwardAddingPerExampleSquaredNorms(_ outputGradient: Tensor, into squaredNorms: inout [Double],
                                                     needsInputGradient: Bool) throws -> Tensor {
        var gradient = outputGradient
        for (position, child) in children.enumerated().reversed() where !ranInPreviousLayer(position) {
            let needsInput = needsInputGradient || position > 0
            if let nested = child.layer as? Sequential {
                gradient = try nested.backwardAddingPerExampleSquaredNorms(gradient, into: &squaredNorms,
                                                                           needsInputGradient: needsInput)
                continue
            }
            if let layer = child.layer as? PerExampleGradientLayer {
                layer.addPerExampleSquaredNorms(outputGradient: gradient, into: &squaredNorms)
            } else if !child.layer.namedParameters.isEmpty {
                throw PerExampleGradientError(description: "\(child.layer.description) mixes the examples of a batch, so its gradient cannot be clipped per example (DP-SGD uses GroupNorm instead of BatchNorm)")
            }
            gradient = child.layer.backward(gradient, needsInputGradient: needsInput)
        }
        return gradient
    }
}

extension Linear: PerExampleGradientLayer {
    /// Example n's weight gradient is the outer product δₙ xₙᵀ, so its squared norm is |δₙ|²·|xₙ|², plus |δₙ|² for
    /// the bias.
    func addPerExampleSquaredNorms(outputGradient: Tensor, into squaredNorms: inout [Double]) {
        let input = lastInput!
        for row in 0..<input.shape[0] {
            let delta = outputGradient.pointer + row * outFeatures
            let features = input.pointer + row * inFeatures
            var deltaSquared = 0.0, inputSquared = 0.0
            for index in 0..<outFeatures { deltaSquared += Double(delta[index] * delta[index]) }
            for index in 0..<inFeatures { inputSquared += Double(features[index] * features[index]) }
            squaredNorms[row] += deltaSquared * (inputSquared + 1)
        }
    }
}

extension Conv2d: PerExampleGradientLayer {
    /// Each example's weight and bias gradients from the layer's own engine run on that example alone: the same
    /// multiply-adds as the batch's weight gradient, in smaller GEMMs.
    func addPerExampleSquaredNorms(outputGradient: Tensor, into squaredNorms: inout [Double]) {
        let input = lastInput!
        let inputSize = input.count / input.shape[0]
        let gradientSize = outputGradient.count / input.shape[0]
        let single = Tensor(zeros: [1] + input.shape.dropFirst())
        let singleGradient = Tensor(zeros: [1] + outputGradient.shape.dropFirst())
        let weightGradient = Tensor(zeros: weight.value.shape)
        let biasGradient = Tensor(zeros: [outChannels])
        for image in 0..<input.shape[0] {
            single.pointer.update(from: input.pointer + image * inputSize, count: inputSize)
            singleGradient.pointer.update(from: outputGradient.pointer + image * gradientSize, count: gradientSize)
            weightGradient.fill(0)
            biasGradient.fill(0)
            engine.backward(input: single, weight: weight.value, outputGradient: singleGradient,
                            parameterGradients: ParameterGradients(weight: weightGradient, bias: biasGradient),
                            inputGradient: nil)
            var total = 0.0
            for index in 0..<weightGradient.count { total += Double(weightGradient[index] * weightGradient[index]) }
            for index in 0..<outChannels { total += Double(biasGradient[index] * biasGradient[index]) }
            squaredNorms[image] += total
        }
    }
}
