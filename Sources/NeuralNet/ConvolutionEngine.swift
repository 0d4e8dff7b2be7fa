/// One way of computing a convolution layer's passes (Winograd, a direct kernel, im2col + GEMM, ...). `Conv2d` and
/// `ConvTranspose2d` pick an engine once for their kernel, stride, padding and channels and hand it every pass, so
/// that each fast path can be checked against the plain im2col + GEMM reference behind the same calls.
///
/// Tensors are NCHW. The layer sizes `output` and `inputGradient` before the call; the engine keeps no reference to
/// them. Engines are called once per layer pass, never per value, so the dynamic dispatch costs nothing measurable.
protocol ConvolutionEngine {
    /// output = convolution(input, weight) + bias, written over `output`.
    func forward(input: Tensor, weight: Tensor, bias: Tensor, output: Tensor)

    /// Adds the weight and bias gradients into `parameterGradients` when given (so that they accumulate over several
    /// passes, as parameter gradients do) and, when `inputGradient` is given, writes the gradient with respect to
    /// `input` over it. `input` and `weight` are those of the forward pass being differentiated.
    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, parameterGradients: ParameterGradients?,
                  inputGradient: Tensor?)
}

/// Where a convolution's backward pass adds its weight and bias gradients. A pass without them (a frozen layer, see
/// `Parameter.requiresGradient`) skips the work that only they need.
struct ParameterGradients {
    let weight: Tensor
    let bias: Tensor

    init(weight: Tensor, bias: Tensor) {
        self.weight = weight
        self.bias = bias
    }

    /// The gradients of `weight` and `bias`, or nil when neither requires one.
    init?(of weight: Parameter, _ bias: Parameter) {
        guard weight.requiresGradient || bias.requiresGradient else { return nil }
        self.init(weight: weight.gradient, bias: bias.gradient)
    }
}

extension ConvolutionEngine {
    /// Adds each channel's output gradient, summed over `images` planes of `pixels`, into `biasGradient`: the bias
    /// gradient of the engines whose GEMMs and transforms leave the bias out.
    func addBiasGradient(_ outputGradient: Tensor, images: Int, channels: Int, pixels: Int, into biasGradient: Tensor) {
        for channel in 0..<channels {
            var sum: Float = 0
            for image in 0..<images {
                sum += VectorMath.sum(outputGradient.pointer + (image * channels + channel) * pixels, count: pixels)
            }
            biasGradient[channel] += sum
        }
    }
}
