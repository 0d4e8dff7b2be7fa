import NeuralNet
import XCTest

/// Finite-difference checks of every layer's gradients, for the input and every parameter.
final class GradientCheckTests: XCTestCase {
    func testConv2d() throws {
        var rng = RandomGenerator(seed: 2)
        try checkGradients(of: Conv2d(2, 3, kernel: 3, stride: 1, padding: 1, rng: &rng), input: randomTensor([2, 2, 5, 4], seed: 1))
        try checkGradients(of: Conv2d(2, 3, kernel: 3, stride: 2, padding: 1, rng: &rng), input: randomTensor([2, 2, 5, 5], seed: 2))
        try checkGradients(of: Conv2d(1, 2, kernel: 4, stride: 2, padding: 0, rng: &rng), input: randomTensor([1, 1, 6, 6], seed: 3))
        // One input channel at 3x3, stride 1, padding 1 takes the direct path: rows narrower than a vector, and rows
        // of one vector and a remainder.
        try checkGradients(of: Conv2d(1, 3, kernel: 3, stride: 1, padding: 1, rng: &rng), input: randomTensor([2, 1, 5, 6], seed: 21))
        try checkGradients(of: Conv2d(1, 3, kernel: 3, stride: 1, padding: 1, rng: &rng), input: randomTensor([2, 1, 4, 11], seed: 22))
        // One input channel with padding 0 takes im2col.
        try checkGradients(of: Conv2d(1, 2, kernel: 3, stride: 1, padding: 0, rng: &rng), input: randomTensor([2, 1, 5, 6], seed: 23))
    }

    func testWinogradConvolutionOnTileGroupsAndRaggedEdges() throws {
        // 9 x 19 outputs: 3 x 5 tiles of 4x4 (a group of eight tiles and a partial group of seven), ragged at the
        // bottom and right; then 10 x 16 outputs without padding: 12 tiles, ragged at the bottom.
        var rng = RandomGenerator(seed: 22)
        try checkGradients(of: Conv2d(3, 4, kernel: 3, stride: 1, padding: 1, rng: &rng),
                           input: randomTensor([2, 3, 9, 19], seed: 23), samples: 40)
        try checkGradients(of: Conv2d(2, 2, kernel: 3, stride: 1, padding: 0, rng: &rng),
                           input: randomTensor([1, 2, 12, 18], seed: 24), samples: 40)
    }

    func testConvTranspose2d() throws {
        var rng = RandomGenerator(seed: 3)
        try checkGradients(of: ConvTranspose2d(4, 3, kernel: 4, stride: 1, padding: 0, rng: &rng), input: randomTensor([3, 4, 1, 1], seed: 4))
        try checkGradients(of: ConvTranspose2d(3, 2, kernel: 4, stride: 2, padding: 1, rng: &rng), input: randomTensor([2, 3, 3, 3], seed: 5))
        try checkGradients(of: ConvTranspose2d(2, 2, kernel: 3, stride: 2, padding: 0, rng: &rng), input: randomTensor([1, 2, 2, 3], seed: 6))
    }

    func testSingleOutputTransposedConvolution() throws {
        // One output channel at 4x4, stride 2, padding 1 takes the direct path: inputs narrower than a vector, and
        // one vector and a remainder wide.
        var rng = RandomGenerator(seed: 28)
        try checkGradients(of: ConvTranspose2d(3, 1, kernel: 4, stride: 2, padding: 1, rng: &rng),
                           input: randomTensor([2, 3, 3, 5], seed: 29), samples: 40)
        try checkGradients(of: ConvTranspose2d(2, 1, kernel: 4, stride: 2, padding: 1, rng: &rng),
                           input: randomTensor([2, 2, 4, 11], seed: 30), samples: 40)
    }

