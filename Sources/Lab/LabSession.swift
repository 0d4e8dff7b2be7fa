import Datasets
import Foundation
import NeuralNet

/// An experiment a front end drives: it trains on its own thread, collects events for the front end to read at its
/// own pace, and takes commands (pause, resume, cancel, change the victims' release, switch auxiliary set or
/// training release) between steps. Nothing here knows about terminals.
public final class LabSession: @unchecked Sendable {
    /// What the session is doing.
    public enum State: Sendable, Equatable {
        case preparing, training, paused, ready, cancelled
        case failed(String)
    }

    private let condition = NSCondition()
    private var state = State.preparing
    private var pending: [LabEvent] = []
    /// Actions run between training steps (or when idle), before queued commands.
    private var urgent: [(Experiment) throws -> Void] = []
    private var commands: [(Experiment) throws -> Void] = []
    private var cancelRequested = false
    /// Set when the session's thread has ended.
    private var finished = false
    private var pauseRequested = false
    private var victims: Victims?
    private var sweepRows: [SweepRow] = []
    private var loadedClassifier: (train: Double, test: Double)?
    /// The inversion model the victims were last rendered with, and the experiment (both used only on the session
    /// thread).
    private var currentModel: InversionTrainer?
    private let experiment: Experiment
    /// How many victims of the test split are shown.
    public let victimCount: Int
    private var policy: ReleasePolicy?
    private var auxiliary: String
    private var trainingPolicyText: String

    /// Takes over a prepared experiment (data loaded, settings checked) and starts on a new thread at once: trains
    /// the classifier when `trainClassifier` (otherwise it was loaded), then the inversion model, unless one was
    /// adopted. The session becomes the experiment's observer.
    public init(_ lab: Experiment, trainClassifier: Bool, victimCount: Int = 8) {
        self.victimCount = victimCount
        experiment = lab
        auxiliary = lab.config.aux
        trainingPolicyText = lab.config.trainTruncation
        lab.observe = { [unowned self] event in try self.report(event) }
        // The thread keeps the session alive until it ends (after `cancel`).
        let thread = Thread { self.work(trainClassifier: trainClassifier) }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Loads the data of `config` on the calling thread (so bad settings throw here, before anything starts), then
    /// starts as `init(_:trainClassifier:victimCount:)` does.
    public convenience init(_ config: ExperimentConfig, classifierFile: URL? = nil, victimCount: Int = 8) throws {
        self.init(try Experiment(config, classifierFile: classifierFile), trainClassifier: classifierFile == nil,
                  victimCount: victimCount)
    }

    /// The current state.
    public var currentState: State { locked { state } }

    /// The events since the last call, oldest first.
    public func takeEvents() -> [LabEvent] {
        locked {
            defer { pending.removeAll() }
            return pending
        }
    }

    /// The newest victims' reconstructions, once an inversion model exists.
    public var currentVictims: Victims? { locked { victims } }

    /// The rows of the latest truncation sweep, as far as it has come.
    public var currentSweep: [SweepRow] { locked { sweepRows } }

    /// A loaded classifier's accuracy on the private train and test split, once measured.
    public var loadedClassifierAccuracy: (train: Double, test: Double)? { locked { loadedClassifier } }

    public func pause() { locked { pauseRequested = true } }

    public func resume() {
        locked {
            pauseRequested = false
            condition.broadcast()
        }
    }

    /// Stops training at the next step and waits, at most `seconds`, for the session's thread to finish, so that
    /// nothing is left computing when the program exits.
    public func cancel(waitingUpTo seconds: TimeInterval = 60) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        cancelRequested = true
        condition.broadcast()
        while !finished {
            if !condition.wait(until: deadline) { break }
        }
    }

