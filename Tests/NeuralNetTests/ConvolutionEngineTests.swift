@testable import NeuralNet
import XCTest

/// Every fast convolution engine against the plain im2col + GEMM reference (`usesReference`), forward and backward,
/// on random data and ragged shapes: sizes that are not whole tiles or vectors, single tiles, odd widths, batches of
/// 1 and 3. Finite differences only show that a backward pass matches its own forward; this shows both are right.
///
/// Error measure, per tensor: max |fast - reference| / max(1, max |reference|), which must stay within 1e-4.
final class ConvolutionEngineTests: XCTestCase {
    private static let tolerance: Float = 1e-4

    /// Spatial sizes (height, width) of the inputs.
    private typealias Sizes = [(Int, Int)]

    func testWinogradConvolution() throws {
        let cases: [(inChannels: Int, outChannels: Int, padding: Int, sizes: Sizes)] = [
            (2, 3, 1, [(4, 4), (5, 7), (8, 8), (9, 13), (3, 17), (1, 2)]),
            (3, 5, 0, [(6, 6), (7, 9), (10, 5), (3, 3), (14, 11)]),
            (8, 8, 1, [(4, 4), (6, 9), (12, 12), (13, 7)]),
            (17, 6, 2, [(1, 2), (4, 5), (7, 11)]),
            // Batches of 3 of these span several chunks.
            (2, 3, 1, [(129, 131)]),
        ]
        for (index, shape) in cases.enumerated() {
            try compare("Winograd conv \(shape.inChannels)→\(shape.outChannels) pad \(shape.padding)",
                        channels: shape.inChannels, sizes: shape.sizes, seed: UInt64(index)) { rng, reference in
                Conv2d(shape.inChannels, shape.outChannels, kernel: 3, stride: 1, padding: shape.padding, rng: &rng,
                       usesReference: reference)
            } takesPath: { layer, _ in layer.engine is WinogradConvolution }
        }
    }

    func testSingleChannelConvolution() throws {
        for (index, outChannels) in [1, 4, 32].enumerated() {
            try compare("single-channel conv 1→\(outChannels)", channels: 1,
                        sizes: [(1, 1), (3, 5), (4, 4), (5, 8), (7, 9), (6, 17), (2, 23)], seed: 10 + UInt64(index)) {
                rng, reference in
                Conv2d(1, outChannels, kernel: 3, stride: 1, padding: 1, rng: &rng, usesReference: reference)
            } takesPath: { layer, _ in layer.engine is SingleChannelConvolution }
        }
    }

    /// The 3x3 and 4x4, stride 2, padding 1 convolutions over even-sized planes, whose im2col and col2im split the
    /// planes.
    func testPhaseSplitConvolution() throws {
        for (index, (kernel, inChannels)) in [(4, 3), (3, 3), (3, 1)].enumerated() {
            try compare("phase-split \(kernel)x\(kernel) conv \(inChannels)→4", channels: inChannels,
                        sizes: [(2, 2), (4, 4), (6, 10), (8, 6), (64, 66)], seed: 20 + UInt64(index)) { rng, reference in
                Conv2d(inChannels, 4, kernel: kernel, stride: 2, padding: 1, rng: &rng, usesReference: reference)
            } takesPath: { layer, input in
                (layer.engine as? ColumnConvolution)?.geometry(for: input).splitsIntoPhases == true
            }
        }
    }

    /// Upsampling layers with too few channels for Winograd (fewer than 16 in or 64 out) and more than one output
    /// channel: GEMM + col2im, with the output (gradient) planes split into phases.
    func testPhaseSplitTransposedConvolution() throws {
        let cases: [(inChannels: Int, outChannels: Int)] = [(3, 2), (8, 16), (16, 8), (5, 7), (16, 32)]
        for (index, shape) in cases.enumerated() {
            try compare("phase-split transposed \(shape.inChannels)→\(shape.outChannels)", channels: shape.inChannels,
                        sizes: [(1, 1), (2, 3), (4, 4), (5, 7), (33, 32)], seed: 30 + UInt64(index)) { rng, reference in
                ConvTranspose2d(shape.inChannels, shape.outChannels, kernel: 4, stride: 2, padding: 1, rng: &rng,
                                usesReference: reference)
            } takesPath: { layer, input in
                let engine = layer.engine(for: input) as? ColumnTransposedConvolution
                return engine?.geometry(for: input).splitsIntoPhases == true
            }
        }
    }

