import Datasets
import Lab
import XCTest

/// The classroom preset's classifier in Assets (made by `make classroom-model`).
final class ShippedClassifierTests: XCTestCase {
    func testTheShippedClassifierIsTheClassroomPresetsTrainedTarget() throws {
        let file = try XCTUnwrap(ExperimentConfig().shippedClassifier, "Assets/models/classroom-faces-classifier.safetensors")
        let lab = try Experiment(ExperimentConfig(), classifierFile: file)
        let accuracy = try lab.classifier.accuracy(on: lab.split.classifierTest)
        XCTAssert((0.85...0.98).contains(accuracy), "test accuracy \(accuracy)")
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
}
