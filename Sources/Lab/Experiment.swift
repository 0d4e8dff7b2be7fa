import Datasets
import Foundation
import NeuralNet

/// One run of the paper's attack: the target classifier trained (or loaded) on the private data, its release API,
/// the attacker's inversion model trained on the auxiliary set's released vectors, and the victims' reconstructions.
public final class Experiment {
    public let config: ExperimentConfig
    public let split: PaperSplit
    /// The configured auxiliary set.
    public let auxiliary: ImageSet
    public let classifier: ClassifierTrainer
    /// The inversion model of the configured auxiliary set and training release, once trained.
    public private(set) var inversion: InversionTrainer
    public let api: ReleaseAPI
    public let victimPolicy: ReleasePolicy
    public let trainingPolicy: ReleasePolicy
    /// Where checkpoints and results go, when set.
    public let runFolder: RunFolder?
    /// Told of every stage, step and epoch; a front end that takes over a prepared experiment sets its own.
    public var observe: (LabEvent) throws -> Void
    private var rng: RandomGenerator
    /// The inversion model being trained right now, for snapshots between its epochs.
    public private(set) var inversionInTraining: InversionTrainer?
    /// Per-epoch figures, for metrics.csv.
    public private(set) var history: [LabEvent] = []
    /// Loaded data sets and trained inversion models, kept so that switching back to one is instant.
    private var loadOptions: DataSource.Options
    private var auxiliarySets: [String: ImageSet] = [:]
    private var trainedInversions: [String: InversionTrainer] = [:]