    /// Releases the victims under `policy` and reconstructs them at once with the current model; when training is
    /// aligned, then switches to the model aligned with `policy` (trained in the background, or reused).
    public func setVictimPolicy(_ policy: ReleasePolicy) {
        // The instant part runs between training steps, so it does not wait for a model's training to end.
        enqueueBetweenSteps { lab in
            self.locked { self.policy = policy }
            if let model = self.currentModel { try self.render(lab, with: model) }
        }
        enqueue { lab in try self.render(lab) }
    }

    /// Switches the attacker's background knowledge or training release ("aligned", "all" or a policy), and the
    /// victims' release when `victimPolicy` is given, training the one inversion model these need in the
    /// background, or reusing one trained before.
    public func switchInversion(auxiliary: String, trainTruncation: String, victimPolicy: ReleasePolicy? = nil) {
        enqueue { lab in
            self.locked {
                self.auxiliary = auxiliary
                self.trainingPolicyText = trainTruncation
                if let victimPolicy { self.policy = victimPolicy }
            }
            try self.render(lab)
        }
    }

    /// Reconstructs the victims under each of `policies`, one row a policy, as in the paper's truncation figure.
    /// With aligned training each row uses the model trained on its own policy (trained in the background when
    /// missing, so rows appear one by one); otherwise every row uses the current model.
    public func sweep(_ policies: [ReleasePolicy]) {
        locked { sweepRows = [] }
        enqueue { lab in
            let aligned = self.locked { self.trainingPolicyText == "aligned" }
            for policy in policies {
                let model = try aligned ? lab.inversionModel(auxiliary: self.locked { self.auxiliary }, trainingPolicy: policy)
                    : self.currentModel ?? lab.inversion
                let (_, images) = try lab.reconstructions(of: lab.split.classifierTest, count: self.victimCount, policy: policy, by: model)
                let errors = try lab.victimErrors(of: model, policy: policy)
                self.locked {
                    self.sweepRows.append(SweepRow(policy: policy, trainingPolicy: model.trainingPolicy, reconstructions: images,
                                                   mse: errors))
                }
            }
            // Models trained for the sweep showed their epochs on the way; the victims go back to the current one.
            if aligned { try self.render(lab) }
        }
    }

    /// Writes the run folder (config.json, metrics.csv, both models, reconstruction and class grids) between steps;
    /// a `.stage` event says where, or what went wrong.
    public func save(to folder: URL) {
        enqueueBetweenSteps { lab in
            do {
                let run = try RunFolder(folder)
                try run.saveConfig(lab.config)
                try run.saveMetrics(lab.history)
                try run.saveModel(lab.classifier.model, as: "classifier")
                if let model = self.currentModel {
                    try run.saveModel(model.model, as: "inversion")
                    let test = lab.split.classifierTest
                    let victims = try lab.reconstructions(of: test, count: 32, by: model)
                    try run.saveReconstructionGrid(truths: test, reconstructions: victims.images, name: "reconstructions_test.png")
                    try run.saveClassGrid(try model.classRepresentatives(classes: lab.config.privateClasses), name: "class_inference.png")
                }
                self.locked { self.pending.append(.stage("saved the run folder \(folder.path)")) }
            } catch {
                self.locked { self.pending.append(.stage("could not save: \(error)")) }
            }
        }
    }

    /// Waits until the session is ready, cancelled or failed, or `timeout` seconds pass; returns the state.
    @discardableResult
    public func waitUntilSettled(timeout: TimeInterval) -> State {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !finished && (!commands.isEmpty || [.preparing, .training, .paused].contains(state)) {
            if !condition.wait(until: deadline) { break }
        }
        return state
    }

    // MARK: - The session thread

