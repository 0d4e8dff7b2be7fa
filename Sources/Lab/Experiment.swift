import Datasets
import Foundation
import NeuralNet
import TensorFiles

/// One target and its attackers: the target classifier trained (or loaded) on the private data, its release API,
/// and the attacks prepared against it, kept so that switching back to one is instant. It evaluates attacks on the
/// victims (the classifier's train and test images).
public final class Experiment {
    public let config: ExperimentConfig
    /// The trained target loaded instead of training one, if any.
    public let classifierFile: URL?
    public let split: PaperSplit
    public let classifier: ClassifierTrainer
    public let api: ReleaseAPI
    /// Where checkpoints go while models train, when set.
    public let runFolder: RunFolder?
    /// Told of every stage, step and epoch; a front end that takes over a prepared experiment sets its own.
    public var observe: (LabEvent) throws -> Void
    /// Called between any two batches of training, querying and evaluating; throwing cancels the work in hand.
    public var checkpoint: () throws -> Void = {}
    private var rng: RandomGenerator
    /// The inversion model being trained right now, for snapshots between its epochs.
    public private(set) var inversionInTraining: TrainingBasedInversion?
    /// The classifier's epochs, for metrics.csv.
    public private(set) var classifierHistory: [LabEvent] = []
    /// Which evaluation classifier grades the attacks.
    let evaluatorChoice: EvaluatorChoice
    /// The evaluator and its reference embeddings once made (see `evaluator()`).
    var evaluatorInUse: EvaluationClassifier?
    var identityReferenceInUse: IdentityEmbeddings?
    /// The evaluator shipped for these settings, looked up once (presets are files).
    lazy var shippedEvaluator = config.shippedEvaluator
    private let loadOptions: DataSource.Options
    private var auxiliarySets: [AuxiliarySource: ImageSet] = [:]
    private var inversions: [InversionKey: TrainingBasedInversion] = [:]

    /// What identifies a trained inversion model.
    private struct InversionKey: Hashable {
        let auxiliary: AuxiliarySource
        let trainingPolicy: ReleasePolicy
    }

    /// Loads the data and checks every setting against it before any training. `classifierFile` loads a trained
    /// target instead of training one; a file that does not fit is blamed on `classifierOption`, the option that
    /// named it.
    public init(_ config: ExperimentConfig, classifierFile: URL? = nil, classifierOption: String = "--classifier",
                evaluator: EvaluatorChoice = .automatic, runFolder: RunFolder? = nil,
                observe: @escaping (LabEvent) throws -> Void = { _ in }) throws {
        try config.validate()
        self.config = config
        self.classifierFile = classifierFile
        evaluatorChoice = evaluator
        self.runFolder = runFolder
        self.observe = observe
        rng = RandomGenerator(seed: config.seed)
        var options = DataSource.Options(size: config.size, crop: config.celebaCrop ? .celebAFace : nil)
        options.seed = config.seed
        options.frontalIdentities = config.privateClasses
        options.syntheticPhotos = config.syntheticPhotos
        if let auxiliarySize = config.auxiliarySize {
            // Enough generic people for the asked auxiliary size (the first people, private ones included, stay the same).
            let people = config.privateClasses + (auxiliarySize + config.syntheticPhotos - 1) / config.syntheticPhotos
            options.syntheticIdentities = max(options.syntheticIdentities, people)
        }
        loadOptions = options
        try observe(.stage("loading \(config.data)"))
        var data = try ExperimentConfig.dataSource(config.data).load(options)
        if config.minMaxScaling { data = ImageProcessing.minMaxScaled(data) }
        split = try PaperSplit(data, privateClasses: config.privateClasses, seed: config.seed)
        var privacy: PrivateTrainingPlan?
        if case .differentialPrivacy(let epsilon, let clipNorm) = config.defence {
            privacy = try PrivateTrainingPlan(epsilon: epsilon, clipNorm: clipNorm, trainingImages: split.classifierTrain.count,
                                              batch: config.batch, epochs: config.epochsClassifier)
        }
        classifier = try ClassifierTrainer(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                           seed: config.seed, defence: config.defence, privacy: privacy)
        if let classifierFile {
            do { try classifier.model.loadState(from: classifierFile) } catch {
                throw ConfigurationError("\(classifierOption): \(error) (the settings ask for a \(config.size) px classifier of width \(config.width) with \(config.privateClasses) classes)")
            }
        }
        api = ReleaseAPI(classifier: classifier.model, classes: config.privateClasses, seed: config.seed &+ 7)
        api.budget = config.queryBudget
        auxiliarySets[config.attack.auxiliary] = try auxiliarySet(config.attack.auxiliary)
    }

