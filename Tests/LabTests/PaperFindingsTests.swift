import Datasets
import Lab
import XCTest

/// The paper's findings on the embedded faces, at a size that trains in about a minute on two cores
/// (`make reproduce` runs the fuller version).
final class PaperFindingsTests: XCTestCase {
    private static func smallConfig() -> ExperimentConfig {
        var config = ExperimentConfig()
        config.privateClasses = 20
        config.width = 16
        config.epochsClassifier = 15
        config.epochsInversion = 10
        config.syntheticPhotos = 30
        config.truncation = "all"
        return config
    }

    func testFindingsOnSyntheticFaces() throws {
        let lab = try Experiment(Self.smallConfig())
        try lab.trainClassifier()
        XCTAssertGreaterThan(try lab.classifier.accuracy(on: lab.split.classifierTest), 0.5)

        // Background knowledge: generic faces invert better than non-faces.
        let generic = try lab.victimErrors(of: try lab.inversionModel(auxiliary: "generic", trainingPolicy: .full))
        let distinct = try lab.victimErrors(of: try lab.inversionModel(auxiliary: "distinct", trainingPolicy: .full))
        XCTAssertLessThan(generic.test, distinct.test, "generic \(generic) should beat distinct \(distinct)")

        // Truncation alignment: for k = 1, 3, 5 the aligned model beats the one trained on full vectors.
        let unaligned = try lab.inversionModel(auxiliary: "generic", trainingPolicy: .full)
        for k in [1, 3, 5] {
            let aligned = try lab.victimErrors(of: try lab.inversionModel(auxiliary: "generic", trainingPolicy: .topK(k)),
                                               policy: .topK(k))
            let fedTruncated = try lab.victimErrors(of: unaligned, policy: .topK(k))
            XCTAssertLessThan(aligned.test, fedTruncated.test, "k = \(k): aligned \(aligned), unaligned \(fedTruncated)")
            XCTAssertLessThan(aligned.train, fedTruncated.train, "k = \(k)")
        }

        // The malicious developer: joint training inverts better than the black-box pair.
        let joint = try lab.jointAttack(weight: 50, epochs: 40)
        XCTAssertLessThan(joint.test, generic.test, "joint \(joint) should beat black-box \(generic)")
        XCTAssertLessThan(joint.train, generic.train)
    }
}
