import Datasets
import Foundation
@testable import Lab
import NeuralNet
import TensorFiles
import XCTest

/// The bridge to the PyTorch engine without PyTorch: the export the script trains on, the job and config it reads,
/// and the whole `run` flow with a stand-in engine (a shell script that "trains" by copying the initial weights and
/// reports epochs as the real one does), its failures included. `make torch-check` runs the real script.
final class TorchEngineTests: XCTestCase {
    private let output = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-torch-\(UUID().uuidString)")

    override func tearDown() {
        try? FileManager.default.removeItem(at: output)
    }

    /// A stand-in engine running `body` (shell) with the run folder as $1.
    private func standIn(_ body: String) throws -> TorchEngine {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let script = output.appendingPathComponent("engine-\(UUID().uuidString).sh")
        try ("folder=\"$1\"\n" + body).write(to: script, atomically: true, encoding: .utf8)
        return try TorchEngine(command: ["sh", script.path])
    }

    func testExportHoldsTheSplitTheInitialWeightsAndTheJob() throws {
        var config = tinyConfig()
        config.attack.victimRelease = .topK(2)
        let lab = try Experiment(config)
        let folder = try RunFolder(output.appendingPathComponent("export"))
        try folder.create()
        let job = try TorchExport.write(lab, into: folder, trainClassifier: true, plans: TorchDecoderPlan.run(config))
        let exchange = folder.file(TorchExport.folderName)

        for (set, name) in [(lab.split.classifierTrain, "classifier_train"), (lab.split.classifierTest, "classifier_test")] {
            let images = try NumpyArray.read(exchange.appendingPathComponent("\(name)_images.npy"))
            XCTAssertEqual(images.shape, [set.count, 1, 32, 32], name)
            XCTAssertEqual(images.values, set.batch(Array(0..<set.count)).values, name)
            XCTAssertEqual(try NumpyArray.readLabels(exchange.appendingPathComponent("\(name)_labels.npy"), classes: 6), set.labels, name)
        }
        let auxiliary = try lab.auxiliarySet(config.attack.auxiliary)
        let training = try NumpyArray.read(exchange.appendingPathComponent("auxiliary_0_train_images.npy"))
        let heldOut = try NumpyArray.read(exchange.appendingPathComponent("auxiliary_0_held_out_images.npy"))
        XCTAssertEqual(heldOut.shape[0], auxiliary.count / 10, "a tenth held out, as invertlab's decoder holds out")
        XCTAssertEqual(training.shape[0] + heldOut.shape[0], auxiliary.count)

        // The initial weights are the lab's classifier and the decoder invertlab would start from.
        var rng = RandomGenerator(seed: 1)
        let classifier = PaperModels.classifier(imageSize: 32, classes: 6, width: 4, rng: &rng)
        try classifier.loadState(from: exchange.appendingPathComponent("classifier-init.safetensors"))
        XCTAssertEqual(classifier.parameters.map(\.value.values), lab.classifier.model.parameters.map(\.value.values))
        let decoder = InversionTrainer(imageSize: 32, classes: 6, width: 4, trainingPolicy: .topK(2), seed: config.seed &+ 3)
        let exported = InversionTrainer(imageSize: 32, classes: 6, width: 4, trainingPolicy: .topK(2), seed: 99)
        try exported.model.loadState(from: exchange.appendingPathComponent("inversion-init.safetensors"))
        XCTAssertEqual(exported.model.parameters.map(\.value.values), decoder.model.parameters.map(\.value.values))

        let written = try JSONDecoder().decode(TorchJob.self, from: Data(contentsOf: exchange.appendingPathComponent("job.json")))
        XCTAssertEqual(written, job)
        XCTAssertEqual(job.decoders.map(\.file), ["inversion.safetensors", TorchDecoderPlan.classInferenceFile])
        XCTAssertEqual(job.decoders.map(\.keep), [2, 1])
        XCTAssertEqual(job.decoders.map(\.trainingRelease), ["2", "1"])
        XCTAssertEqual(job.decoders.map(\.victimRelease), ["2", nil], "only the run's own decoder is measured each epoch")
        XCTAssertEqual(job.decoders.map(\.auxiliary), ["auxiliary_0", "auxiliary_0"])
        XCTAssertEqual(job.learningRate, 2e-4)
        XCTAssertTrue(job.amsgrad)
        config.attack.victimRelease = .topK(1)
        XCTAssertEqual(TorchDecoderPlan.run(config).count, 1, "a top-1 decoder serves class inference itself")

        // A sweep's plans: per auxiliary set the unaligned decoder and one per victims' release, each once.
        let sweep = TorchDecoderPlan.sweep(auxiliaries: [.kind(.generic), .kind(.distinct)], policies: [.topK(1), .full, .rounded(decimals: 2)])
        XCTAssertEqual(sweep.map(\.file), ["inversion-aux0-all.safetensors", "inversion-aux0-1.safetensors", "inversion-aux0-round_2.safetensors",
                                            "inversion-aux1-all.safetensors", "inversion-aux1-1.safetensors", "inversion-aux1-round_2.safetensors"])
        let sweepJob = TorchJob(config, trainClassifier: true, plans: sweep)
        XCTAssertEqual(sweepJob.decoders.map(\.auxiliary), ["auxiliary_0", "auxiliary_0", "auxiliary_0", "auxiliary_1", "auxiliary_1", "auxiliary_1"])
    }

