@testable import NeuralNet
import XCTest

/// The engines that sum weight gradients over a batch in parallel add the images' sums in image order: a batch's
/// gradient is, bit for bit, what backward passes over its images one at a time accumulate. It then does not depend
/// on how many cores split the batch or which finished first, and training repeats itself from a seed (a GAN's
/// discriminator, whose gradients accumulate over a real and a fake batch, did not before).
final class OrderedGradientSumTests: XCTestCase {
    func testSingleChannelConvolution() throws {
        var rng = RandomGenerator(seed: 3)
        let layer = Conv2d(1, 8, kernel: 3, stride: 1, padding: 1, rng: &rng)
        XCTAssert(layer.engine is SingleChannelConvolution)
        try assertBatchAccumulatesImagesInOrder(layer, inputShape: [7, 1, 12, 13], parameters: ["weight", "bias"])
    }

    func testSingleOutputTransposedConvolution() throws {
        var rng = RandomGenerator(seed: 4)
        let layer = ConvTranspose2d(6, 1, kernel: 4, stride: 2, padding: 1, rng: &rng)
        let input = randomTensor([7, 6, 8, 9], seed: 5)
        XCTAssert(layer.engine(for: input) is SingleOutputTransposedConvolution)
        // Its bias gradient is one serial sum over the batch, not per image.
        try assertBatchAccumulatesImagesInOrder(layer, inputShape: input.shape, parameters: ["weight"])
    }

    /// Runs `layer` backward on a batch and on each of its images in turn, from the same nonzero gradients, and
    /// requires the named parameters' gradients to agree exactly.
    private func assertBatchAccumulatesImagesInOrder(_ layer: Layer, inputShape: [Int], parameters names: [String],
                                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let input = randomTensor(inputShape, seed: 6)
        let parameters = layer.namedParameters.filter { names.contains($0.0) }.map(\.1)
        XCTAssertEqual(parameters.count, names.count, file: file, line: line)
        let starts = parameters.enumerated().map { randomTensor($1.gradient.shape, seed: 7 + UInt64($0)) }
        let restart = { for (parameter, start) in zip(parameters, starts) { parameter.gradient.copy(from: start) } }

        restart()
        let output = try layer.forward(input, mode: .training).clone()
        let outputGradient = randomTensor(output.shape, seed: 9)
        _ = layer.backward(outputGradient, needsInputGradient: true)
        let batched = parameters.map { Array($0.gradient.values) }

        restart()
        let imageSize = input.count / inputShape[0], gradientSize = outputGradient.count / inputShape[0]
        for image in 0..<inputShape[0] {
            let one = Tensor(shape: [1] + inputShape.dropFirst(), values: Array(input.values[image * imageSize..<(image + 1) * imageSize]))
            let oneGradient = Tensor(shape: [1] + output.shape.dropFirst(),
                                     values: Array(outputGradient.values[image * gradientSize..<(image + 1) * gradientSize]))
            _ = try layer.forward(one, mode: .training)
            _ = layer.backward(oneGradient, needsInputGradient: true)
        }
        for ((name, parameter), expected) in zip(zip(names, parameters), batched) {
            let actual = Array(parameter.gradient.values)
            let differing = zip(actual, expected).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "\(name): \(differing) of \(actual.count) gradients differ", file: file, line: line)
        }
    }
}
