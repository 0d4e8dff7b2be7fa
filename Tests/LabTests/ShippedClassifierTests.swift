import Datasets
import Lab
import NeuralNet
import XCTest

/// The presets' classifiers, evaluators and optimisation attackers' models in Assets (made by `make models`, `make
/// evaluators` and `make attack-models`), and the ORL faces that ship beside them.
final class ShippedClassifierTests: XCTestCase {
    func testTheShippedClassifierIsTheClassroomPresetsTrainedTarget() throws {
        let file = try XCTUnwrap(ExperimentConfig().shippedClassifier, "Assets/models/classroom-faces-classifier.safetensors")
        let lab = try Experiment(ExperimentConfig(), classifierFile: file)
        let accuracy = try lab.classifier.accuracy(on: lab.split.classifierTest)
        XCTAssert((0.85...0.98).contains(accuracy), "test accuracy \(accuracy)")
    }

    func testTheORLPresetOpensOnShippedFacesWithItsTrainedTarget() throws {
        let orl = try ExperimentConfig.preset(named: "orl")
        XCTAssertEqual(orl.data, "orl-faces", "no --data needed")
        let file = try XCTUnwrap(orl.shippedClassifier)
        XCTAssertEqual(file.lastPathComponent, "orl-classifier.safetensors")
        let lab = try Experiment(orl, classifierFile: file)
        XCTAssertEqual(lab.split.classifierTrain.height, 64)
        XCTAssertEqual(try lab.auxiliarySet(.kind(.generic)).count, 200, "the 20 other people are the generic set")
        XCTAssertGreaterThanOrEqual(try lab.classifierAccuracy(on: lab.split.classifierTest), 0.9)
    }

    /// The classroom preset's GAN makes images in [0, 1] that its own discriminator finds more real than noise, its
    /// students and KEDMI's discriminator name the shipped target's top class on most auxiliary images; another
    /// auxiliary set has none of them.
    func testTheClassroomPresetShipsItsGANAndStudents() throws {
        let config = ExperimentConfig()
        let prior = try GenerativePrior.load(from: try XCTUnwrap(config.shippedPrior(.general, targetIsShipped: true)), for: config)
        var rng = RandomGenerator(seed: 3)
        let generated = try prior.generator.forward(GenerativePrior.sampleLatent(16, rng: &rng), mode: .evaluation)
        XCTAssertEqual(generated.shape, [16, 1, 32, 32])
        XCTAssert(generated.values.allSatisfy { (0...1).contains($0) })
        let realism = try prior.discriminator.forward(generated, mode: .evaluation).values.reduce(0, +)
        let noise = Tensor(shape: [16, 1, 32, 32], values: (0..<16 * 1024).map { _ in rng.nextUnitFloat() })
        XCTAssertGreaterThan(realism, try prior.discriminator.forward(noise, mode: .evaluation).values.reduce(0, +))

        let files = try XCTUnwrap(config.shippedStudents)
        XCTAssertEqual(files.map(\.lastPathComponent), (1...3).map { "classroom-faces-student-\($0).safetensors" })
        let students = try ModelAugmentation.loadStudents(from: files, for: config)
        let lab = try Experiment(config, classifierFile: try XCTUnwrap(config.shippedClassifier))
        let auxiliary = try lab.auxiliarySet(config.attack.auxiliary)
        let sample = auxiliary.subset(Array(0..<200))
        let teacher = try SoftmaxPredictor(model: lab.classifier.model)(sample.batch(Array(0..<200))).values
        let top = { (values: [Float], row: Int) in (0..<40).max { values[row * 40 + $0] < values[row * 40 + $1] }! }
        for (number, student) in students.enumerated() {
            let own = try SoftmaxPredictor(model: student)(sample.batch(Array(0..<200))).values
            let agreeing = (0..<200).filter { top(own, $0) == top(teacher, $0) }.count
            XCTAssertGreaterThan(agreeing, 120, "student \(number + 1) agrees on \(agreeing) of 200")
        }
        // KEDMI's GAN learned the shipped target's soft labels: its discriminator names the target's top class on
        // most auxiliary images.
        let kedmi = try GenerativePrior.load(from: try XCTUnwrap(config.shippedPrior(.knowledgeEnriched, targetIsShipped: true)), for: config, kind: .knowledgeEnriched)
        let named = try kedmi.discriminator.infer(sample.batch(Array(0..<200))).values
        let agreeing = (0..<200).filter { top(named, $0) == top(teacher, $0) }.count
        XCTAssertGreaterThan(agreeing, 100, "KEDMI's discriminator agrees with the target on \(agreeing) of 200")
        var other = config
        other.attack.auxiliary = .kind(.distinct)
        XCTAssertNil(other.shippedPrior(.general, targetIsShipped: true))
        XCTAssertNil(other.shippedPrior(.knowledgeEnriched, targetIsShipped: true))
        XCTAssertNil(other.shippedStudents)
    }

    func testOnlyTheClassifiersOwnSettingsDecide() {
        var attack = ExperimentConfig()
        attack.attack.victimRelease = .topK(3)
        attack.attack.auxiliary = .kind(.distinct)
        XCTAssertNotNil(attack.shippedClassifier)
        for change in [{ (config: inout ExperimentConfig) in config.seed = 7 }, { $0.width = 16 }, { $0.privateClasses = 20 },
                       { $0.epochsClassifier = 5 }] {
            var other = ExperimentConfig()
            change(&other)
            XCTAssertNil(other.shippedClassifier)
        }
    }

    func testTheShippedEvaluatorsNameHeldOutPeopleAtLeastAsWellAsTheirTargets() throws {
        for name in ["classroom-faces", "orl"] {
            let preset = try ExperimentConfig.preset(named: name)
            XCTAssertEqual(preset.shippedEvaluator?.lastPathComponent, "\(name)-evaluator.safetensors")
            let lab = try Experiment(preset, classifierFile: try XCTUnwrap(preset.shippedClassifier))
            let evaluator = try lab.evaluator()
            let accuracy = try XCTUnwrap(evaluator.heldOutAccuracy)
            XCTAssertGreaterThanOrEqual(accuracy, 0.95, name)
            XCTAssertGreaterThanOrEqual(accuracy, try lab.classifierAccuracy(on: lab.split.classifierTest), name)
        }
    }

    func testOneEvaluatorServesEverySeedOfRealDataButNotOfGeneratedFaces() throws {
        var orl = try ExperimentConfig.preset(named: "orl")
        orl.seed = 7
        orl.attack.victimRelease = .topK(1)
        XCTAssertNotNil(orl.shippedEvaluator, "ORL's people do not depend on the seed")
        var faces = ExperimentConfig()
        faces.seed = 7
        XCTAssertNil(faces.shippedEvaluator, "another seed draws other synthetic people")
    }
}
