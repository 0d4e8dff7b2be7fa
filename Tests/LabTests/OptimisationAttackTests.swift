import Datasets
import Lab
import NeuralNet
import XCTest

/// White-box optimisation attacks: they raise the target's confidence in the class they reconstruct.
final class OptimisationAttackTests: XCTestCase {
    func testFredriksonRaisesTheTargetsConfidenceInEachClass() throws {
        var config = tinyConfig()
        config.width = 8
        config.epochsClassifier = 10
        let lab = try Experiment(config)
        try lab.trainClassifier()
        var settings = FredriksonAttack.Settings()
        settings.iterations = 150
        // The tiny target's input gradients are small: Fredrikson et al.'s 0.1 would barely move it in 150 iterations.
        settings.learningRate = 20
        let attack = FredriksonAttack(settings: settings)
        XCTAssertThrowsError(try attack.prepare(try lab.context(auxiliary: .kind(.generic))), "black-box access is not enough")
        let context = try lab.whiteBoxContext(auxiliary: .kind(.generic), iterations: settings.iterations)
        try attack.prepare(context)
        let classes = [0, 2, 5]
        let images = try attack.reconstruct(classes: classes, context: context)
        XCTAssertEqual(images.shape, [3, 1, 32, 32])
        XCTAssert((0..<images.count).allSatisfy { (0...1).contains(images[$0]) })

        // The starting point (the auxiliary mean face) against the optimised images, before post-processing.
        let auxiliary = try lab.auxiliarySet(.kind(.generic))
        let all = auxiliary.batch(Array(0..<auxiliary.count))
        let pixels = auxiliary.pixelsPerImage
        let mean = (0..<pixels).map { pixel in (0..<auxiliary.count).map { all[$0 * pixels + pixel] }.reduce(0, +) / Float(auxiliary.count) }
        let start = try SoftmaxPredictor(model: lab.classifier.model)(Tensor(shape: [1, 1, 32, 32], values: mean)).values
        for label in classes {
            XCTAssertGreaterThan(try XCTUnwrap(attack.confidence[label]), start[label] + 0.1, "class \(label) from \(start[label])")
        }
        let grade = try lab.gradeClasses(images, classes: classes)
        XCTAssertEqual(grade.pixels.images, 3)
        XCTAssertNotNil(grade.accuracyTop1)
    }

    func testTheFiltersKeepFlatImagesAndSmoothNoise() {
        let flat = Tensor(shape: [1, 1, 8, 8], values: [Float](repeating: 0.4, count: 64))
        XCTAssert(ImageFilters.gaussianBlur(flat, sigma: 1).values.allSatisfy { abs($0 - 0.4) < 1e-6 })
        XCTAssert(ImageFilters.unsharpMask(flat, sigma: 1, amount: 1).values.allSatisfy { abs($0 - 0.4) < 1e-6 })
        let checkerboard = Tensor(shape: [1, 1, 8, 8], values: (0..<64).map { Float(($0 / 8 + $0 % 8) % 2) })
        let variance = { (values: [Float]) in
            let mean = values.reduce(0, +) / Float(values.count)
            return values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)
        }
        XCTAssertLessThan(variance(ImageFilters.gaussianBlur(checkerboard, sigma: 1).values), 0.1 * variance(checkerboard.values))
        let edge = Tensor(shape: [1, 1, 8, 8], values: (0..<64).map { $0 % 8 < 4 ? 0.3 : 0.7 })
        let sharpened = ImageFilters.unsharpMask(edge, sigma: 1, amount: 1)
        XCTAssertLessThan(sharpened[3], 0.3, "the dark side of the edge gets darker")
        XCTAssertGreaterThan(sharpened[4], 0.7, "the bright side brighter")
    }
}
