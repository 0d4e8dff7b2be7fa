import Datasets
import Lab
import XCTest

/// The presets' classifiers and evaluators in Assets (made by `make models` and `make evaluators`), and the ORL faces
/// that ship beside them.
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