    private func work(trainClassifier: Bool) {
        let lab = experiment
        do {
            set(.training)
            if trainClassifier {
                try lab.trainClassifier()
            } else {
                try report(.stage("measuring the loaded classifier"))
                let accuracy = (try lab.classifier.accuracy(on: lab.split.classifierTrain), try lab.classifier.accuracy(on: lab.split.classifierTest))
                locked { loadedClassifier = accuracy }
            }
            try render(lab)
            set(.ready)
            // Idle: run commands as they come, until cancelled.
            while true {
                condition.lock()
                while commands.isEmpty && !cancelRequested { condition.wait() }
                if cancelRequested {
                    condition.unlock()
                    throw CancellationError()
                }
                let command = commands.removeFirst()
                state = .training
                condition.unlock()
                try runUrgentActions()
                try command(lab)
                set(.ready)
            }
        } catch is CancellationError {
            set(.cancelled)
        } catch {
            set(.failed("\(error)"))
        }
        locked {
            finished = true
            condition.broadcast()
        }
    }

    /// Collects an event; after an inversion epoch, renders the victims with the model in training; between steps
    /// honours pause and cancel.
    private func report(_ event: LabEvent) throws {
        locked { pending.append(event) }
        try runUrgentActions()
        if case let .inversionEpoch(_, _, train, test) = event, let model = experiment.inversionInTraining {
            try render(experiment, with: model, knownErrors: (train, test))
        }
        condition.lock()
        defer { condition.unlock() }
        while pauseRequested && !cancelRequested {
            state = .paused
            condition.broadcast()
            condition.wait()
        }
        if state == .paused { state = .training }
        if cancelRequested { throw CancellationError() }
    }

    private func runUrgentActions() throws {
        let actions: [(Experiment) throws -> Void] = locked {
            defer { urgent.removeAll() }
            return urgent
        }
        for action in actions { try action(experiment) }
    }

    /// Trains (or reuses) the inversion model for the current settings and reconstructs the victims.
    private func render(_ lab: Experiment) throws {
        let (auxiliary, trainingText, chosen) = locked { (self.auxiliary, self.trainingPolicyText, self.policy) }
        let victimPolicy = chosen ?? lab.victimPolicy
        let trainingPolicy: ReleasePolicy
        if trainingText == "aligned" {
            trainingPolicy = victimPolicy
        } else if let parsed = ReleasePolicy(trainingText) {
            trainingPolicy = parsed
        } else {
            throw ConfigurationError("training truncation '\(trainingText)' is not aligned, all or a policy")
        }
        try render(lab, with: try lab.inversionModel(auxiliary: auxiliary, trainingPolicy: trainingPolicy))
    }

    /// Reconstructs the victims with `model` under the current victim policy; `knownErrors` spares computing the
    /// victims' MSE when the caller has it.
    private func render(_ lab: Experiment, with model: InversionTrainer, knownErrors: (Double, Double)? = nil) throws {
        let (auxiliary, chosen) = locked { (self.auxiliary, self.policy) }
        let victimPolicy = chosen ?? lab.victimPolicy
        currentModel = model
        let test = lab.split.classifierTest
        let (vectors, images) = try lab.reconstructions(of: test, count: victimCount, policy: victimPolicy, by: model)
        let errors = try knownErrors ?? lab.victimErrors(of: model, policy: victimPolicy)
        let classImages = try model.classRepresentatives(classes: lab.config.privateClasses)
        let shown = test.subset(Array(0..<min(victimCount, test.count)))
        locked {
            victims = Victims(truths: shown, vectors: vectors, reconstructions: images, policy: victimPolicy,
                              auxiliary: auxiliary, trainingPolicy: model.trainingPolicy, mse: errors, classImages: classImages)
        }
    }

    /// Runs `action` on the session thread at the next step, or at once when idle: saving and re-rendering must not
    /// wait for a model's training to end.
    private func enqueueBetweenSteps(_ action: @escaping (Experiment) throws -> Void) {
        locked {
            urgent.append(action)
            commands.append { _ in }
            condition.broadcast()
        }
    }

    private func enqueue(_ command: @escaping (Experiment) throws -> Void) {
        locked {
            commands.append(command)
            condition.broadcast()
        }
    }

    private func set(_ newState: State) {
        locked {
            state = newState
            condition.broadcast()
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }
}