    /// Trains the classifier for the configured epochs, reporting each step and epoch; writes a checkpoint after
    /// every good epoch, so a diverging run keeps the last good one.
    public func trainClassifier() throws {
        let epochs = config.epochsClassifier
        try observe(.stage("training the classifier on \(split.classifierTrain.count) private images"))
        let steps = (split.classifierTrain.count + config.batch - 1) / config.batch
        for epoch in stride(from: 1, through: epochs, by: 1) {
            let loss = try classifier.trainEpoch(on: split.classifierTrain, batch: config.batch, rng: &rng) { step, loss in
                try self.observe(.step(model: .classifier, epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss))
            }
            let event = LabEvent.classifierEpoch(epoch: epoch, loss: loss,
                                                 trainAccuracy: try classifierAccuracy(on: split.classifierTrain),
                                                 testAccuracy: try classifierAccuracy(on: split.classifierTest))
            try checkpoint(classifier.model, as: "classifier")
            classifierHistory.append(event)
            try observe(event)
        }
    }

    /// The classifier's accuracy on `set`, cancellable between batches.
    public func classifierAccuracy(on set: ImageSet) throws -> Double {
        try classifier.accuracy(on: set, checkpoint: checkpoint)
    }

    /// Writes the model to the run folder, unless a weight has become NaN or infinite: then the last good
    /// checkpoint stays and training stops.
    private func checkpoint(_ model: Sequential, as name: String) throws {
        guard let runFolder else { return }
        guard model.parameters.allSatisfy({ $0.value.isFinite }) else {
            throw DivergenceError(description: "the \(name)'s weights became NaN or infinite; \(name).safetensors keeps the last good epoch")
        }
        try runFolder.saveModel(model, as: name)
    }

    /// The auxiliary set `source` names, loaded once.
    public func auxiliarySet(_ source: AuxiliarySource) throws -> ImageSet {
        if let set = auxiliarySets[source] { return set }
        let set: ImageSet
        switch source {
        case .kind(.distinct): set = try ExperimentConfig.dataSource(config.distinct).load(loadOptions)
        case .kind(let kind): set = try split.auxiliary(kind)
        case .sample(let kind, let count):
            let whole = try auxiliarySet(.kind(kind))
            guard count <= whole.count else {
                throw ConfigurationError("the auxiliary set '\(source)' asks for \(count) images; '\(kind.rawValue)' has \(whole.count)")
            }
            var random = RandomGenerator(seed: config.seed &+ 29)
            let sample = whole.subset(Array(Array(0..<whole.count).shuffled(using: &random).prefix(count)).sorted(),
                                      origin: "\(count) of \(whole.origin)")
            auxiliarySets[source] = sample
            return sample
        case .path(let path):
            try source.checkAvailable(option: "--aux")
            set = try ExperimentConfig.dataSource(path).load(loadOptions)
        }
        guard set.count > 0 else { throw ConfigurationError("the auxiliary set '\(source)' is empty") }
        let sized = try sizedAuxiliary(set, source)
        auxiliarySets[source] = sized
        return sized
    }

    /// `set` cut to the configured auxiliary size: a seeded random choice of its images, the same every run. The
    /// configured set must hold that many; another one switched to later that holds fewer is used whole.
    private func sizedAuxiliary(_ set: ImageSet, _ source: AuxiliarySource) throws -> ImageSet {
        guard let size = config.auxiliarySize, size < set.count else {
            if let size = config.auxiliarySize, size > set.count, source == config.attack.auxiliary {
                throw ConfigurationError("--aux-size \(size): the auxiliary set '\(source)' has only \(set.count) images")
            }
            return set
        }
        var random = RandomGenerator(seed: config.seed &+ 23)
        let chosen = Array(Array(0..<set.count).shuffled(using: &random).prefix(size)).sorted()
        return set.subset(chosen, origin: "\(size) of \(set.origin)")
    }

    /// A new, untrained inversion model for vectors released under `trainingPolicy`.
    private func newInversion(auxiliary: AuxiliarySource, trainingPolicy: ReleasePolicy) -> TrainingBasedInversion {
        TrainingBasedInversion(
            trainer: InversionTrainer(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                      trainingPolicy: trainingPolicy, seed: config.seed &+ 3),
            auxiliary: auxiliary)
    }

