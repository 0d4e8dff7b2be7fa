import Foundation
import Lab
import NeuralNet
import TensorFiles
import XCTest

/// Training defences are parsed once at the edge and change how the target is trained.
final class TrainingDefenceTests: XCTestCase {
    func testEveryFormParsesAndWritesBackTheSameText() throws {
        let forms: [(String, TrainingDefence)] = [("none", .none), ("smooth:0.1", .labelSmoothing(0.1)),
                                                  ("smooth:-0.05", .labelSmoothing(-0.05)),
                                                  ("dp:8", .differentialPrivacy(epsilon: 8, clipNorm: 1)),
                                                  ("dp:0.5:2.5", .differentialPrivacy(epsilon: 0.5, clipNorm: 2.5)),
                                                  ("dp:inf", .differentialPrivacy(epsilon: .infinity, clipNorm: 1)),
                                                  ("mid:0.01", .informationBottleneck(0.01))]
        for (text, defence) in forms {
            XCTAssertEqual(try TrainingDefence(parsing: text, option: "--defence"), defence, text)
            XCTAssertEqual(try TrainingDefence(parsing: defence.text, option: "--defence"), defence, "\(defence) round trip")
        }
        for (text, fragment) in [("smooth:1", "smooth:A takes A from -1 to 0.99"), ("smooth", "not none, smooth:A"),
                                 ("dropout", "--defence 'dropout': not none"), ("dp:0", "dp:E takes an epsilon E > 0"),
                                 ("dp:-1", "dp:E takes an epsilon E > 0"), ("dp:8:0", "dp:E:C takes a finite clipping norm C > 0"),
                                 ("dp:nan", "dp:E takes an epsilon"), ("mid:-1", "mid:B takes a weight B from 0 to 10")] {
            XCTAssertThrowsError(try TrainingDefence(parsing: text, option: "--defence"), text) { error in
                XCTAssert("\(error)".contains(fragment), "\(error)")
            }
        }
    }

    /// Positive smoothing teaches the target to keep confidence off its top class, negative smoothing to pile it
    /// there: the same target trained both ways releases visibly different top confidences.
    func testSmoothingMovesTheTargetsTopConfidence() throws {
        func meanTopConfidence(_ defence: TrainingDefence) throws -> Float {
            var config = tinyConfig()
            config.width = 8
            config.epochsClassifier = 80
            config.batch = 16
            config.defence = defence
            let lab = try Experiment(config, observe: { _ in })
            try lab.trainClassifier()
            let test = lab.split.classifierTest
            let vectors = try SoftmaxPredictor(model: lab.classifier.model)(test.batch(Array(0..<test.count)))
            let classes = config.privateClasses
            return (0..<test.count).map { row in (0..<classes).map { vectors[row * classes + $0] }.max()! }
                .reduce(0, +) / Float(test.count)
        }
        let positive = try meanTopConfidence(.labelSmoothing(0.3))
        let negative = try meanTopConfidence(.labelSmoothing(-0.1))
        XCTAssertGreaterThan(negative, positive + 0.1, "top confidence \(negative) with α = -0.1, \(positive) with α = 0.3")
    }

    /// The plan samples at batch / images, counts the steps of every epoch and asks the accountant for the noise
    /// that spends exactly the target ε; at ε = ∞ only clipping applies.
    func testThePrivatePlanSpendsTheTargetEpsilon() throws {
        let plan = try PrivateTrainingPlan(epsilon: 2, clipNorm: 1, trainingImages: 960, batch: 128, epochs: 10)
        XCTAssertEqual(plan.sampleRate, 128.0 / 960, accuracy: 1e-12)
        XCTAssertEqual(plan.stepsPerEpoch, 8)
        XCTAssertEqual(plan.steps, 80)
        let budget = try XCTUnwrap(plan.budget)
        XCTAssertEqual(budget.epsilon, 2, accuracy: 0.001)
        XCTAssertLessThanOrEqual(budget.epsilon, 2)
        let looser = try PrivateTrainingPlan(epsilon: 8, clipNorm: 1, trainingImages: 960, batch: 128, epochs: 10)
        XCTAssertLessThan(looser.noiseMultiplier, plan.noiseMultiplier)
        let clippingOnly = try PrivateTrainingPlan(epsilon: .infinity, clipNorm: 1, trainingImages: 960, batch: 128, epochs: 10)
        XCTAssertEqual(clippingOnly.noiseMultiplier, 0)
        XCTAssertNil(clippingOnly.budget)
    }

    /// A DP-SGD target trains with group normalisation and learns with clipping alone (on 36 images in batches of
    /// 16 any real noise drowns the signal: σ·C/16 per coordinate over 20,000 of them), saves and loads; with a
    /// finite ε its plan states the guarantee.
    func testAPrivateTargetTrainsAndReportsItsGuarantee() throws {
        var config = tinyConfig()
        config.width = 8
        config.epochsClassifier = 30
        config.batch = 16
        config.defence = .differentialPrivacy(epsilon: .infinity, clipNorm: 1)
        let lab = try Experiment(config, observe: { _ in })
        XCTAssertEqual(lab.classifier.model.layersWithoutPerExampleGradients, [])
        XCTAssert(lab.classifier.model.stateEntries.allSatisfy { !$0.name.contains("running_mean") })
        try lab.trainClassifier()
        let accuracy = try lab.classifierAccuracy(on: lab.split.classifierTrain)
        XCTAssertGreaterThan(accuracy, 2.0 / Double(config.privateClasses), "train accuracy \(accuracy)")
        config.defence = .differentialPrivacy(epsilon: 50, clipNorm: 1)
        let plan = try XCTUnwrap(try Experiment(config, observe: { _ in }).classifier.privacy)
        XCTAssertEqual(try XCTUnwrap(plan.budget).epsilon, 50, accuracy: 0.05)
        XCTAssertGreaterThan(plan.noiseMultiplier, 0)
        config.defence = .differentialPrivacy(epsilon: .infinity, clipNorm: 1)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-dp-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try lab.classifier.model.saveState(to: file)
        let reloaded = try Experiment(config, classifierFile: file, observe: { _ in })
        XCTAssertEqual(try reloaded.classifierAccuracy(on: lab.split.classifierTrain), accuracy)
    }

    /// A MID target trains with the bottleneck in place of the dropout, its loss carries the information term, and
    /// its released vectors do not depend on the sampling noise.
    func testAnInformationBottleneckTargetTrainsAndAnswersDeterministically() throws {
        var config = tinyConfig()
        config.defence = .informationBottleneck(0.01)
        final class Losses { var values: [Float] = [] }
        let losses = Losses()
        let lab = try Experiment(config, observe: { event in
            if case .classifierEpoch(_, let loss, _, _) = event { losses.values.append(loss) }
        })
        let names = lab.classifier.model.stateEntries.map(\.name)
        XCTAssert(names.contains("fc.0.weight") && names.contains("fc.2.weight"), "\(names)")
        XCTAssertEqual(lab.classifier.model.layersWithoutPerExampleGradients.count, 3, "the three batch normalisations stay")
        try lab.trainClassifier()
        XCTAssertEqual(losses.values.count, config.epochsClassifier)
        XCTAssert(losses.values.allSatisfy { $0.isFinite && $0 > 0 }, "\(losses.values)")
        let test = lab.split.classifierTest
        let predictor = SoftmaxPredictor(model: lab.classifier.model)
        let first = try predictor(test.batch([0, 1])).values
        XCTAssertEqual(try predictor(test.batch([0, 1])).values, first)
    }
}