    func testWinogradUpsampling() throws {
        // 16 or more channels in and 64 or more out take minimal filtering both ways. 9 x 10 inputs give 3 x 3 tiles,
        // ragged at the bottom and right: with two images 18 tiles, two full groups of eight and a partial one; 4 x 4
        // inputs (the models' first upsampling layer) one tile an image.
        var rng = RandomGenerator(seed: 25)
        try checkGradients(of: ConvTranspose2d(16, 64, kernel: 4, stride: 2, padding: 1, rng: &rng),
                           input: randomTensor([2, 16, 9, 10], seed: 26), samples: 40)
        try checkGradients(of: ConvTranspose2d(64, 64, kernel: 4, stride: 2, padding: 1, rng: &rng),
                           input: randomTensor([1, 64, 9, 10], seed: 27), samples: 40)
        try checkGradients(of: ConvTranspose2d(16, 64, kernel: 4, stride: 2, padding: 1, rng: &rng),
                           input: randomTensor([3, 16, 4, 4], seed: 31), samples: 40)
    }

    func testBatchNorm2dInBothModes() throws {
        let layer = BatchNorm2d(3)
        for channel in 0..<3 {
            layer.weight.value[channel] = 0.5 + Float(channel)
            layer.bias.value[channel] = Float(channel) - 1
            layer.runningMean[channel] = 0.3 * Float(channel)
            layer.runningVariance[channel] = 0.5 + Float(channel)
        }
        try checkGradients(of: layer, input: randomTensor([3, 3, 2, 3], seed: 7), mode: .training)
        try checkGradients(of: layer, input: randomTensor([3, 3, 2, 3], seed: 8), mode: .evaluation)
    }

    func testGroupNorm2d() throws {
        let layer = GroupNorm2d(groups: 2, channels: 4)
        for channel in 0..<4 {
            layer.weight.value[channel] = 0.5 + Float(channel)
            layer.bias.value[channel] = Float(channel) - 1
        }
        try checkGradients(of: layer, input: randomTensor([3, 4, 2, 3], seed: 71), mode: .training)
        XCTAssertEqual(GroupNorm2d.groupsReplacingBatchNorm(channels: 128), 32)
        XCTAssertEqual(GroupNorm2d.groupsReplacingBatchNorm(channels: 40), 20)
        XCTAssertEqual(GroupNorm2d.groupsReplacingBatchNorm(channels: 6), 6)
    }

    /// The output path with the information weight at zero (the same ε in every forward), then the information
    /// term's own gradient against central differences of the loss it reports.
    func testVariationalBottleneck() throws {
        var rng = RandomGenerator(seed: 72)
        let sampling = VariationalBottleneck(dimension: 3, weight: 0, rng: &rng)
        let input = randomTensor([2, 6], seed: 73, scale: 2)
        try checkGradients(of: sampling, input: input, mode: .training, step: 1e-2, beforeForward: { sampling.reseed(4) })
        try checkGradients(of: sampling, input: input, mode: .evaluation)

        let weighted = VariationalBottleneck(dimension: 3, weight: 0.5, rng: &rng)
        weighted.reseed(5)
        _ = try weighted.forward(input, mode: .training)
        let analytic = weighted.backward(Tensor(zeros: [2, 3]), needsInputGradient: true).clone()
        for index in 0..<input.count {
            let original = input[index]
            input[index] = original + 1e-2
            _ = try weighted.forward(input, mode: .training)
            let above = weighted.lastInformationLoss
            input[index] = original - 1e-2
            _ = try weighted.forward(input, mode: .training)
            let below = weighted.lastInformationLoss
            input[index] = original
            XCTAssertEqual((above - below) / 2e-2, analytic[index], accuracy: 1e-3 * max(1, abs(analytic[index])), "element \(index)")
        }
    }

