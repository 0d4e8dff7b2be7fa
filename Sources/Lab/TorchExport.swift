import Datasets
import Foundation
import NeuralNet
import TensorFiles

/// Writes what `scripts/torch_engine.py` trains on into a run folder's `torch/`: the split invertlab would use, as
/// float32 NPY arrays (images `[n, 1, size, size]` in [0, 1], labels one per image), each auxiliary set the plans
/// train on already cut into the part a decoder trains on and the tenth held out to choose its epoch (as
/// `TrainingBasedInversion` cuts them), both models' initial weights, and `job.json`. Both engines then see the
/// same images, labels, splits and starting weights.
enum TorchExport {
    /// The folder inside a run folder that holds the exchange.
    static let folderName = "torch"

    /// Exports `lab`'s split and initial models for `plans` into `folder/torch` and returns the job written there.
    @discardableResult
    static func write(_ lab: Experiment, into folder: RunFolder, trainClassifier: Bool, plans: [TorchDecoderPlan]) throws -> TorchJob {
        let exchange = folder.file(folderName)
        do { try FileManager.default.createDirectory(at: exchange, withIntermediateDirectories: true) } catch {
            throw ConfigurationError("\(exchange.path): cannot be created (\(error.localizedDescription))")
        }
        let config = lab.config
        for (set, name) in [(lab.split.classifierTrain, "classifier_train"), (lab.split.classifierTest, "classifier_test")] {
            try NumpyArray.write(set.batch(Array(0..<set.count)), to: exchange.appendingPathComponent("\(name)_images.npy"))
            let labels = (set.labels ?? []).map(Float.init)
            try NumpyArray.write(Tensor(shape: [labels.count], values: labels), to: exchange.appendingPathComponent("\(name)_labels.npy"))
        }
        for (index, source) in TorchJob.auxiliaries(of: plans).enumerated() {
            let auxiliary = try lab.auxiliarySet(source)
            var rng = RandomGenerator(seed: config.seed &+ 5)
            let (training, heldOut) = TrainingBasedInversion.holdOut(auxiliary.count, rng: &rng)
            let stem = TorchJob.auxiliaryStem(index)
            try NumpyArray.write(auxiliary.batch(training), to: exchange.appendingPathComponent("\(stem)_train_images.npy"))
            try NumpyArray.write(auxiliary.batch(heldOut), to: exchange.appendingPathComponent("\(stem)_held_out_images.npy"))
        }
        try lab.classifier.model.saveState(to: exchange.appendingPathComponent("classifier-init.safetensors"),
                                           metadata: ["written_by": "invertlab"])
        let decoder = InversionTrainer(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                       trainingPolicy: config.attack.trainingPolicy, seed: config.seed &+ 3)
        try decoder.model.saveState(to: exchange.appendingPathComponent("inversion-init.safetensors"), metadata: ["written_by": "invertlab"])
        let job = TorchJob(config, trainClassifier: trainClassifier, plans: plans)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(job).write(to: exchange.appendingPathComponent("job.json"), options: .atomic)
        return job
    }
}
