import NeuralNet
import TensorFiles
import XCTest

/// Each layer's forward and backward against values recorded from PyTorch.
final class GoldenLayerTests: XCTestCase {
    private func check(_ layer: Layer, fixture name: String, mode: Mode = .training) throws {
        let fixture = try Fixture.load(name)
        try loadState(layer, from: fixture, prefix: "param.")
        let output = try layer.forward(fixture["input"]!, mode: mode)
        assertClose(output, fixture["output"]!, "\(name) output")
        layer.zeroGradients()
        let inputGradient = layer.backward(fixture["grad_output"]!, needsInputGradient: true)
        assertClose(inputGradient, fixture["grad_input"]!, "\(name) input gradient")
        for (parameterName, parameter) in layer.namedParameters {
            assertClose(parameter.gradient, fixture["grad." + parameterName]!, "\(name) gradient of \(parameterName)")
        }
        for entry in layer.stateEntries {
            guard case .floats(let tensor) = entry.value, let expected = fixture["after." + entry.name] else { continue }
            assertClose(tensor, expected, "\(name) \(entry.name) after the step")
        }
    }

    func testConv2d() throws {
        var rng = RandomGenerator(seed: 1)
        try check(Conv2d(3, 4, kernel: 3, stride: 1, padding: 1, rng: &rng), fixture: "conv2d_k3_s1_p1")
        try check(Conv2d(2, 3, kernel: 3, stride: 2, padding: 0, rng: &rng), fixture: "conv2d_k3_s2_p0")
        try check(Conv2d(2, 3, kernel: 4, stride: 2, padding: 1, rng: &rng), fixture: "conv2d_k4_s2_p1")
    }

    func testConvTranspose2d() throws {
        var rng = RandomGenerator(seed: 1)
        try check(ConvTranspose2d(5, 3, kernel: 4, stride: 1, padding: 0, rng: &rng), fixture: "convtranspose2d_k4_s1_p0")
        try check(ConvTranspose2d(3, 2, kernel: 4, stride: 2, padding: 1, rng: &rng), fixture: "convtranspose2d_k4_s2_p1")
    }

    func testBatchNorm2dInTrainingUpdatesRunningStatistics() throws {
        let layer = BatchNorm2d(3)
        try check(layer, fixture: "batchnorm2d_training")
        XCTAssertEqual(layer.batchesTracked.value, 1)
    }

    func testBatchNorm2dInEvaluationUsesRunningStatistics() throws {
        let layer = BatchNorm2d(3)
        try check(layer, fixture: "batchnorm2d_evaluation", mode: .evaluation)
        XCTAssertEqual(layer.batchesTracked.value, 0)
    }

    func testPoolingActivationsAndLinear() throws {
        var rng = RandomGenerator(seed: 1)
        try check(MaxPool2d(kernel: 2, stride: 2), fixture: "maxpool2d")
        try check(Activation(.relu), fixture: "relu")
        try check(Activation(.tanh), fixture: "tanh")
        try check(Activation(.sigmoid), fixture: "sigmoid")
        try check(Linear(7, 5, rng: &rng), fixture: "linear")
        try check(Softmax(logarithmic: false), fixture: "softmax")
        try check(Softmax(logarithmic: true), fixture: "log_softmax")
    }

    func testDropoutReplaysARecordedMask() throws {
        var rng = RandomGenerator(seed: 1)
        let fixture = try Fixture.load("dropout")
        let layer = Dropout(probability: 0.5, rng: &rng)
        layer.replayMask = fixture["mask"]!.values
        assertClose(try layer.forward(fixture["input"]!, mode: .training), fixture["output"]!, "dropout output")
        assertClose(layer.backward(fixture["grad_output"]!, needsInputGradient: true), fixture["grad_input"]!,
                    "dropout input gradient")
        XCTAssertNil(layer.replayMask, "a replayed mask is used once")
    }

