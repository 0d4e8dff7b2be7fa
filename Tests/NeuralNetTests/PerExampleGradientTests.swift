import NeuralNet
import XCTest

/// DP-SGD's per-example gradients: the norms from one batched pass against the gradients of batches of one, and the
/// clipped, summed update against the same sum built from those gradients.
final class PerExampleGradientTests: XCTestCase {
    /// Both convolution engines the classifier uses (the im2col path for one input channel is the direct kernel's
    /// reference, Winograd from two), group normalisation, pooling and two linear layers.
    private func tinyModel() -> Sequential {
        var rng = RandomGenerator(seed: 5)
        return Sequential(named: [
            ("encoder", Sequential([Conv2d(1, 4, kernel: 3, stride: 1, padding: 1, rng: &rng),
                                    GroupNorm2d(groups: 2, channels: 4), MaxPool2d(kernel: 2, stride: 2),
                                    Activation(.relu),
                                    Conv2d(4, 6, kernel: 3, stride: 1, padding: 1, rng: &rng),
                                    GroupNorm2d(groups: 3, channels: 6), Activation(.relu)])),
            ("flatten", Reshape(sampleShape: [6 * 4 * 4])),
            ("fc", Sequential([Linear(96, 10, rng: &rng), Activation(.relu), Linear(10, 3, rng: &rng)])),
        ])
    }

    /// Each example's parameter gradient, from a forward and backward of that example alone under the same loss.
    private func singleGradients(_ model: Sequential, images: Tensor, labels: [Int]) throws -> [[Float]] {
        let logSoftmax = Softmax(logarithmic: true)
        let loss = NLLLoss()
        let size = images.count / labels.count
        return try labels.enumerated().map { index, label in
            let image = Tensor(shape: [1] + images.shape.dropFirst(),
                               values: Array(images.values[index * size..<(index + 1) * size]))
            model.zeroGradients()
            _ = try loss(try logSoftmax.forward(try model.forward(image, mode: .training), mode: .training), targets: [label])
            _ = model.backward(logSoftmax.backward(loss.gradient, needsInputGradient: true), needsInputGradient: false)
            return model.parameters.flatMap(\.gradient.values)
        }
    }

    func testBatchedNormsMatchBatchesOfOne() throws {
        let model = tinyModel()
        let images = randomTensor([4, 1, 8, 8], seed: 11)
        let labels = [0, 2, 1, 2]
        let expected = try singleGradients(model, images: images, labels: labels)
            .map { gradient in gradient.reduce(0.0) { $0 + Double($1 * $1) } }

        let logSoftmax = Softmax(logarithmic: true)
        let loss = NLLLoss()
        _ = try loss(try logSoftmax.forward(try model.forward(images, mode: .training), mode: .training), targets: labels)
        for index in 0..<loss.gradient.count { loss.gradient[index] *= Float(labels.count) }
        var norms = Array(repeating: 0.0, count: labels.count)
        _ = try model.backwardAddingPerExampleSquaredNorms(logSoftmax.backward(loss.gradient, needsInputGradient: true),
                                                           into: &norms, needsInputGradient: false)
        for (index, norm) in norms.enumerated() {
            XCTAssertEqual(norm, expected[index], accuracy: 1e-4 * expected[index], "example \(index)")
        }
    }

    /// An optimiser that keeps the gradients it is asked to apply.
    private final class RecordingOptimizer: Optimizer {
        let parameters: [Parameter]
        var applied: [Float] = []
        init(_ parameters: [Parameter]) { self.parameters = parameters }
        func step() { applied = parameters.flatMap(\.gradient.values) }
    }

    func testTheUpdateIsTheSumOfClippedGradientsOverTheExpectedBatch() throws {
        let model = tinyModel()
        let images = randomTensor([4, 1, 8, 8], seed: 12, scale: 3)
        let labels = [1, 0, 0, 2]
        let singles = try singleGradients(model, images: images, labels: labels)
        let norms = singles.map { gradient in Float(gradient.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()) }
        let clipNorm = norms.sorted()[1]  // some examples clipped, some not
        var expected = Array(repeating: Float(0), count: singles[0].count)
        for (gradient, norm) in zip(singles, norms) {
            let factor = min(1, clipNorm / norm)
            for index in expected.indices { expected[index] += factor * gradient[index] / 5 }
        }
        let optimizer = RecordingOptimizer(model.parameters)
        let step = try PrivateTrainingStep(model: model, optimizer: optimizer, clipNorm: clipNorm, noiseMultiplier: 0,
                                           expectedBatch: 5, seed: 1)
        XCTAssertNotNil(try step(images: images, labels: labels))
        XCTAssertEqual(step.lastClippedShare, 0.5)
        XCTAssertEqual(optimizer.applied.count, expected.count)
        let largest = expected.map(abs).max()!
        for (index, value) in optimizer.applied.enumerated() {
            XCTAssertEqual(value, expected[index], accuracy: 1e-4 * largest, "coordinate \(index)")
        }
    }

    /// With noise, an empty Poisson batch still moves the model by noise alone, of the stated deviation.
    func testAnEmptyBatchAppliesNoiseOfTheStatedDeviation() throws {
        let model = tinyModel()
        let optimizer = RecordingOptimizer(model.parameters)
        let step = try PrivateTrainingStep(model: model, optimizer: optimizer, clipNorm: 2, noiseMultiplier: 1.5,
                                           expectedBatch: 4, seed: 3)
        XCTAssertNil(try step(images: Tensor(zeros: [0, 1, 8, 8]), labels: []))
        let values = optimizer.applied
        let deviation = (values.reduce(0.0) { $0 + Double($1 * $1) } / Double(values.count)).squareRoot()
        XCTAssertEqual(deviation, 1.5 * 2 / 4, accuracy: 0.05)
    }

    func testBatchNormalisationIsRefused() {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([Conv2d(1, 2, kernel: 3, stride: 1, padding: 1, rng: &rng), BatchNorm2d(2)])
        XCTAssertThrowsError(try PrivateTrainingStep(model: model, optimizer: RecordingOptimizer(model.parameters),
                                                     clipNorm: 1, noiseMultiplier: 1, expectedBatch: 8, seed: 1)) { error in
            XCTAssert("\(error)".contains("BatchNorm2d(2) mixes the examples of a batch"), "\(error)")
        }
    }
}