    /// Takes a trained inversion model from `file` as the model of auxiliary set `auxiliary` trained on vectors
    /// released under `trainingPolicy`, so that it is used instead of training one; a model trained by another
    /// engine brings its epochs (`history`, measured on victims released under `historyRelease`) and the epoch it
    /// kept. The error names `option` (the option that named the file) and the expected shape.
    public func adoptInversion(from file: URL, auxiliary: AuxiliarySource, trainingPolicy: ReleasePolicy, option: String = "--inversion",
                               history: [LabEvent] = [], historyRelease: ReleasePolicy? = nil, chosenEpoch: Int? = nil) throws {
        let attack = newInversion(auxiliary: auxiliary, trainingPolicy: trainingPolicy)
        do { try attack.trainer.model.loadState(from: file) } catch {
            throw ConfigurationError("\(option): \(error) (the settings ask for a \(config.size) px inversion model of width \(config.width) for \(config.privateClasses) classes)")
        }
        attack.history = history
        attack.historyRelease = historyRelease
        attack.chosenEpoch = chosenEpoch
        inversions[InversionKey(auxiliary: auxiliary, trainingPolicy: trainingPolicy)] = attack
    }

    /// Takes the target trained by another engine from `file`, with the epochs it reported, in place of training it.
    public func adoptClassifier(from file: URL, history: [LabEvent]) throws {
        do { try classifier.model.loadState(from: file) } catch {
            throw ConfigurationError("the trained classifier: \(error)")
        }
        classifierHistory = history
    }

    /// The context an attack on this experiment's target gets, with `auxiliary` as background knowledge.
    public func context(auxiliary: AuxiliarySource, epochs: Int? = nil,
                        epochEnded: @escaping (Int, Float, Double) throws -> Void = { _, _, _ in }) throws -> AttackContext {
        AttackContext(target: .blackBox(api), auxiliary: try auxiliarySet(auxiliary), auxiliarySource: auxiliary,
                      budget: AttackBudget(epochs: epochs ?? config.epochsInversion, batch: config.batch),
                      modelWidth: config.width, seed: config.seed &+ 5, observe: { try self.observe($0) }, checkpoint: { try self.checkpoint() },
                      epochEnded: epochEnded)
    }

    /// The context of a white-box attack on this experiment's target: the model itself beside its service; the
    /// budget's epochs are the inversion epochs (for what the attack trains, such as a GAN prior).
    public func whiteBoxContext(auxiliary: AuxiliarySource) throws -> AttackContext {
        AttackContext(target: .whiteBox(classifier.model, api), auxiliary: try auxiliarySet(auxiliary), auxiliarySource: auxiliary,
                      budget: AttackBudget(epochs: config.epochsInversion, batch: config.batch), modelWidth: config.width,
                      seed: config.seed &+ 31,
                      observe: { try self.observe($0) }, checkpoint: { try self.checkpoint() })
    }

    /// The inversion model the attack `settings` need (their auxiliary set and training release), its epochs
    /// measured on the victims released as the settings say.
    public func inversion(for settings: AttackSettings, checkpoints: Bool = false) throws -> TrainingBasedInversion {
        try inversion(auxiliary: settings.auxiliary, trainingPolicy: settings.trainingPolicy,
                      victimRelease: settings.victimRelease, checkpoints: checkpoints)
    }

    /// The inversion model trained on auxiliary set `auxiliary` with vectors released under `trainingPolicy`:
    /// trained for the configured epochs the first time, reused afterwards. After each epoch the victims' MSE under
    /// `victimRelease` (by default the training policy) is measured and reported; with `checkpoints` the model is
    /// also written to the run folder.
    public func inversion(auxiliary: AuxiliarySource, trainingPolicy: ReleasePolicy, victimRelease: ReleasePolicy? = nil,
                          checkpoints: Bool = false) throws -> TrainingBasedInversion {
        let key = InversionKey(auxiliary: auxiliary, trainingPolicy: trainingPolicy)
        if let trained = inversions[key] { return trained }
        let attack = newInversion(auxiliary: auxiliary, trainingPolicy: trainingPolicy)
        let context = try context(auxiliary: auxiliary) { epoch, loss, heldOut in
            let (train, test) = try self.victimErrors(of: attack, policy: victimRelease ?? trainingPolicy)
            let event = LabEvent.inversionEpoch(epoch: epoch, auxiliaryMSE: loss, heldOutMSE: heldOut, victimTrainMSE: train,
                                                victimTestMSE: test)
            attack.history.append(event)
            attack.historyRelease = victimRelease ?? trainingPolicy
            if checkpoints { try self.checkpoint(attack.trainer.model, as: "inversion") }
            try self.observe(event)
        }
        inversionInTraining = attack
        defer { inversionInTraining = nil }
        try attack.prepare(context)
        inversions[key] = attack
        return attack
    }

