import NeuralNet
import TensorFiles
import XCTest

/// One full training step (forward, loss, backward, the paper's Adam) of each architecture against PyTorch.
final class ModelStepTests: XCTestCase {
    /// Compares gradients and the state after the step. A convolution bias just before BatchNorm has an exact
    /// gradient of zero, so both sides hold rounding noise there: gradients are compared to within a floor scaled by
    /// the largest gradient in the model, and weights only where PyTorch's gradient is above that noise, since
    /// Adam's first step moves a weight by about lr · g/|g| whatever the size of g.
    private func compareAfterStep(_ model: Sequential, _ fixture: [String: Tensor]) {
        let gradientScale = fixture.filter { $0.key.hasPrefix("grad.") }.values
            .map { $0.values.map(abs).max() ?? 0 }.max() ?? 0
        let noise = 1e-4 * gradientScale
        for (name, parameter) in model.namedParameters {
            assertClose(parameter.gradient, fixture["grad." + name]!, relative: 2e-3, absolute: 2e-4, floor: noise,
                        "gradient of \(name)")
        }
        for entry in model.stateEntries {
            guard case .floats(let tensor) = entry.value else { continue }
            let expected = fixture["after." + entry.name]!
            let expectedGradient = fixture["grad." + entry.name]
            let significant = (0..<expected.count).filter { index in
                expectedGradient.map { abs($0[index]) > 10 * noise } ?? true
            }
            XCTAssertEqual(tensor.shape, expected.shape, entry.name)
            let worst = significant.map { abs(tensor[$0] - expected[$0]) }.max() ?? 0
            XCTAssertLessThan(worst, 2e-5, "\(entry.name) after the step differs by \(worst)")
        }
    }

    /// The model's float state names must be exactly the PyTorch state_dict's, and its counters BatchNorm's.
    private func assertStateNamesMatch(_ model: Sequential, _ fixture: [String: Tensor]) {
        let floats = model.stateEntries.compactMap { entry -> String? in
            if case .floats = entry.value { return entry.name }
            return nil
        }
        let expected = fixture.keys.filter { $0.hasPrefix("init.") }.map { String($0.dropFirst(5)) }
        XCTAssertEqual(Set(floats), Set(expected))
        let counters = model.stateEntries.filter { if case .counter = $0.value { true } else { false } }.map(\.name)
        XCTAssertEqual(Set(counters), Set(expected.filter { $0.hasSuffix(".running_mean") }
            .map { $0.replacingOccurrences(of: "running_mean", with: "num_batches_tracked") }))
    }

    func testClassifierStep() throws {
        for size in [32, 64] {
            let fixture = try Fixture.load("classifier_step_\(size)")
            var rng = RandomGenerator(seed: 7)
            let model = PaperModels.classifier(imageSize: size, classes: 5, width: 4, rng: &rng)
            assertStateNamesMatch(model, fixture)
            try loadState(model, from: fixture, prefix: "init.")
            let dropout = try XCTUnwrap(model.allLayers.compactMap { $0 as? Dropout }.first)
            dropout.replayMask = fixture["dropout_mask"]!.values
            let optimiser = Adam.paper(model.parameters)
            let logSoftmax = Softmax(logarithmic: true)
            let nll = NLLLoss()
            let logits = try model.forward(fixture["input"]!, mode: .training)
            let loss = try nll(try logSoftmax.forward(logits, mode: .training),
                               targets: fixture["labels"]!.values.map { Int($0) })
            XCTAssertEqual(loss, fixture["loss"]![0], accuracy: 1e-4, "classifier \(size) loss")
            optimiser.zeroGradients()
            _ = model.backward(logSoftmax.backward(nll.gradient, needsInputGradient: true), needsInputGradient: false)
            optimiser.step()
            compareAfterStep(model, fixture)
        }
    }

    func testInversionStep() throws {
        for size in [32, 64] {
            let fixture = try Fixture.load("inversion_step_\(size)")
            var rng = RandomGenerator(seed: 8)
            let model = PaperModels.inversion(imageSize: size, classes: 5, width: 4, rng: &rng)
            assertStateNamesMatch(model, fixture)
            try loadState(model, from: fixture, prefix: "init.")
            let encoding = PredictionEncoding(classes: 5, keep: 3)
            let optimiser = Adam.paper(model.parameters)
            let mse = MSELoss()
            let images = try model.forward(try encoding.forward(fixture["input"]!, mode: .training), mode: .training)
            XCTAssertEqual(images.shape, [6, 1, size, size])
            let loss = try mse(images, fixture["targets"]!)
            XCTAssertEqual(loss, fixture["loss"]![0], accuracy: 1e-5, "inversion \(size) loss")
            optimiser.zeroGradients()
            _ = model.backward(mse.gradient, needsInputGradient: false)
            optimiser.step()
            compareAfterStep(model, fixture)
        }
    }

    func testSameSeedGivesTheSameNumbers() throws {
        func trainTwoSteps(seed: UInt64) throws -> [Float] {
            var rng = RandomGenerator(seed: seed)
            let model = PaperModels.classifier(imageSize: 32, classes: 3, width: 2, rng: &rng)
            let optimiser = Adam.paper(model.parameters)
            let logSoftmax = Softmax(logarithmic: true)
            let nll = NLLLoss()
            let images = randomTensor([4, 1, 32, 32], seed: seed)
            for _ in 0..<2 {
                optimiser.zeroGradients()
                _ = try nll(try logSoftmax.forward(try model.forward(images, mode: .training), mode: .training),
                            targets: [0, 1, 2, 1])
                _ = model.backward(logSoftmax.backward(nll.gradient, needsInputGradient: true), needsInputGradient: false)
                optimiser.step()
            }
            return model.parameters.flatMap(\.value.values)
        }
        XCTAssertEqual(try trainTwoSteps(seed: 3), try trainTwoSteps(seed: 3))
        XCTAssertNotEqual(try trainTwoSteps(seed: 3), try trainTwoSteps(seed: 4))
    }

    func testInferenceFusingNormalizationPoolingAndReLUGivesTheSameOutput() throws {
        var rng = RandomGenerator(seed: 5)
        let model = PaperModels.classifier(imageSize: 32, classes: 3, width: 4, rng: &rng)
        // Running statistics and affine parameters away from their initial identity, so the fold has work to do.
        for case let normalization as BatchNorm2d in model.allLayers {
            for channel in 0..<normalization.channels {
                normalization.runningMean[channel] = 0.2 * Float(channel % 3) - 0.1
                normalization.runningVariance[channel] = 0.5 + 0.25 * Float(channel % 4)
                normalization.weight.value[channel] = 1.5 - 0.2 * Float(channel % 5)
                normalization.bias.value[channel] = 0.1 * Float(channel % 2)
            }
        }
        let images = randomTensor([3, 1, 32, 32], seed: 6)
        let expected = try model.forward(images, mode: .evaluation).clone()
        assertClose(try model.infer(images), expected, relative: 1e-4, absolute: 1e-5, "fused inference")
    }

    func testWrongInputShapeNamesTheLayer() throws {
        var rng = RandomGenerator(seed: 1)
        let model = PaperModels.classifier(imageSize: 32, classes: 3, width: 2, rng: &rng)
        XCTAssertThrowsError(try model.forward(Tensor(zeros: [2, 3, 32, 32]), mode: .training)) { error in
            XCTAssert("\(error)".contains("Conv2d(1→2"), "\(error)")
        }
    }
}
