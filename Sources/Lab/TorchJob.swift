import Foundation
import NeuralNet

/// One inversion model the torch engine trains: on which auxiliary set, from vectors released how, measured each
/// epoch on victims released how (nil: not measured, as a sweep measures afterwards), into which file.
public struct TorchDecoderPlan: Sendable {
    public let auxiliary: AuxiliarySource
    public let trainingPolicy: ReleasePolicy
    public let victimRelease: ReleasePolicy?
    public let file: String

    /// The file the class-inference grid's decoder (trained on top-1 vectors) goes to in a run whose own decoder is
    /// not one.
    static let classInferenceFile = "inversion-top1.safetensors"

    /// What `run` needs: its decoder, measured on the victims each epoch, and a top-1 one for the class-inference
    /// grid unless its own is.
    public static func run(_ config: ExperimentConfig) -> [TorchDecoderPlan] {
        let settings = config.attack
        var plans = [TorchDecoderPlan(auxiliary: settings.auxiliary, trainingPolicy: settings.trainingPolicy,
                                      victimRelease: settings.victimRelease, file: "inversion.safetensors")]
        if settings.trainingPolicy.keptEntries(classes: config.privateClasses) != 1 {
            plans.append(TorchDecoderPlan(auxiliary: settings.auxiliary, trainingPolicy: .topK(1), victimRelease: nil,
                                          file: classInferenceFile))
        }
        return plans
    }

    /// What `sweep` needs on each auxiliary set: the unaligned decoder (full vectors) and one per victims' policy
    /// trained like the victims, each once.
    public static func sweep(auxiliaries: [AuxiliarySource], policies: [ReleasePolicy]) -> [TorchDecoderPlan] {
        var plans: [TorchDecoderPlan] = []
        for (index, auxiliary) in auxiliaries.enumerated() {
            for policy in [ReleasePolicy.full] + policies where !plans.contains(where: { $0.auxiliary == auxiliary && $0.trainingPolicy == policy }) {
                let name = policy.text.map { $0.isLetter || $0.isNumber ? $0 : "_" }
                plans.append(TorchDecoderPlan(auxiliary: auxiliary, trainingPolicy: policy, victimRelease: nil,
                                              file: "inversion-aux\(index)-\(String(name)).safetensors"))
            }
        }
        return plans
    }
}

/// What `scripts/torch_engine.py` is asked to train, written as a run folder's `torch/job.json` beside the split
/// (`TorchExport`): the settings invertlab's own engine would train with, so that both engines train alike.
struct TorchJob: Codable, Equatable {
    /// One inversion model to train: the file it goes to, the stem of its auxiliary arrays (`<stem>_train_images`,
    /// `<stem>_held_out_images`), the release policy of its training vectors and of the victims it is measured on
    /// each epoch (in `ReleasePolicy.text` form; nil: not measured), and the entries its encoding keeps.
    struct Decoder: Codable, Equatable {
        var file: String
        var auxiliary: String
        var trainingRelease: String
        var victimRelease: String?
        var keep: Int

        enum CodingKeys: String, CodingKey {
            case file, auxiliary, trainingRelease = "training_release", victimRelease = "victim_release", keep
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
        case learningRate = "learning_rate", beta1, beta2, adamEpsilon = "adam_epsilon", amsgrad, decoders
    }

    /// The stem of the arrays of the `index`-th auxiliary set of a job.
    static func auxiliaryStem(_ index: Int) -> String { "auxiliary_\(index)" }

    /// The job of `config`'s experiment training `plans`, their auxiliary sets numbered in order of appearance.
    init(_ config: ExperimentConfig, trainClassifier: Bool, plans: [TorchDecoderPlan]) {
        let adam = Adam.paper([])
        imageSize = config.size
        classes = config.privateClasses
        width = config.width
        batch = config.batch
        epochsClassifier = config.epochsClassifier
        epochsInversion = config.epochsInversion
        seed = config.seed
        self.trainClassifier = trainClassifier
        learningRate = adam.learningRate
        beta1 = adam.beta1
        beta2 = adam.beta2
        adamEpsilon = adam.epsilon
        amsgrad = adam.amsgrad
        let auxiliaries = Self.auxiliaries(of: plans)
        decoders = plans.map { plan in
            Decoder(file: plan.file, auxiliary: Self.auxiliaryStem(auxiliaries.firstIndex(of: plan.auxiliary)!),
                    trainingRelease: plan.trainingPolicy.text, victimRelease: plan.victimRelease?.text,
                    keep: plan.trainingPolicy.keptEntries(classes: config.privateClasses))
        }
    }

    /// The distinct auxiliary sets of `plans`, in order of appearance.
    static func auxiliaries(of plans: [TorchDecoderPlan]) -> [AuxiliarySource] {
        plans.reduce(into: []) { sets, plan in if !sets.contains(plan.auxiliary) { sets.append(plan.auxiliary) } }
    }
}