    func testDropoutDropsAboutHalfInTrainingAndNothingInEvaluation() throws {
        var rng = RandomGenerator(seed: 5)
        let layer = Dropout(probability: 0.5, rng: &rng)
        let input = Tensor(shape: [10, 100], values: Array(repeating: 1, count: 1000))
        let dropped = try layer.forward(input, mode: .training).values.filter { $0 == 0 }.count
        XCTAssert((400...600).contains(dropped), "dropped \(dropped) of 1000")
        XCTAssertEqual(try layer.forward(input, mode: .evaluation).values, input.values)
    }

    func testLosses() throws {
        let nllFixture = try Fixture.load("nll_loss")
        let nll = NLLLoss()
        let loss = try nll(nllFixture["input"]!, targets: nllFixture["targets"]!.values.map { Int($0) })
        XCTAssertEqual(loss, nllFixture["loss"]![0], accuracy: 1e-5)
        assertClose(nll.gradient, nllFixture["grad_input"]!, "NLL gradient")

        let mseFixture = try Fixture.load("mse_loss")
        let mse = MSELoss()
        XCTAssertEqual(try mse(mseFixture["input"]!, mseFixture["target"]!), mseFixture["loss"]![0], accuracy: 1e-5)
        assertClose(mse.gradient, mseFixture["grad_input"]!, "MSE gradient")
    }

    func testPredictionEncodingMatchesTheAuthorsCode() throws {
        for keep in [1, 3, 8] {
            let fixture = try Fixture.load("encoding_k\(keep)")
            let layer = PredictionEncoding(classes: 8, keep: keep)
            assertClose(try layer.forward(fixture["input"]!, mode: .training), fixture["output"]!, "encoding k=\(keep)")
            assertClose(layer.backward(fixture["grad_output"]!, needsInputGradient: true), fixture["grad_input"]!,
                        "encoding k=\(keep) input gradient")
        }
    }

    /// PyTorch's Nesterov SGD by hand: buffer b₁ = g₁, step g₁ + μb₁; then b₂ = μb₁ + g₂, step g₂ + μb₂.
    func testNesterovMomentumByHand() {
        let parameter = Parameter(Tensor(shape: [2], values: [1, -1]))
        let optimiser = SGD(parameters: [parameter], learningRate: 0.1, momentum: 0.9, nesterov: true)
        parameter.gradient.copy(from: Tensor(shape: [2], values: [1, 2]))
        optimiser.step()
        XCTAssertEqual(parameter.value.values[0], 1 - 0.1 * 1.9, accuracy: 1e-6)
        XCTAssertEqual(parameter.value.values[1], -1 - 0.1 * 3.8, accuracy: 1e-6)
        parameter.gradient.copy(from: Tensor(shape: [2], values: [-1, 0]))
        optimiser.step()
        // b₂ = (0.9 − 1, 1.8) = (−0.1, 1.8); step (−1 − 0.09, 1.62).
        XCTAssertEqual(parameter.value.values[0], 0.81 + 0.109, accuracy: 1e-6)
        XCTAssertEqual(parameter.value.values[1], -1.38 - 0.162, accuracy: 1e-6)
    }

    func testOptimisersFollowPyTorch() throws {
        let cases: [(String, ([Parameter]) -> Optimizer)] = [
            ("adam_amsgrad", { Adam.paper($0) }),
            ("adam", { Adam(parameters: $0, learningRate: 1e-2) }),
            ("sgd_momentum", { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9) }),
        ]
        for (name, make) in cases {
            let fixture = try Fixture.load("optimiser_" + name)
            let parameter = Parameter(fixture["start"]!.clone())
            let optimiser = make([parameter])
            let gradients = fixture["gradients"]!
            for step in 0..<3 {
                for index in 0..<10 { parameter.gradient[index] = gradients[step * 10 + index] }
                optimiser.step()
            }
            assertClose(parameter.value, fixture["after"]!, relative: 1e-5, absolute: 1e-6, name)
        }
    }
}