    func testRunAdoptsWhatTheEngineTrainedWithItsEpochs() throws {
        let engine = try standIn("""
            cp "$folder/torch/classifier-init.safetensors" "$folder/classifier.safetensors"
            cp "$folder/torch/inversion-init.safetensors" "$folder/inversion.safetensors"
            cp "$folder/torch/inversion-init.safetensors" "$folder/inversion-top1.safetensors"
            echo '{"event":"stage","text":"pretending"}'
            echo 'a line that is not JSON is skipped'
            echo '{"event":"step","model":"classifier","epoch":1,"epochs":1,"step":1,"steps":1,"loss":1.7}'
            echo '{"event":"classifier_epoch","epoch":1,"loss":1.7,"train_accuracy":0.5,"test_accuracy":0.25}'
            echo '{"event":"inversion_epoch","file":"inversion.safetensors","epoch":1,"loss":0.07,"held_out_mse":0.06,"victim_train_mse":0.05,"victim_test_mse":0.055}'
            echo '{"event":"inversion_epoch","file":"inversion.safetensors","epoch":2,"loss":0.06,"held_out_mse":0.05,"victim_train_mse":0.04,"victim_test_mse":0.045}'
            echo '{"event":"done","device":"cpu","torch":"none","chosen_epochs":{"inversion.safetensors":2,"inversion-top1.safetensors":1}}'
            """)
        let folder = try RunFolder(output.appendingPathComponent("run"))
        var events: [LabEvent] = []
        let report = try RunFlow.run(tinyConfig(), classifierFile: nil, jointWeight: nil, folder: folder, torch: engine,
                                     observe: { events.append($0) })
        XCTAssertEqual(report.inversion.chosenEpoch, 2)
        XCTAssertEqual(report.inversion.mseVictimTest, 0.045, "the chosen epoch's victim MSE, as the engine measured it")
        XCTAssertTrue(events.contains { if case .stage("torch engine: pretending") = $0 { true } else { false } })
        XCTAssertTrue(events.contains { if case .step(.classifier, 1, 1, 1, 1, _) = $0 { true } else { false } })
        let metrics = try String(contentsOf: folder.file("metrics.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.filter { $0.hasPrefix("classifier,") }, ["classifier,1,1.7,0.5,0.25,,,"])
        XCTAssertEqual(metrics.filter { $0.hasPrefix("inversion,") }.count, 2)
        XCTAssertTrue(try String(contentsOf: folder.file("state.json"), encoding: .utf8).contains("complete"))
        XCTAssertEqual(try ExperimentConfig.load(preset: folder.file("config.json")), tinyConfig(), "config.json round trip")
        for file in ["class_inference.png", "reconstructions_test.png", "evaluator.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.file(file).path), file)
        }
    }

    func testAFailingEngineFailsTheRunAndSaysWhy() throws {
        let engine = try standIn("echo 'ModuleNotFoundError: no module named torch' >&2\nexit 3\n")
        let folder = try RunFolder(output.appendingPathComponent("failed"))
        XCTAssertThrowsError(try RunFlow.run(tinyConfig(), classifierFile: nil, jointWeight: nil, folder: folder, torch: engine,
                                             observe: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("exit status 3"), "\(error)")
            XCTAssertTrue("\(error)".contains("no module named torch"), "\(error)")
        }
        let state = try String(contentsOf: folder.file("state.json"), encoding: .utf8)
        XCTAssertTrue(state.contains("failed") && state.contains("no module named torch"), state)

        let silent = try standIn("exit 0\n")
        XCTAssertThrowsError(try RunFlow.run(tinyConfig(), classifierFile: nil, jointWeight: nil,
                                             folder: try RunFolder(output.appendingPathComponent("silent")), torch: silent,
                                             observe: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("without its closing summary"), "\(error)")
        }
    }

    func testRefusesWhatOnlyInvertlabsEngineTrains() throws {
        let folder = try RunFolder(output.appendingPathComponent("refused"))
        var config = tinyConfig()
        XCTAssertThrowsError(try TorchEngine.check(config, jointWeight: nil, folder: nil)) { XCTAssertTrue("\($0)".contains("--out")) }
        XCTAssertThrowsError(try TorchEngine.check(config, jointWeight: 1, folder: folder)) { XCTAssertTrue("\($0)".contains("--joint")) }
        config.defence = .labelSmoothing(0.1)
        XCTAssertThrowsError(try TorchEngine.check(config, jointWeight: nil, folder: folder)) { XCTAssertTrue("\($0)".contains("--defence")) }
        XCTAssertNoThrow(try TorchEngine.check(tinyConfig(), jointWeight: nil, folder: folder))
    }
}
