import NeuralNet
import XCTest

/// LOMMA's students and the split of a network before its last layer, which the logit loss reads features from.
final class StudentNetworkTests: XCTestCase {
    func testStudentsMapImagesToLogitsAtBothSizesAndGrowWithTheirScale() throws {
        var rng = RandomGenerator(seed: 5)
        for size in PaperModels.imageSizes {
            var parameterCounts: [Int] = []
            for scale in StudentNetwork.allCases {
                let student = scale.make(imageSize: size, classes: 7, width: 8, rng: &rng)
                XCTAssertEqual(try student.forward(randomTensor([2, 1, size, size], seed: 6), mode: .training).shape, [2, 7])
                parameterCounts.append(student.parameters.reduce(0) { $0 + $1.value.count })
            }
            XCTAssertEqual(parameterCounts, parameterCounts.sorted(), "\(size) px: \(parameterCounts)")
            XCTAssertEqual(Set(parameterCounts).count, 3)
        }
    }

    /// What the searches pay per image: a strided classifier about a quarter of the paper's classifier at the same
    /// width, the three students together under half of it, at both sizes.
    func testStridedNetworksCostAFractionOfTheClassifiersMultiplyAdds() throws {
        var rng = RandomGenerator(seed: 9)
        for size in PaperModels.imageSizes {
            func flops(_ network: Sequential) throws -> Int {
                network.resetGemmStats()
                _ = try network.forward(randomTensor([1, 1, size, size], seed: 10), mode: .evaluation)
                return network.gemmStats().flops
            }
            let target = try flops(PaperModels.classifier(imageSize: size, classes: 40, width: 32, rng: &rng))
            let strided = try flops(StridedClassifier.make(imageSize: size, outputs: 1, width: 32, rng: &rng))
            let students = try StudentNetwork.allCases.reduce(0) { $0 + (try flops($1.make(imageSize: size, classes: 40, width: 32, rng: &rng))) }
            XCTAssertEqual(Double(strided) / Double(target), 0.25, accuracy: 0.02, "\(size) px")
            XCTAssertLessThan(2 * students, target, "\(size) px: students \(students), target \(target) FLOPs")
        }
    }

    func testTheSplitBeforeTheLastLayerComposesToTheWholeAndSharesItsWeights() throws {
        var rng = RandomGenerator(seed: 7)
        let network = PaperModels.classifier(imageSize: 32, classes: 5, width: 4, rng: &rng)
        let images = randomTensor([3, 1, 32, 32], seed: 8)
        let whole = try network.forward(images, mode: .evaluation).values
        let (body, head) = network.splitBeforeLastLayer
        let features = try body.forward(images, mode: .evaluation)
        XCTAssertEqual(features.shape, [3, 25], "the classifier's hidden layer has 5 x classes units")
        XCTAssertEqual(try head.forward(features, mode: .evaluation).values, whole)
        XCTAssert(head === network.allLayers.last!)
        XCTAssertEqual(body.parameters.count + head.parameters.count, network.parameters.count)
    }
}