    /// KL(N(1, 1) ‖ N(0, 1)) + KL(N(0, 0.25) ‖ N(0, 1)) = 0.5 + 0.318147 nats = 1.180337 bits, the raw deviations
    /// chosen so that softplus(ρ − 5) gives s = 1 and 0.5.
    func testBottleneckInformationAgainstHandComputedValue() throws {
        var rng = RandomGenerator(seed: 74)
        let layer = VariationalBottleneck(dimension: 2, weight: 1, rng: &rng)
        let input = Tensor(shape: [1, 4], values: [1, 0, 5.541324854612918, 4.567247870432811])
        _ = try layer.forward(input, mode: .training)
        XCTAssertEqual(layer.lastInformationLoss, 1.1803369, accuracy: 1e-5)
        XCTAssertEqual(try layer.forward(input, mode: .evaluation).values, [1, 0])
        XCTAssertEqual(layer.lastInformationLoss, 0)
    }

    func testMaxPool2dAwayFromTies() throws {
        // Distinct values far apart compared with the step, so no perturbation changes which value wins.
        var rng = RandomGenerator(seed: 9)
        let values = (0..<96).map { Float($0) * 0.1 }.shuffled(using: &rng)
        try checkGradients(of: MaxPool2d(kernel: 2, stride: 2), input: Tensor(shape: [2, 3, 4, 4], values: values), step: 1e-3)
    }

    func testActivations() throws {
        // ReLU is checked away from its kink at zero.
        let awayFromZero = randomTensor([2, 3, 3, 3], seed: 10).values.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        try checkGradients(of: Activation(.relu), input: Tensor(shape: [2, 3, 3, 3], values: awayFromZero))
        try checkGradients(of: Activation(.tanh), input: randomTensor([2, 3, 3, 3], seed: 11))
        try checkGradients(of: Activation(.sigmoid), input: randomTensor([2, 3, 3, 3], seed: 12))
    }

    func testLinearDropoutAndReshape() throws {
        var rng = RandomGenerator(seed: 4)
        try checkGradients(of: Linear(6, 4, rng: &rng), input: randomTensor([3, 6], seed: 13))
        let dropout = Dropout(probability: 0.5, rng: &rng)
        let mask = (0..<18).map { Float($0 % 3 == 0 ? 0 : 1) }
        try checkGradients(of: dropout, input: randomTensor([3, 6], seed: 14), beforeForward: { dropout.replayMask = mask })
        try checkGradients(of: Reshape(sampleShape: [6, 1, 1]), input: randomTensor([3, 6], seed: 15))
    }

    /// White-box attacks descend on the image through the whole trained network in evaluation mode. (Each layer's
    /// parameter gradients are checked above; through a whole random network a bias moves many ReLU and max-pool
    /// kinks at once, which finite differences cannot follow.)
    func testWholeNetworksInputGradientsInEvaluation() throws {
        var rng = RandomGenerator(seed: 12)
        let target = PaperModels.classifier(imageSize: 32, classes: 3, width: 2, rng: &rng)
        try checkGradients(of: target, input: randomTensor([2, 1, 32, 32], seed: 13), mode: .evaluation, step: 1e-3, samples: 16,
                           parameters: false)
        let evaluator = EvaluationNetwork.make(imageSize: 32, classes: 3, width: 2, rng: &rng)
        try checkGradients(of: evaluator, input: randomTensor([2, 1, 32, 32], seed: 14), mode: .evaluation, step: 1e-3, samples: 16,
                           parameters: false)
    }

    func testSoftmaxAndLogSoftmax() throws {
        try checkGradients(of: Softmax(logarithmic: false), input: randomTensor([3, 5], seed: 16))
        try checkGradients(of: Softmax(logarithmic: true), input: randomTensor([3, 5], seed: 17))
    }

    func testPredictionEncodingWithShift() throws {
        // With a small offset c the shift acts on ordinary probabilities; they are spread far apart so that no
        // perturbation changes the top-k set. (The clamp at -1000 is met only by exact zeros: see the golden test.)
        let rows: [[Float]] = [[0.6, 0.25, 0.1, 0.04, 0.01], [0.05, 0.5, 0.3, 0.12, 0.03]]
        for keep in [1, 3, 5] {
            try checkGradients(of: PredictionEncoding(classes: 5, keep: keep, offset: 2),
                               input: Tensor(shape: [2, 5], values: rows.flatMap { $0 }), step: 1e-4, tolerance: 5e-2)
        }
    }

