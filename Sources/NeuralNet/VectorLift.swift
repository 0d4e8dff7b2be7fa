/// A `ConvTranspose2d` with no padding over 1x1 images (the inversion model's first layer, which lifts prediction
/// vectors to k x k maps): each image's output `[out, k, k]` is its input row times the weight viewed as
/// `[in, out · k · k]`, so a pass is one GEMM in the NCHW layout, with no column matrix to fold.
struct VectorLift: ConvolutionEngine {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int

    private var kernelRows: Int { outChannels * kernel * kernel }

    func forward(input: Tensor, weight: Tensor, bias: Tensor, output: Tensor) {
        let batch = input.shape[0]
        let planeSize = kernel * kernel
        for image in 0..<batch {
            for channel in 0..<outChannels {
                (output.pointer + (image * outChannels + channel) * planeSize)
                    .update(repeating: bias[channel], count: planeSize)
            }
        }
        gemm(transposeA: false, transposeB: false, m: batch, n: kernelRows, k: inChannels,
             a: input.pointer, lda: inChannels, b: weight.pointer, ldb: kernelRows,
             beta: 1, c: output.pointer, ldc: kernelRows)
    }

    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, parameterGradients: ParameterGradients?,
                  inputGradient: Tensor?) {
        let batch = input.shape[0]
        if let parameterGradients {
            addBiasGradient(outputGradient, images: batch, channels: outChannels, pixels: kernel * kernel,
                            into: parameterGradients.bias)
            gemm(transposeA: true, transposeB: false, m: inChannels, n: kernelRows, k: batch,
                 a: input.pointer, lda: inChannels, b: outputGradient.pointer, ldb: kernelRows,
                 beta: 1, c: parameterGradients.weight.pointer, ldc: kernelRows)
        }
        if let inputGradient {
            gemm(transposeA: false, transposeB: true, m: batch, n: inChannels, k: kernelRows,
                 a: outputGradient.pointer, lda: kernelRows, b: weight.pointer, ldb: kernelRows,
                 beta: 0, c: inputGradient.pointer, ldc: inChannels)
        }
    }
}
