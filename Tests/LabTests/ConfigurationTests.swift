import Datasets
import Foundation
import Lab
import NeuralNet
import TensorFiles
import XCTest

/// Presets, release policies, and settings that cannot work, refused before any training.
final class ConfigurationTests: XCTestCase {
    private let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Assets/presets")

    func testEveryPresetLoadsAndValidates() throws {
        for name in ["classroom-faces", "paper-facescrub", "orl", "mnist"] {
            let config = try ExperimentConfig.load(preset: presets.appendingPathComponent("\(name).json"))
            XCTAssertNoThrow(try config.validate(), name)
        }
        // invertlab's defaults are the classroom preset.
        XCTAssertEqual(try ExperimentConfig.load(preset: presets.appendingPathComponent("classroom-faces.json")), ExperimentConfig())
        let paper = try ExperimentConfig.load(preset: presets.appendingPathComponent("paper-facescrub.json"))
        XCTAssertEqual([paper.size, paper.width, paper.privateClasses, paper.batch, paper.epochsClassifier], [64, 128, 530, 128, 100])
    }

    func testReleasePolicies() {
        var rng = RandomGenerator(seed: 1)
        func released(_ policy: ReleasePolicy) -> [Float] {
            let vector = Tensor(shape: [1, 4], values: [0.1, 0.6, 0.05, 0.25])
            policy.apply(to: vector, rng: &rng)
            return vector.values
        }
        XCTAssertEqual(released(.full), [0.1, 0.6, 0.05, 0.25])
        XCTAssertEqual(released(.topK(2)), [0, 0.6, 0, 0.25])
        XCTAssertEqual(released(.labelOnly), [0, 1, 0, 0])
        XCTAssertEqual(released(.rounded(decimals: 1)), [0.1, 0.6, 0.1, 0.3])
        XCTAssertEqual(released(.threshold(0.2)), [0, 0.6, 0, 0.25])
        let noisy = released(.noise(standardDeviation: 0.1))
        XCTAssertNotEqual(noisy, [0.1, 0.6, 0.05, 0.25])
        XCTAssert(noisy.allSatisfy { (0...1).contains($0) })
    }

    func testTheAPICountsQueriesAndReleasesOnlyVectors() throws {
        var rng = RandomGenerator(seed: 2)
        let model = PaperModels.classifier(imageSize: 32, classes: 3, width: 2, rng: &rng)
        let api = ReleaseAPI(classifier: model, classes: 3, seed: 1)
        let faces = SyntheticFaces.generate(identities: 3, imagesPerIdentity: 2, size: 32, seed: 1)
        let vectors = try api.query(faces, [0, 1, 2], policy: .topK(1), from: .attacker)
        XCTAssertEqual(vectors.shape, [3, 3])
        for row in 0..<3 { XCTAssertEqual((0..<3).filter { vectors[row * 3 + $0] > 0 }.count, 1) }
        _ = try api.query(faces, [3], policy: .full, from: .victims)
        XCTAssertEqual(api.queries, 4)
    }

    private func assertRefused(_ change: (inout ExperimentConfig) -> Void, classifierFile: URL? = nil,
                               _ fragment: String, line: UInt = #line) {
        var config = ExperimentConfig()
        config.syntheticPhotos = 10
        change(&config)
        XCTAssertThrowsError(try Experiment(config, classifierFile: classifierFile), line: line) { error in
            XCTAssert("\(error)".contains(fragment), "'\(fragment)' missing from: \(error)", line: line)
        }
    }

    func testContradictoryAndOutOfRangeSettingsAreRefusedBeforeTraining() throws {
        assertRefused({ $0.attack.victimRelease = .topK(41) }, "--truncation 41 must be between 1 and the 40 private classes")
        assertRefused({ $0.attack.trainingRelease = .fixed(.topK(50)) }, "--train-truncation 50 must be between 1 and the 40")
        assertRefused({ $0.privateClasses = 120 }, "has 100 classes; 120 private classes asked for")
        assertRefused({ $0.size = 48 }, "--size must be 32 or 64")
        assertRefused({ $0.attack.auxiliary = .path("/no/such/folder") }, "--aux '/no/such/folder' is neither a known set")
        // Aligned background knowledge from patterns that have no head turn: nothing to filter by.
        assertRefused({ $0.data = "synthetic-patterns"; $0.privateClasses = 3; $0.attack.auxiliary = .kind(.aligned) }, "'yaw'")
        assertRefused({ $0.privateClasses = 100; $0.attack.auxiliary = .kind(.generic) }, "every class is private")

        let wrongShape = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-wrong-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: wrongShape) }
        var rng = RandomGenerator(seed: 1)
        try PaperModels.classifier(imageSize: 32, classes: 10, width: 32, rng: &rng).saveState(to: wrongShape)
        assertRefused({ _ in }, classifierFile: wrongShape, "--classifier")
    }

    func testPresetFilesAreCheckedWithTheirOwnKeyNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-presets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases = [(#"{"size": 48}"#, "size must be 32 or 64, not 48"),
                     (#"{"epochs_clasifier": 3}"#, "unknown setting 'epochs_clasifier'"),
                     (#"{"width": 0}"#, "width must be between 1 and 1024"),
                     (#"{"truncation": "50"}"#, "truncation 50 must be between 1 and the 40"),
                     (#"{"celeba_crop": true}"#, "celeba_crop cuts CelebA's aligned photographs")]
        for (index, (text, fragment)) in cases.enumerated() {
            let file = folder.appendingPathComponent("preset\(index).json")
            try Data(text.utf8).write(to: file)
            XCTAssertThrowsError(try ExperimentConfig.load(preset: file)) { error in
                let message = "\(error)"
                XCTAssert(message.hasPrefix(file.path) && message.contains(fragment), message)
                XCTAssertFalse(message.contains("--"), "a preset's error names its keys, not options: \(message)")
            }
        }
    }

    func testDivergenceStopsTrainingAndKeepsTheLastGoodCheckpoint() throws {
        let folder = try RunFolder(FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-nan-\(UUID().uuidString)"))
        try folder.create()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        var config = ExperimentConfig()
        config.privateClasses = 4
        config.width = 4
        config.epochsClassifier = 3
        config.syntheticPhotos = 10
        var lab: Experiment!
        lab = try Experiment(config, runFolder: folder) { event in
            // After the first epoch, something poisons the weights.
            if case .classifierEpoch(1, _, _, _) = event { lab.classifier.model.parameters[0].value.fill(.nan) }
        }
        // The observer holds the experiment that holds it: replaced at the end so both are freed (LeakSanitizer).
        defer { lab.observe = { _ in } }
        XCTAssertThrowsError(try lab.trainClassifier()) { XCTAssert("\($0)".contains("loss became nan"), "\($0)") }
        var rng = RandomGenerator(seed: 3)
        let reloaded = PaperModels.classifier(imageSize: 32, classes: 4, width: 4, rng: &rng)
        try reloaded.loadState(from: folder.file("classifier.safetensors"))
        XCTAssert(reloaded.parameters[0].value.values.allSatisfy(\.isFinite), "the checkpoint is the last good epoch's")
    }
}
