import Datasets
import Lab
import NeuralNet
import TensorFiles
import XCTest

/// Grading attacks: the evaluation classifier, attack accuracy, KNN distance, the baselines, and the inversion
/// epoch chosen without looking at victims.
final class EvaluationTests: XCTestCase {
    /// Tiny settings whose evaluator trains in seconds: 6 people, 10 photos each.
    private func labWithEvaluator() throws -> Experiment {
        var config = tinyConfig()
        config.width = 8
        config.epochsClassifier = 10
        let lab = try Experiment(config, evaluator: .trainNew)
        _ = try lab.evaluator()
        return lab
    }

    func testTheEvaluatorIsDeeperThanTheTargetAndJudgesWithItsEmbedding() throws {
        var rng = RandomGenerator(seed: 1)
        let convolutions = { (network: Sequential) in
            network.stateEntries.filter { entry in
                if case .floats(let tensor) = entry.value { tensor.shape.count == 4 } else { false }
            }.count
        }
        let target = PaperModels.classifier(imageSize: 64, classes: 20, width: 8, rng: &rng)
        let judge = EvaluationNetwork.make(imageSize: 64, classes: 20, width: 8, rng: &rng)
        XCTAssertEqual(convolutions(target), 4)
        XCTAssertEqual(convolutions(judge), 8, "two convolutions per stage")
        let evaluator = EvaluationClassifier(imageSize: 32, classes: 7, width: 4, seed: 3)
        let judgement = try evaluator.judge(Tensor(shape: [3, 1, 32, 32], values: (0..<3072).map { Float($0 % 31) / 30 }))
        XCTAssertEqual(judgement.rankings.count, 3)
        XCTAssert(judgement.rankings.allSatisfy { Set($0).count == 5 && $0.allSatisfy((0..<7).contains) })
        XCTAssert(judgement.embeddings.allSatisfy { $0.count == EvaluationNetwork.embeddingLength })
    }

    func testTheEvaluatorNamesHeldOutPeopleAtLeastAsWellAsTheTarget() throws {
        let lab = try labWithEvaluator()
        try lab.trainClassifier()
        let evaluator = try lab.evaluator()
        let (train, heldOut) = lab.evaluatorSplit()
        XCTAssertEqual(train.count + heldOut.count, lab.split.privateImages.count)
        XCTAssertEqual(heldOut.count, 6 * 2, "a fifth of each person's 10 photos")
        let accuracy = try XCTUnwrap(evaluator.heldOutAccuracy)
        XCTAssertGreaterThanOrEqual(accuracy, 0.75, "6 people, chance is 17%")
        XCTAssertGreaterThanOrEqual(accuracy, try lab.classifierAccuracy(on: lab.split.classifierTest) - 0.1)
    }

    func testGradesOfHandMadeReconstructions() throws {
        let lab = try labWithEvaluator()
        let test = lab.split.classifierTest
        let indices = Array(0..<test.count)
        let exact = try lab.grade(test.batch(indices), of: test, indices: indices)
        XCTAssertEqual(exact.pixels.mse, 0)
        XCTAssertEqual(exact.pixels.ssim, 1, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(exact.accuracyTop1), try lab.evaluator().accuracy(on: test), accuracy: 1e-12,
                       "the truths themselves score the evaluator's own accuracy")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(exact.accuracyTop5), try XCTUnwrap(exact.accuracyTop1))
        XCTAssertEqual(exact.named?.count, test.count)

        // Every image shifted down by 3 rows: pixels far worse, the person mostly still there.
        let shifted = test.batch(indices)
        let side = test.width
        for image in indices {
            for y in stride(from: side - 1, through: 0, by: -1) {
                for x in 0..<side { shifted[(image * side + y) * side + x] = shifted[(image * side + max(y - 3, 0)) * side + x] }
            }
        }
        let moved = try lab.grade(shifted, of: test, indices: indices)
        XCTAssertGreaterThan(moved.pixels.mse, 0.001)
        XCTAssertLessThan(moved.pixels.ssim, 0.95)
        XCTAssertGreaterThan(try XCTUnwrap(moved.knnDistance), 0)

