import Foundation

/// The 3x3, stride 1, padding 1 convolution of single-channel images (the classifier's first layer), computed
/// directly with vector multiply-adds. With one input channel im2col gives GEMMs only 9 deep, where BLAS reaches a
/// small fraction of its speed and the column matrix costs nine copies of the input.
struct SingleChannelConvolution: ConvolutionEngine {
    let outChannels: Int

    /// Eight lanes: one AVX register.
    private typealias Lanes = SIMD8<Float>

    /// Copies an image into `padded`, whose rows are `width + 2` long, with a border of zeros one pixel wide.
    private static func pad(_ image: UnsafePointer<Float>, height: Int, width: Int, into padded: UnsafeMutablePointer<Float>) {
        let paddedWidth = width + 2
        padded.update(repeating: 0, count: paddedWidth)
        (padded + (height + 1) * paddedWidth).update(repeating: 0, count: paddedWidth)
        for row in 0..<height {
            let destination = padded + (row + 1) * paddedWidth
            destination[0] = 0
            (destination + 1).update(from: image + row * width, count: width)
            destination[width + 1] = 0
        }
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
    }

    /// One output plane: `result[y][x] (+)= bias + Σ weights[ky][kx] · padded[y + ky][x + kx]`, adding to what
    /// `result` holds when `accumulate`.
    @inline(__always)
    private static func correlate(_ padded: UnsafePointer<Float>, height: Int, width: Int, weights: UnsafePointer<Float>,
                                  bias: Float, accumulate: Bool, into result: UnsafeMutablePointer<Float>) {
        let paddedWidth = width + 2
        let vectorEnd = width & ~7
        // The taps spread over the lanes once per plane: multiplying by a scalar inside the loop lets the compiler
        // fold neighbouring taps into shuffles that cost more than the multiply-adds.
        let (w0, w1, w2) = (Lanes(repeating: weights[0]), Lanes(repeating: weights[1]), Lanes(repeating: weights[2]))
        let (w3, w4, w5) = (Lanes(repeating: weights[3]), Lanes(repeating: weights[4]), Lanes(repeating: weights[5]))
        let (w6, w7, w8) = (Lanes(repeating: weights[6]), Lanes(repeating: weights[7]), Lanes(repeating: weights[8]))
        let biasLanes = Lanes(repeating: bias)
        for row in 0..<height {
            let out = result + row * width
            let top = padded + row * paddedWidth
            var column = 0
            while column < vectorEnd {
                var sum = accumulate ? load(out + column) + biasLanes : biasLanes
                let upper = top + column
                let middle = upper + paddedWidth
                let lower = middle + paddedWidth
                sum += w0 * load(upper)
                sum += w1 * load(upper + 1)
                sum += w2 * load(upper + 2)
                sum += w3 * load(middle)
                sum += w4 * load(middle + 1)
                sum += w5 * load(middle + 2)
                sum += w6 * load(lower)
                sum += w7 * load(lower + 1)
                sum += w8 * load(lower + 2)
                UnsafeMutableRawPointer(out + column).storeBytes(of: sum, as: Lanes.self)
                column += 8
            }
            while column < width {
                var sum = (accumulate ? out[column] : 0) + bias
                for kernelRow in 0..<3 {
                    for kernelColumn in 0..<3 {
                        sum += weights[kernelRow * 3 + kernelColumn] * top[kernelRow * paddedWidth + column + kernelColumn]
                    }
                }
                out[column] = sum
                column += 1
            }
        }
    }

    /// output `[N, out, H, W]` from input `[N, 1, H, W]`, weight `[out, 1, 3, 3]` and bias `[out]`.
    func forward(input: Tensor, weight: Tensor, bias: Tensor, output: Tensor) {
        let (height, width) = (input.shape[2], input.shape[3])
        let pixels = height * width
        let (source, destination, weights, biases) = (input.pointer, output.pointer, weight.pointer, bias.pointer)
        TransformLoops.forEachPlane(images: input.shape[0], channels: 1, scratchSize: (height + 2) * (width + 2)) { image, _, padded in
            SingleChannelConvolution.pad(source + image * pixels, height: height, width: width, into: padded)
            for channel in 0..<outChannels {
                SingleChannelConvolution.correlate(padded, height: height, width: width, weights: weights + channel * 9,
                                                   bias: biases[channel], accumulate: false,
                                                   into: destination + (image * outChannels + channel) * pixels)
            }
        }
    }

