import Foundation
import NeuralNet

/// What `scripts/torch_engine.py` is asked to train, written as a run folder's `torch/job.json` beside the split
/// (`TorchExport`): the settings invertlab's own engine would train with, so that both engines train alike.
struct TorchJob: Codable, Equatable {
    /// One inversion model to train: the file it goes to, the release policy of its training vectors (in
    /// `ReleasePolicy.text` form), the entries its encoding keeps, and whether each epoch reports the victims' MSE.
    struct Decoder: Codable, Equatable {
        var file: String
        var trainingRelease: String
        var keep: Int
        var recordsVictims: Bool

        enum CodingKeys: String, CodingKey {
            case file, trainingRelease = "training_release", keep, recordsVictims = "records_victims"
        }
    }

    var imageSize: Int
    var classes: Int
    var width: Int
    var batch: Int
    var epochsClassifier: Int
    var epochsInversion: Int
    var seed: UInt64
    /// False when the target was loaded (`--classifier`): its weights are then the initial ones and stay.
    var trainClassifier: Bool
    var victimRelease: String
    /// The paper's Adam, as `Adam.paper` sets it.
    var learningRate: Float
    var beta1: Float
    var beta2: Float
    var adamEpsilon: Float
    var amsgrad: Bool
    var decoders: [Decoder]

    enum CodingKeys: String, CodingKey {
        case imageSize = "image_size", classes, width, batch, epochsClassifier = "epochs_classifier"
        case epochsInversion = "epochs_inversion", seed, trainClassifier = "train_classifier"
        case victimRelease = "victim_release", learningRate = "learning_rate", beta1, beta2
        case adamEpsilon = "adam_epsilon", amsgrad, decoders
    }

    /// The file the class-inference grid's decoder (trained on top-1 vectors) goes to, when the run's own decoder
    /// is not one.
    static let classInferenceFile = "inversion-top1.safetensors"

    /// The job of `config`'s run: its decoder, and a top-1 one for the class-inference grid unless its own is.
    init(_ config: ExperimentConfig, trainClassifier: Bool) {
        let adam = Adam.paper([])
        imageSize = config.size
        classes = config.privateClasses
        width = config.width
        batch = config.batch
        epochsClassifier = config.epochsClassifier
        epochsInversion = config.epochsInversion
        seed = config.seed
        self.trainClassifier = trainClassifier
        victimRelease = config.attack.victimRelease.text
        learningRate = adam.learningRate
        beta1 = adam.beta1
        beta2 = adam.beta2
        adamEpsilon = adam.epsilon
        amsgrad = adam.amsgrad
        let policy = config.attack.trainingPolicy
        let keep = policy.keptEntries(classes: config.privateClasses)
        decoders = [Decoder(file: "inversion.safetensors", trainingRelease: policy.text, keep: keep, recordsVictims: true)]
        if keep != 1 {
            decoders.append(Decoder(file: Self.classInferenceFile, trainingRelease: ReleasePolicy.topK(1).text, keep: 1,
                                    recordsVictims: false))
        }
    }
}