    func testWinogradUpsampling() throws {
        let cases: [(inChannels: Int, outChannels: Int, sizes: Sizes)] = [
            (16, 64, [(1, 1), (3, 5), (4, 4), (6, 7), (9, 8)]),
            (17, 65, [(2, 3), (4, 4), (5, 9)]),
            (32, 64, [(8, 8), (7, 3)]),
            // Batches of 3 of these span several chunks.
            (16, 64, [(65, 66)]),
        ]
        for (index, shape) in cases.enumerated() {
            try compare("Winograd upsampling \(shape.inChannels)→\(shape.outChannels)", channels: shape.inChannels,
                        sizes: shape.sizes, seed: 40 + UInt64(index)) { rng, reference in
                ConvTranspose2d(shape.inChannels, shape.outChannels, kernel: 4, stride: 2, padding: 1, rng: &rng,
                                usesReference: reference)
            } takesPath: { layer, input in layer.engine(for: input) is WinogradUpsampling }
        }
    }

    func testSingleOutputTransposedConvolution() throws {
        for (index, inChannels) in [1, 3, 16, 33].enumerated() {
            try compare("single-output transposed \(inChannels)→1", channels: inChannels,
                        sizes: [(1, 1), (2, 3), (4, 4), (5, 8), (7, 9), (3, 17)], seed: 50 + UInt64(index)) {
                rng, reference in
                ConvTranspose2d(inChannels, 1, kernel: 4, stride: 2, padding: 1, rng: &rng, usesReference: reference)
            } takesPath: { layer, input in layer.engine(for: input) is SingleOutputTransposedConvolution }
        }
    }

    func testVectorLift() throws {
        let cases: [(inChannels: Int, outChannels: Int, kernel: Int, stride: Int)] = [
            (10, 7, 4, 1), (5, 3, 3, 2), (16, 32, 4, 1), (1, 1, 2, 1),
        ]
        for (index, shape) in cases.enumerated() {
            try compare("vector lift \(shape.inChannels)→\(shape.outChannels) \(shape.kernel)x\(shape.kernel)",
                        channels: shape.inChannels, sizes: [(1, 1)], seed: 60 + UInt64(index)) { rng, reference in
                ConvTranspose2d(shape.inChannels, shape.outChannels, kernel: shape.kernel, stride: shape.stride,
                                padding: 0, rng: &rng, usesReference: reference)
            } takesPath: { layer, input in layer.engine(for: input) is VectorLift }
        }
    }

    /// The reference itself on images smaller than the kernel, where its column ranges are clipped at both edges:
    /// forward against the convolution's definition, backward by finite differences.
    func testReferenceOnImagesSmallerThanTheKernel() throws {
        let cases: [(kernel: Int, stride: Int, padding: Int, height: Int, width: Int)] = [
            (5, 1, 2, 1, 1), (4, 2, 1, 2, 2), (3, 2, 1, 1, 3), (5, 3, 2, 2, 1), (4, 2, 1, 2, 3),
        ]
        for (index, shape) in cases.enumerated() {
            var rng = RandomGenerator(seed: 70 + UInt64(index))
            let layer = Conv2d(2, 3, kernel: shape.kernel, stride: shape.stride, padding: shape.padding, rng: &rng,
                               usesReference: true)
            let input = Self.normal([2, 2, shape.height, shape.width], &rng)
            check(try layer.forward(input, mode: .training), Self.directConvolution(layer, input),
                  "\(layer.description) over \(input.shape)")
            try checkGradients(of: layer, input: input)
        }
    }