    /// Loads the data and checks every setting against it before any training. `classifierFile` loads a trained
    /// target instead of training one.
    public init(_ config: ExperimentConfig, classifierFile: URL? = nil, runFolder: RunFolder? = nil,
                observe: @escaping (LabEvent) throws -> Void = { _ in }) throws {
        try config.validate()
        self.config = config
        self.runFolder = runFolder
        self.observe = observe
        rng = RandomGenerator(seed: config.seed)
        var options = DataSource.Options(size: config.size, crop: config.celebaCrop ? .celebAFace : nil)
        options.seed = config.seed
        options.frontalIdentities = config.privateClasses
        options.syntheticPhotos = config.syntheticPhotos
        loadOptions = options
        try observe(.stage("loading \(config.data)"))
        var data = try DataSource(spec: config.data).load(options)
        if config.minMaxScaling { data = ImageProcessing.minMaxScaled(data) }
        split = try PaperSplit(data, privateClasses: config.privateClasses, seed: config.seed)
        auxiliary = try Experiment.auxiliarySet(config.aux, split: split, config: config, options: options)
        victimPolicy = try config.victimPolicy(classes: config.privateClasses)
        trainingPolicy = try config.trainingPolicy(classes: config.privateClasses)
        classifier = ClassifierTrainer(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                       seed: config.seed)
        if let classifierFile {
            do { try classifier.model.loadState(from: classifierFile) } catch {
                throw ConfigurationError("--classifier: \(error) (the settings ask for a \(config.size) px classifier of width \(config.width) with \(config.privateClasses) classes)")
            }
        }
        api = ReleaseAPI(classifier: classifier.model, classes: config.privateClasses, seed: config.seed &+ 7)
        inversion = InversionTrainer(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                     trainingPolicy: trainingPolicy, seed: config.seed &+ 3)
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
                                                 trainAccuracy: try classifier.accuracy(on: split.classifierTrain),
                                                 testAccuracy: try classifier.accuracy(on: split.classifierTest))
            try checkpoint(classifier.model, as: "classifier")
            history.append(event)
            try observe(event)
        }
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

    /// The auxiliary set `spec` names: a kind (`same`, `generic`, `distinct`, `aligned`, `augmented`) or a path.
    private static func auxiliarySet(_ spec: String, split: PaperSplit, config: ExperimentConfig,
                                     options: DataSource.Options) throws -> ImageSet {
        let set: ImageSet
        switch AuxiliaryKind(rawValue: spec) {
        case .distinct: set = try DataSource(spec: config.distinct).load(options)
        case .some(let kind): set = try split.auxiliary(kind)
        case nil: set = try DataSource(spec: spec).load(options)
        }
        guard set.count > 0 else { throw ConfigurationError("the auxiliary set '\(spec)' is empty") }
        return set
    }

    /// The auxiliary set `spec` names, loaded once.
    public func auxiliarySet(_ spec: String) throws -> ImageSet {
        if spec == config.aux { return auxiliary }
        if let set = auxiliarySets[spec] { return set }
        let set = try Experiment.auxiliarySet(spec, split: split, config: config, options: loadOptions)
        auxiliarySets[spec] = set
        return set
    }

    /// Takes a trained inversion model from `file` as the model of auxiliary set `spec` and the configured training
    /// release, so that it is used instead of training one. The error names the option and the expected shape.
    public func adoptInversion(from file: URL, auxiliary spec: String) throws {
        let trainer = InversionTrainer(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                       trainingPolicy: trainingPolicy, seed: config.seed &+ 3)
        do { try trainer.model.loadState(from: file) } catch {
            throw ConfigurationError("--inversion: \(error) (the settings ask for a \(config.size) px inversion model of width \(config.width) for \(config.privateClasses) classes)")
        }
        trainedInversions[Experiment.inversionKey(spec, trainingPolicy)] = trainer
        if spec == config.aux { inversion = trainer }
    }

    private static func inversionKey(_ spec: String, _ trainingPolicy: ReleasePolicy) -> String { "\(spec)|\(trainingPolicy)" }

    /// Trains the configured inversion model (auxiliary set and training release from the settings).
    public func trainInversion() throws {
        inversion = try inversionModel(auxiliary: config.aux, trainingPolicy: trainingPolicy, recordHistory: true)
    }

    /// The inversion model trained on auxiliary set `spec` with vectors released under `trainingPolicy`: trained
    /// for the configured epochs the first time, reused afterwards.
    public func inversionModel(auxiliary spec: String, trainingPolicy: ReleasePolicy,
                               recordHistory: Bool = false) throws -> InversionTrainer {
        let key = Experiment.inversionKey(spec, trainingPolicy)
        if let trained = trainedInversions[key] { return trained }
        let set = try auxiliarySet(spec)
        let trainer = InversionTrainer(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                       trainingPolicy: trainingPolicy, seed: config.seed &+ 3)
        let epochs = config.epochsInversion
        try observe(.stage("querying the classifier with \(set.count) auxiliary images (\(spec))"))
        let vectors = try api.query(set, Array(0..<set.count), policy: trainingPolicy)
        try observe(.stage("training the inversion model on \(spec) images (vectors released: \(trainingPolicy))"))
        let steps = (set.count + config.batch - 1) / config.batch
        inversionInTraining = trainer
        defer { inversionInTraining = nil }
        for epoch in stride(from: 1, through: epochs, by: 1) {
            let loss = try trainer.trainEpoch(vectors: vectors, images: set, batch: config.batch, rng: &rng) { step, loss in
                try self.observe(.step(model: .inversion, epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss))
            }
            let (train, test) = try victimErrors(of: trainer)
            let event = LabEvent.inversionEpoch(epoch: epoch, auxiliaryMSE: loss, victimTrainMSE: train, victimTestMSE: test)
            if recordHistory {
                try checkpoint(trainer.model, as: "inversion")
                history.append(event)
            }
            try observe(event)
        }
        trainedInversions[key] = trainer
        return trainer
    }

    /// The reconstructions of the first `count` victims of `set` and their released vectors, under `policy`
    /// (the victims' policy by default), by `model` (the configured inversion model by default).
    public func reconstructions(of set: ImageSet, count: Int, policy: ReleasePolicy? = nil,
                                by model: InversionTrainer? = nil) throws -> (vectors: Tensor, images: Tensor) {
        let indices = Array(0..<min(count, set.count))
        let vectors = try api.query(set, indices, policy: policy ?? victimPolicy)
        return (vectors, try (model ?? inversion).reconstruct(vectors))
    }

    /// The victims' MSE after the configured inversion model's last epoch, without evaluating again; evaluated
    /// when no epoch was recorded (a model trained for 0 epochs).
    public func finalVictimErrors() throws -> (train: Double, test: Double) {
        for event in history.reversed() {
            if case let .inversionEpoch(_, _, train, test) = event { return (train, test) }
        }
        return try victimErrors()
    }

    /// Per-pixel MSE of the reconstructions of every classifier-train and classifier-test victim released under
    /// `policy`, by `model` (defaults as for `reconstructions`).
    public func victimErrors(of model: InversionTrainer? = nil, policy: ReleasePolicy? = nil) throws -> (train: Double, test: Double) {
        var errors: [Double] = []
        for set in [split.classifierTrain, split.classifierTest] {
            let indices = Array(0..<set.count)
            let vectors = try api.query(set, indices, policy: policy ?? victimPolicy)
            errors.append(reconstructionError(try (model ?? inversion).reconstruct(vectors), set, indices))
        }
        return (errors[0], errors[1])
    }

    /// The malicious developer's attack: classifier and inversion model trained jointly on the private training
    /// data (loss = NLL + `weight` · MSE) for `epochs`, then the victims released under the victims' policy by the
    /// jointly trained classifier and reconstructed by its partner. Returns the joint classifier's test accuracy
    /// and the victims' MSE.
    public func jointAttack(weight: Float, epochs: Int) throws -> (testAccuracy: Double, train: Double, test: Double) {
        let joint = JointTrainer(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                 releasePolicy: victimPolicy,
                                 weight: weight, seed: config.seed &+ 11)
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
            let vectors = try service.query(set, indices, policy: victimPolicy)
            errors.append(reconstructionError(try joint.inversion.reconstruct(vectors), set, indices))
        }
        return (try joint.classifier.accuracy(on: split.classifierTest), errors[0], errors[1])
    }
}