    /// Adds the weight and bias gradients to `weightGradient` and `biasGradient` and, when `inputGradient` is
    /// given, writes the input gradient there.
    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, parameterGradients: ParameterGradients?,
                  inputGradient: Tensor?) {
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let pixels = height * width
        let paddedSize = (height + 2) * (width + 2)
        let sums = outChannels * 10
        if let parameterGradients {
            // Each image's 9 weight sums and bias sum per channel, added up in image order.
            let imageSums = OrderedPartialSums(items: batch, width: sums)
            defer { imageSums.deallocate() }
            TransformLoops.forEachPlane(images: batch, channels: 1, scratchSize: paddedSize) { image, _, padded in
                SingleChannelConvolution.pad(input.pointer + image * pixels, height: height, width: width, into: padded)
                for channel in 0..<outChannels {
                    let gradient = outputGradient.pointer + (image * outChannels + channel) * pixels
                    addWeightSums(padded, gradient: gradient, height: height, width: width, into: imageSums.row(image) + channel * 10)
                }
            }
            for image in 0..<batch {
                let row = imageSums.row(image)
                for channel in 0..<outChannels {
                    for tap in 0..<9 { parameterGradients.weight.pointer[channel * 9 + tap] += row[channel * 10 + tap] }
                    parameterGradients.bias.pointer[channel] += row[channel * 10 + 9]
                }
            }
        }
        guard let inputGradient else { return }
        // The input gradient correlates each padded output-gradient plane with its channel's kernel turned 180°.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: outChannels * 9) { flipped in
            for channel in 0..<outChannels {
                for tap in 0..<9 { flipped[channel * 9 + tap] = weight.pointer[channel * 9 + 8 - tap] }
            }
            let kernels = UnsafePointer(flipped.baseAddress!)
            TransformLoops.forEachPlane(images: batch, channels: 1, scratchSize: paddedSize) { image, _, padded in
                for channel in 0..<outChannels {
                    SingleChannelConvolution.pad(outputGradient.pointer + (image * outChannels + channel) * pixels,
                                                 height: height, width: width, into: padded)
                    SingleChannelConvolution.correlate(padded, height: height, width: width, weights: kernels + channel * 9,
                                                       bias: 0, accumulate: channel > 0, into: inputGradient.pointer + image * pixels)
                }
            }
        }
    }

    /// sums[ky * 3 + kx] += Σ gradient[y][x] · padded[y + ky][x + kx]; sums[9] += Σ gradient[y][x].
    private func addWeightSums(_ padded: UnsafePointer<Float>, gradient: UnsafePointer<Float>, height: Int, width: Int,
                               into sums: UnsafeMutablePointer<Float>) {
        let paddedWidth = width + 2
        let vectorEnd = width & ~7
        // Ten accumulators held in registers, not in memory the pointers might alias.
        var (t0, t1, t2, t3, t4) = (Lanes(), Lanes(), Lanes(), Lanes(), Lanes())
        var (t5, t6, t7, t8, t9) = (Lanes(), Lanes(), Lanes(), Lanes(), Lanes())
        for row in 0..<height {
            let top = padded + row * paddedWidth
            var column = 0
            while column < vectorEnd {
                let g = Self.load(gradient + row * width + column)
                let upper = top + column
                let middle = upper + paddedWidth
                let lower = middle + paddedWidth
                t0 += g * Self.load(upper)
                t1 += g * Self.load(upper + 1)
                t2 += g * Self.load(upper + 2)
                t3 += g * Self.load(middle)
                t4 += g * Self.load(middle + 1)
                t5 += g * Self.load(middle + 2)
                t6 += g * Self.load(lower)
                t7 += g * Self.load(lower + 1)
                t8 += g * Self.load(lower + 2)
                t9 += g
                column += 8
            }
            while column < width {
                let g = gradient[row * width + column]
                for tap in 0..<9 { sums[tap] += g * top[(tap / 3) * paddedWidth + column + tap % 3] }
                sums[9] += g
                column += 1
            }
        }
        (sums[0], sums[1], sums[2]) = (sums[0] + t0.sum(), sums[1] + t1.sum(), sums[2] + t2.sum())
        (sums[3], sums[4], sums[5]) = (sums[3] + t3.sum(), sums[4] + t4.sum(), sums[5] + t5.sum())
        (sums[6], sums[7], sums[8]) = (sums[6] + t6.sum(), sums[7] + t7.sum(), sums[8] + t8.sum())
        sums[9] += t9.sum()
    }
}
