import Foundation
import Lab
import NeuralNet
import XCTest

/// Training defences are parsed once at the edge and change how the target is trained.
final class TrainingDefenceTests: XCTestCase {
    func testEveryFormParsesAndWritesBackTheSameText() throws {
        let forms: [(String, TrainingDefence)] = [("none", .none), ("smooth:0.1", .labelSmoothing(0.1)),
                                                  ("smooth:-0.05", .labelSmoothing(-0.05))]
        for (text, defence) in forms {
            XCTAssertEqual(try TrainingDefence(parsing: text, option: "--defence"), defence, text)
            XCTAssertEqual(try TrainingDefence(parsing: defence.text, option: "--defence"), defence, "\(defence) round trip")
        }
        for (text, fragment) in [("smooth:1", "smooth:A takes A from -1 to 0.99"), ("smooth", "not none or smooth:A"),
                                 ("dropout", "--defence 'dropout': not none")] {
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
}
