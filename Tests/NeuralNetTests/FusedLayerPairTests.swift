import NeuralNet
import XCTest

/// `Sequential` runs two layer pairs in one pass with a backward covering both: a max pool with the ReLU after it
/// (always), and a frozen convolution with the frozen batch normalisation after it folded in (evaluation). Each must
/// give what the two layers give run one after the other.
final class FusedLayerPairTests: XCTestCase {
    /// Layers run one at a time, outside any `Sequential`: the output and the input gradient under `projection`.
    private func runApart(_ layers: [Layer], _ input: Tensor, mode: Mode, projection: Tensor?) throws -> (output: Tensor, inputGradient: Tensor?) {
        var value = input
        for layer in layers { value = try layer.forward(value, mode: mode) }
        let output = value.clone()
        guard let projection else { return (output, nil) }
        var gradient = projection
        for layer in layers.reversed() { gradient = layer.backward(gradient, needsInputGradient: true) }
        return (output, gradient.clone())
    }

    private func normalization(_ channels: Int) -> BatchNorm2d {
        let layer = BatchNorm2d(channels)
        // Statistics and affine parameters away from the identity, one channel with a negative scale.
        for channel in 0..<channels {
            layer.runningMean[channel] = 0.3 * Float(channel) - 0.2
            layer.runningVariance[channel] = 0.4 + 0.3 * Float(channel)
            layer.weight.value[channel] = channel == 1 ? -0.7 : 1.2 + 0.1 * Float(channel)
            layer.bias.value[channel] = 0.05 * Float(channel) - 0.1
        }
        return layer
    }

    func testPoolWithReLUInOnePassGivesTheSameValuesAndGradientsBitForBit() throws {
        var rng = RandomGenerator(seed: 11)
        let convolution = Conv2d(2, 3, kernel: 3, padding: 1, rng: &rng)
        let layers: [Layer] = [convolution, MaxPool2d(kernel: 2, stride: 2), Activation(.relu)]
        let input = randomTensor([2, 2, 8, 8], seed: 12)
        let projection = randomTensor([2, 3, 4, 4], seed: 13)

        convolution.zeroGradients()
        let apart = try runApart(layers, input, mode: .training, projection: projection)
        let weightGradientApart = convolution.weight.gradient.clone()

        let network = Sequential(layers)
        network.profile = LayerProfile()
        convolution.zeroGradients()
        let output = try network.forward(input, mode: .training).clone()
        let inputGradient = network.backward(projection, needsInputGradient: true)
        XCTAssertEqual(output.values, apart.output.values)
        XCTAssertTrue(output.values.contains(0) && output.values.contains { $0 > 0 }, "the ReLU clamps some values, not all")
        XCTAssertEqual(inputGradient.values, apart.inputGradient!.values)
        XCTAssertEqual(convolution.weight.gradient.values, weightGradientApart.values)
        // The ReLU ran inside the pool: the profile times two layers, not three.
        XCTAssertEqual(network.profile!.entries.map(\.name), ["0 \(convolution.description)", "1 MaxPool2d(2x2, stride 2)"])
    }

    func testFrozenNormalizationFoldedIntoTheConvolutionGivesTheInputGradient() throws {
        var rng = RandomGenerator(seed: 21)
        let convolution = Conv2d(3, 4, kernel: 3, padding: 1, rng: &rng)
        let layers: [Layer] = [convolution, normalization(4), Activation(.tanh)]
        let network = Sequential(layers)
        let input = randomTensor([2, 3, 6, 6], seed: 22)
        let projection = randomTensor([2, 4, 6, 6], seed: 23)
        try withFrozenParameters(of: [network]) {
            let apart = try runApart(layers, input, mode: .evaluation, projection: projection)
            network.profile = LayerProfile()
            let output = try network.forward(input, mode: .evaluation).clone()
            let inputGradient = network.backward(projection, needsInputGradient: true)
            assertClose(output, apart.output, "folded output")
            assertClose(inputGradient, apart.inputGradient!, "folded input gradient")
            XCTAssertEqual(network.profile!.entries.count, 2, "the normalisation ran inside the convolution")
            try checkGradients(of: network, input: input, mode: .evaluation, step: 1e-2, tolerance: 2e-2, parameters: false)
        }
    }

    func testNormalizationIsNotFoldedWhileItsParametersLearn() throws {
        var rng = RandomGenerator(seed: 31)
        let convolution = Conv2d(2, 3, kernel: 3, padding: 1, rng: &rng)
        let norm = normalization(3)
        let network = Sequential([convolution, norm])
        let input = randomTensor([2, 2, 5, 5], seed: 32)
        let projection = randomTensor([2, 3, 5, 5], seed: 33)
        network.zeroGradients()
        let apart = try runApart([convolution, norm], input, mode: .evaluation, projection: projection)
        let gradientsApart = network.parameters.map { $0.gradient.clone() }
        network.zeroGradients()
        XCTAssertEqual(try network.forward(input, mode: .evaluation).values, apart.output.values)
        XCTAssertEqual(network.backward(projection, needsInputGradient: true).values, apart.inputGradient!.values)
        XCTAssertEqual(network.parameters.map(\.gradient.values), gradientsApart.map(\.values))
    }
}