        // A private training image is its own nearest neighbour: distance 0.
        let train = lab.split.classifierTrain
        let own = try lab.grade(train.batch([0, 1]), of: train, indices: [0, 1])
        XCTAssertEqual(try XCTUnwrap(own.knnDistance), 0, accuracy: 1e-9)
    }

    func testAnEvaluatorFileThatDeclaresAHugeNetworkIsRefusedBeforeItIsBuilt() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("huge-evaluator-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        // 36 KB that name width 1024: the network would take gigabytes.
        var rng = RandomGenerator(seed: 4)
        let decoy = Sequential(named: [
            ("features", Sequential(named: [("encoder", Sequential([Conv2d(1, 1024, kernel: 3, stride: 1, padding: 1, rng: &rng)]))])),
            ("head", Sequential([Dropout(probability: 0.5, rng: &rng), Linear(256, 2, rng: &rng)])),
        ])
        try decoy.saveState(to: file)
        XCTAssertThrowsError(try EvaluationClassifier(file: file, imageSize: 64)) {
            XCTAssert("\($0)".contains("an evaluator of width 1024 for 2 classes at 64 px needs at least"), "\($0)")
        }
    }

    func testKNNDistanceIsTheSquaredDistanceToTheNearestImageOfTheSamePerson() throws {
        let reference = try IdentityEmbeddings(embeddings: [[0, 0], [3, 4], [1, 1]], labels: [0, 0, 1], classes: 2)
        XCTAssertEqual(reference.nearestDistance([3, 3], label: 0), 1)
        XCTAssertEqual(reference.nearestDistance([3, 3], label: 1), 8)
        XCTAssertThrowsError(try IdentityEmbeddings(embeddings: [[0]], labels: [2], classes: 2))
    }

    func testBaselinesOfferWhatTheAuxiliarySetHolds() throws {
        let lab = try Experiment(tinyConfig())
        try lab.trainClassifier()
        let auxiliary = try lab.auxiliarySet(.kind(.generic))
        let some = Array(0..<6)
        // Victims that are auxiliary images themselves: the nearest released vector is their own.
        let nearest = try lab.baselineImages(.nearest, victims: auxiliary, indices: some, policy: .full, auxiliary: .kind(.generic))
        XCTAssertEqual(reconstructionError(nearest, auxiliary, some), 0)
        let mean = try lab.baselineImages(.mean, victims: auxiliary, indices: some, policy: .full, auxiliary: .kind(.generic))
        let all = auxiliary.batch(Array(0..<auxiliary.count))
        let pixels = auxiliary.pixelsPerImage
        let firstPixelMean = (0..<auxiliary.count).map { all[$0 * pixels] }.reduce(0, +) / Float(auxiliary.count)
        XCTAssertEqual(mean[0], firstPixelMean, accuracy: 1e-5)
        XCTAssertEqual(mean[pixels], firstPixelMean, accuracy: 1e-5, "the same image for every victim")
        let random = try lab.baselineImages(.random, victims: auxiliary, indices: some, policy: .full, auxiliary: .kind(.generic))
        for row in some {
            let image = Array(random.sample(row))
            XCTAssert((0..<auxiliary.count).contains { Array(all.sample($0)) == image }, "row \(row) is an auxiliary image")
        }
    }

    func testTheInversionModelKeepsTheEpochWithTheLowestHeldOutAuxiliaryError() throws {
        var config = tinyConfig()
        config.epochsInversion = 5
        let lab = try Experiment(config)
        try lab.trainClassifier()
        let attack = try lab.inversion(auxiliary: .kind(.generic), trainingPolicy: .full)
        let epochs = attack.history.compactMap { event -> (epoch: Int, heldOut: Double, train: Double, test: Double)? in
            if case let .inversionEpoch(epoch, _, heldOut, train, test) = event { (epoch, heldOut, train, test) } else { nil }
        }
        XCTAssertEqual(epochs.count, 5)
        let best = try XCTUnwrap(epochs.min { $0.heldOut < $1.heldOut })
        XCTAssertEqual(attack.chosenEpoch, best.epoch)
        // The weights are that epoch's: the victims' errors measured now are the ones recorded then.
        let now = try lab.victimErrors(of: attack, policy: .full)
        XCTAssertEqual(now.train, best.train, accuracy: 1e-9)
        XCTAssertEqual(now.test, best.test, accuracy: 1e-9)
    }
}