    /// Training-class inference as the paper does it: the decoder trained on top-1 vectors of `auxiliary` (trained
    /// when missing) decodes a one-hot vector for each private class; `[classes, 1, size, size]`.
    public func classInference(auxiliary: AuxiliarySource) throws -> Tensor {
        let attack = try inversion(auxiliary: auxiliary, trainingPolicy: .topK(1))
        return try attack.reconstruct(classes: Array(0..<config.privateClasses), context: try context(auxiliary: auxiliary))
    }

    /// The released vectors of the first `count` images of `set` under `policy`, and `attack`'s reconstructions.
    public func reconstructions(of set: ImageSet, count: Int, policy: ReleasePolicy,
                                by attack: TrainingBasedInversion) throws -> (vectors: Tensor, images: Tensor) {
        let indices = Array(0..<min(count, set.count))
        let vectors = try api.query(set, indices, policy: policy, from: .victims, checkpoint: checkpoint)
        return (vectors, try attack.decode(vectors, checkpoint: checkpoint))
    }

    /// Per-pixel MSE of `attack`'s reconstructions of every classifier-train and classifier-test victim released
    /// under `policy`.
    public func victimErrors(of attack: TrainingBasedInversion, policy: ReleasePolicy) throws -> (train: Double, test: Double) {
        let context = try context(auxiliary: attack.auxiliary)
        var errors: [Double] = []
        for set in [split.classifierTrain, split.classifierTest] {
            let indices = Array(0..<set.count)
            errors.append(reconstructionError(try attack.reconstruct(victims: set, indices: indices, release: policy, context: context),
                                              set, indices))
        }
        return (errors[0], errors[1])
    }

    /// The victims' MSE under the attack `settings` at their model's chosen epoch, without evaluating again;
    /// evaluated when the model has no epochs (a loaded model, or one trained for 0 epochs).
    public func finalVictimErrors(_ settings: AttackSettings) throws -> (train: Double, test: Double) {
        let attack = try inversion(for: settings)
        if attack.historyRelease == settings.victimRelease, case let .inversionEpoch(_, _, _, train, test)? = attack.chosenRecord {
            return (train, test)
        }
        return try victimErrors(of: attack, policy: settings.victimRelease)
    }

    /// The malicious developer's attack: classifier and inversion model trained jointly on the private training
    /// data (loss = NLL + `weight` · MSE) for `epochs`, then the victims released under `policy` by the jointly
    /// trained classifier and reconstructed by its partner. Returns the joint classifier's test accuracy and the
    /// victims' MSE.
    public func jointAttack(weight: Float, epochs: Int, policy: ReleasePolicy) throws -> (testAccuracy: Double, train: Double, test: Double) {
        let joint = try JointTrainer(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                 releasePolicy: policy, weight: weight, seed: config.seed &+ 11)
        try observe(.stage("training classifier and inversion model jointly (λ = \(weight))"))
        let steps = (split.classifierTrain.count + config.batch - 1) / config.batch
        for epoch in stride(from: 1, through: epochs, by: 1) {
            try joint.trainEpoch(on: split.classifierTrain, batch: config.batch, rng: &rng) { step, loss in
                try self.observe(.step(model: .classifier, epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss))
            }
        }
        let service = ReleaseAPI(classifier: joint.classifier.model, classes: config.privateClasses, seed: config.seed &+ 13)
        var errors: [Double] = []
        for set in [split.classifierTrain, split.classifierTest] {
            let indices = Array(0..<set.count)
            let vectors = try service.query(set, indices, policy: policy, from: .victims, checkpoint: checkpoint)
            errors.append(reconstructionError(try joint.inversion.reconstruct(vectors, checkpoint: checkpoint), set, indices))
        }
        return (try joint.classifier.accuracy(on: split.classifierTest, checkpoint: checkpoint), errors[0], errors[1])
    }
}