    func testLosses() throws {
        let logProbabilities = randomTensor([4, 5], seed: 18)
        let targets = [0, 4, 2, 2]
        let nll = NLLLoss()
        _ = try nll(logProbabilities, targets: targets)
        let nllGradient = nll.gradient.clone()
        try checkScalarGradient(at: logProbabilities, analytic: nllGradient) { try nll(logProbabilities, targets: targets) }
        for alpha: Float in [0.1, -0.05] {
            let smoothed = NLLLoss(labelSmoothing: alpha)
            _ = try smoothed(logProbabilities, targets: targets)
            let smoothedGradient = smoothed.gradient.clone()
            try checkScalarGradient(at: logProbabilities, analytic: smoothedGradient) {
                try smoothed(logProbabilities, targets: targets)
            }
        }

        let critic = BinaryCrossEntropyWithLogits()
        let logits = randomTensor([4, 1], seed: 21, scale: 3)
        for target: Float in [0, 1] {
            _ = critic(logits, target: target)
            let criticGradient = critic.gradient.clone()
            try checkScalarGradient(at: logits, analytic: criticGradient) { critic(logits, target: target) }
        }
        // PyTorch's binary_cross_entropy_with_logits of (−2, 0.5, 3): 0.883197 against 1, 1.383197 against 0.
        let three = Tensor(shape: [3, 1], values: [-2, 0.5, 3])
        XCTAssertEqual(critic(three, target: 1), 0.883197, accuracy: 1e-5)
        XCTAssertEqual(critic(three, target: 0), 1.383197, accuracy: 1e-5)

        let distillation = DistillationLoss()
        let studentLogits = randomTensor([3, 4], seed: 22, scale: 2)
        let teacher = Tensor(shape: [3, 4], values: [0.1, 0.2, 0.3, 0.4, 0, 0.5, 0.5, 0, 0.25, 0.25, 0.25, 0.25])
        _ = try distillation(studentLogits, teacher: teacher)
        let distillationGradient = distillation.gradient.clone()
        try checkScalarGradient(at: studentLogits, analytic: distillationGradient) { try distillation(studentLogits, teacher: teacher) }
        // PyTorch's kl_div(log_softmax(s), p, reduction="sum") / 2 for these two rows (a zero probability included).
        let twoRows = Tensor(shape: [2, 3], values: [1, 2, 0, 0.5, -1, 2])
        let twoTeachers = Tensor(shape: [2, 3], values: [0.2, 0.7, 0.1, 0, 0.4, 0.6])
        XCTAssertEqual(try distillation(twoRows, teacher: twoTeachers), 0.387044, accuracy: 1e-5)
        XCTAssertEqual(try distillation(twoRows, teacher: Tensor(shape: [2, 3], values: try Softmax(logarithmic: false).forward(twoRows, mode: .evaluation).values)), 0, accuracy: 1e-6,
                       "a student that matches its teacher has nothing to learn")

        let prediction = randomTensor([2, 3, 2], seed: 19)
        let target = randomTensor([2, 3, 2], seed: 20)
        let mse = MSELoss()
        _ = try mse(prediction, target)
        let mseGradient = mse.gradient.clone()
        try checkScalarGradient(at: prediction, analytic: mseGradient) { try mse(prediction, target) }
    }

