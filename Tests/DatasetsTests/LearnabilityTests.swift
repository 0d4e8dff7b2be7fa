import Datasets
import NeuralNet
import XCTest

/// The embedded faces are hard enough to be real and learnable enough to demonstrate: the paper's classifier at
/// width 32 on 40 synthetic people at 32 px ends between 85% and 98% test accuracy.
final class LearnabilityTests: XCTestCase {
    func testPaperClassifierReachesClassroomAccuracy() throws {
        let faces = try DataSource.syntheticFaces.load(DataSource.Options(size: 32))
        let split = try PaperSplit(faces, privateClasses: 40, seed: 1)
        var rng = RandomGenerator(seed: 1)
        let model = PaperModels.classifier(imageSize: 32, classes: 40, width: 32, rng: &rng)
        let step = ClassifierTrainingStep(model: model, optimizer: Adam.paper(model.parameters))
        let train = split.classifierTrain
        for _ in 0..<25 {
            let order = Array(0..<train.count).shuffled(using: &rng)
            for start in stride(from: 0, to: order.count, by: 128) {
                let batch = Array(order[start..<min(start + 128, order.count)])
                _ = try step(images: train.batch(batch), labels: batch.map { train.labels![$0] })
            }
        }
        let test = split.classifierTest
        let probabilities = try SoftmaxPredictor(model: model)(test.batch(Array(0..<test.count)))
        let correct = (0..<test.count).filter { row in
            let scores = (0..<40).map { probabilities[row * 40 + $0] }
            return scores.firstIndex(of: scores.max()!) == test.labels![row]
        }.count
        let accuracy = Double(correct) / Double(test.count)
        XCTAssert((0.85...0.98).contains(accuracy), "test accuracy \(accuracy)")
    }
}