    /// Builds the layer twice from one seed, fast and reference, and compares their passes over each size in turn
    /// (so that the fast engine meets buffers sized for other shapes): batch 3 with the input gradient, batch 1 with
    /// it, batch 3 without, batch 3 with it and the fast layer's parameters frozen. Parameter gradients start from
    /// the same random values in both layers, so that an engine that overwrites them rather than adding fails (and
    /// a frozen layer must leave them as they were); the fast layer's input gradient is poisoned with NaN after
    /// each pass, so that one that adds to it rather than overwriting fails.
    private func compare<L: Layer>(
        _ label: String, channels: Int, sizes: Sizes, seed: UInt64,
        make: (inout RandomGenerator, Bool) -> L, takesPath: (L, Tensor) -> Bool,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        var parameterRNG = RandomGenerator(seed: 1000 + seed)
        let fast = make(&parameterRNG, false)
        parameterRNG = RandomGenerator(seed: 1000 + seed)
        let reference = make(&parameterRNG, true)
        var rng = RandomGenerator(seed: seed)
        for (height, width) in sizes {
            for (batch, needsInputGradient, frozen) in [(3, true, false), (1, true, false), (3, false, false), (3, true, true)] {
                let input = Self.normal([batch, channels, height, width], &rng)
                let name = "\(label) [\(batch), \(channels), \(height), \(width)]\(frozen ? " frozen" : "")"
                XCTAssertTrue(takesPath(fast, input), "\(name): fast path not taken", file: file, line: line)
                let parameters = zip(fast.namedParameters, reference.namedParameters)
                var starts: [Tensor] = []
                for ((_, fastParameter), (_, referenceParameter)) in parameters {
                    let start = Self.normal(fastParameter.gradient.shape, &rng)
                    fastParameter.gradient.copy(from: start)
                    referenceParameter.gradient.copy(from: start)
                    fastParameter.requiresGradient = !frozen
                    starts.append(start)
                }
                let expected = try reference.forward(input, mode: .training).clone()
                let actual = try fast.forward(input, mode: .training)
                check(actual, expected, "\(name) output", file: file, line: line)
                let outputGradient = Self.normal(expected.shape, &rng)
                let expectedInputGradient = reference.backward(outputGradient, needsInputGradient: needsInputGradient)
                let actualInputGradient = fast.backward(outputGradient, needsInputGradient: needsInputGradient)
                if needsInputGradient {
                    check(actualInputGradient, expectedInputGradient, "\(name) input gradient", file: file, line: line)
                }
                actualInputGradient.fill(.nan)
                for (((parameterName, fastParameter), (_, referenceParameter)), start) in zip(parameters, starts) {
                    check(fastParameter.gradient, frozen ? start : referenceParameter.gradient,
                          "\(name) \(parameterName) gradient", file: file, line: line)
                    fastParameter.requiresGradient = true
                }
            }
        }
    }

    /// Fails when `actual` differs from `expected` by more than the tolerance (see the class comment).
    private func check(_ actual: Tensor, _ expected: Tensor, _ name: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        guard actual.shape == expected.shape else {
            return XCTFail("\(name): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
        }
        var (difference, scale): (Float, Float) = (0, 1)
        for index in 0..<expected.count {
            let gap = abs(actual[index] - expected[index])
            // NaN fails the comparison and so counts as an infinite gap.
            difference = gap <= difference ? difference : (gap.isNaN ? .infinity : gap)
            scale = max(scale, abs(expected[index]))
        }
        let error = difference / scale
        XCTAssertLessThanOrEqual(error, Self.tolerance, "\(name): relative error", file: file, line: line)
    }

    /// `layer`'s output by the convolution's definition, one multiply-add per tap.
    private static func directConvolution(_ layer: Conv2d, _ input: Tensor) -> Tensor {
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (kernel, stride, padding) = (layer.kernel, layer.stride, layer.padding)
        let outputHeight = (height + 2 * padding - kernel) / stride + 1
        let outputWidth = (width + 2 * padding - kernel) / stride + 1
        var values: [Float] = []
        for image in 0..<batch {
            for filter in 0..<layer.outChannels {
                for row in 0..<outputHeight {
                    for column in 0..<outputWidth {
                        var sum = layer.bias.value[filter]
                        for channel in 0..<channels {
                            for tap in 0..<kernel * kernel {
                                let (kernelRow, kernelColumn) = tap.quotientAndRemainder(dividingBy: kernel)
                                let y = row * stride - padding + kernelRow
                                let x = column * stride - padding + kernelColumn
                                guard (0..<height).contains(y), (0..<width).contains(x) else { continue }
                                sum += layer.weight.value[(filter * channels + channel) * kernel * kernel + tap]
                                    * input[((image * channels + channel) * height + y) * width + x]
                            }
                        }
                        values.append(sum)
                    }
                }
            }
        }
        return Tensor(shape: [batch, layer.outChannels, outputHeight, outputWidth], values: values)
    }

    private static func normal(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape, values: (0..<Tensor.elementCount(shape)).map { _ in rng.normal() })
    }
}