    /// Label-smoothed cross-entropy by hand: -Σ_k ((1 − α)·[k = y] + α/K) log p_k, averaged over the rows (for
    /// α = 0.1 PyTorch's `cross_entropy(label_smoothing=0.1)` gives the same 0.601327).
    func testLabelSmoothingAgainstHandComputedValues() throws {
        let probabilities: [Float] = [0.7, 0.2, 0.1, 0.25, 0.25, 0.5]
        let logProbabilities = Tensor(shape: [2, 3], values: probabilities.map { Float(log(Double($0))) })
        XCTAssertEqual(try NLLLoss(labelSmoothing: 0.1)(logProbabilities, targets: [0, 2]), 0.601327, accuracy: 1e-5)
        XCTAssertEqual(try NLLLoss(labelSmoothing: -0.05)(logProbabilities, targets: [0, 2]), 0.486703, accuracy: 1e-5)
        XCTAssertEqual(try NLLLoss()(logProbabilities, targets: [0, 2]), Float(-(log(0.7) + log(0.5)) / 2), accuracy: 1e-6)
    }

    /// KEDMI's semi-supervised GAN losses (`SemiSupervisedGANLoss`) against central differences, and their values for
    /// fixed inputs against the formulas computed by hand in double precision: softplus(∓logsumexp) averaged,
    /// cross-entropy to soft labels, and the mean absolute gap between feature means.
    func testSemiSupervisedGANLosses() throws {
        let mean = { (values: [Float]) in values.reduce(0, +) / Float(values.count) }
        let logits = randomTensor([3, 4], seed: 23, scale: 2)
        for real in [true, false] {
            let gradient = SemiSupervisedGANLoss.realness(logits, real: real, weight: 1.5).gradient
            try checkScalarGradient(at: logits, analytic: gradient) { 1.5 * mean(SemiSupervisedGANLoss.realness(logits, real: real).losses) }
        }
        let soft = Tensor(shape: [3, 4], values: [0.1, 0.2, 0.3, 0.4, 0, 0.5, 0.5, 0, 0.25, 0.25, 0.25, 0.25])
        let softGradient = SemiSupervisedGANLoss.softCrossEntropy(logits, targets: soft).gradient
        try checkScalarGradient(at: logits, analytic: softGradient) { SemiSupervisedGANLoss.softCrossEntropy(logits, targets: soft).loss }
        let fake = randomTensor([2, 5], seed: 24), realFeatures = randomTensor([3, 5], seed: 25)
        let matchingGradient = SemiSupervisedGANLoss.featureMatching(fake: fake, real: realFeatures).gradient
        try checkScalarGradient(at: fake, analytic: matchingGradient) { SemiSupervisedGANLoss.featureMatching(fake: fake, real: realFeatures).loss }

        let two = Tensor(shape: [2, 3], values: [1, 2, 0, 0.5, -1, 2])
        XCTAssertEqual(mean(SemiSupervisedGANLoss.realness(two, real: true).losses), 0.093622, accuracy: 1e-5)
        XCTAssertEqual(mean(SemiSupervisedGANLoss.realness(two, real: false).losses), 2.418081, accuracy: 1e-5)
        let labels = Tensor(shape: [2, 3], values: [0.2, 0.7, 0.1, 0, 0.4, 0.6])
        XCTAssertEqual(SemiSupervisedGANLoss.softCrossEntropy(two, targets: labels).loss, 1.124459, accuracy: 1e-5)
        let features = Tensor(shape: [2, 3], values: [1, 2, 3, 0, -1, 4])
        let reals = Tensor(shape: [3, 3], values: [0.5, 0.5, 0.5, 1, 1, 1, 0, 0, 3])
        XCTAssertEqual(SemiSupervisedGANLoss.featureMatching(fake: features, real: reals).loss, 2 / 3, accuracy: 1e-6)
    }

    /// Central differences of a scalar loss against its analytic gradient at every element of `point`.
    private func checkScalarGradient(at point: Tensor, analytic: Tensor, loss: () throws -> Float) throws {
        let step: Float = 1e-2
        for index in 0..<point.count {
            let original = point[index]
            point[index] = original + step
            let above = try loss()
            point[index] = original - step
            let below = try loss()
            point[index] = original
            XCTAssertEqual((above - below) / (2 * step), analytic[index], accuracy: 1e-3, "element \(index)")
        }
    }
}
