import Datasets
import Foundation
import NeuralNet

/// Ends a sweep that a newer one replaced.
private struct SupersededSweep: Error {}

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
    private var sweepRows: [TruncationSweep.Row] = []
    /// Counts sweeps asked for: a sweep whose number is no longer the latest stops and delivers nothing more.
    private var sweepNumber = 0
    private var classes: ClassImages?
    /// The white-box runs so far (under the lock).
    var whiteBox: WhiteBoxRuns?
    /// GMI's and KEDMI's GANs (by kind) and LOMMA's students once trained or loaded for the white-box runs'
    /// auxiliary set, shared by them (session thread only).
    var attackerModels: (priors: [GenerativePrior.Kind: GenerativePrior], students: [Sequential]) = ([:], [])
    private var loadedClassifier: (train: Double, test: Double)?
    /// The inversion model the victims were last rendered with, and the release they were rendered under (used
    /// only on the session thread).
    private var rendered: (model: TrainingBasedInversion, release: ReleasePolicy)?
    private let experiment: Experiment
    /// How many victims of the test split are shown: the first ones.
    public let victimCount: Int
    /// Images in the auxiliary set the session started with (loaded with the experiment, before the thread starts).
    public let startingAuxiliaryImages: Int
    /// The release and attacker settings in force: the experiment's, with the live changes made since.
    private var attack: AttackSettings
    /// The shown victims' softmax vectors before any release policy, asked of the service once: the target does not
    /// change during a session, so a new release applies to these without running the classifier again (session
    /// thread only).
    private var victimSoftmax: Tensor?
    /// Drives the noise policy on the victims' vectors (session thread only).
    private var releaseRandom: RandomGenerator

    /// Takes over a prepared experiment (data loaded, settings checked) and starts on a new thread at once: trains
    /// the classifier when `trainClassifier` (otherwise it was loaded), then the inversion model, unless one was
    /// adopted. The session becomes the experiment's observer.
    /// `victimCount` limits the victims shown (all of the test split by default).
    public init(_ lab: Experiment, trainClassifier: Bool, victimCount: Int? = nil) {
        self.victimCount = min(victimCount ?? lab.split.classifierTest.count, lab.split.classifierTest.count)
        startingAuxiliaryImages = (try? lab.auxiliarySet(lab.config.attack.auxiliary).count) ?? 0
        experiment = lab
        attack = lab.config.attack
        releaseRandom = RandomGenerator(seed: lab.config.seed &+ 17)
        lab.observe = { [unowned self] event in try self.report(event) }
        // Between any two batches: stop when cancelled, and run what must not wait for the batch loop to end (a
        // new release re-renders the victims at once).
        lab.checkpoint = { [unowned self] in
            try self.stopIfCancelled()
            try self.runUrgentActions()
        }
        // The thread keeps the session alive until it ends (after `cancel`).
        let thread = Thread { self.work(trainClassifier: trainClassifier) }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Loads the data of `config` on the calling thread (so bad settings throw here, before anything starts), then
    /// starts as `init(_:trainClassifier:victimCount:)` does.
    public convenience init(_ config: ExperimentConfig, classifierFile: URL? = nil, victimCount: Int? = nil) throws {
        self.init(try Experiment(config, classifierFile: classifierFile), trainClassifier: classifierFile == nil,
                  victimCount: victimCount)
    }

    /// The settings the session was started with.
    public var config: ExperimentConfig { experiment.config }

    /// The current state.
    public var currentState: State { locked { state } }

    /// The release and attacker settings in force (changes apply at once here; models follow in the background).
    public var currentAttack: AttackSettings { locked { attack } }

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
    public var currentSweep: [TruncationSweep.Row] { locked { sweepRows } }

    /// The latest class inference, once asked for and computed.
    public var currentClassImages: ClassImages? { locked { classes } }

    /// The white-box attacks run so far, the one running included.
    public var currentWhiteBox: WhiteBoxRuns? { locked { whiteBox } }

    /// A loaded classifier's accuracy on the private train and test split, once measured.
    public var loadedClassifierAccuracy: (train: Double, test: Double)? { locked { loadedClassifier } }

    public func pause() { locked { pauseRequested = true } }

    public func resume() {
        locked {
            pauseRequested = false
            condition.broadcast()
        }
    }

    /// Stops the work in hand within one batch and waits, at most `seconds`, for the session's thread to finish, so
    /// that nothing is left computing when the program exits.
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

    /// Puts `settings` in force. A new victims' release re-renders the victims at once with the current model; then
    /// the model the settings need is trained in the background, or reused.
    public func changeAttack(_ settings: AttackSettings) {
        let releaseChanged = locked {
            defer { attack = settings }
            return attack.victimRelease != settings.victimRelease
        }
        if releaseChanged {
            // The instant part runs between training steps, so it does not wait for a model's training to end.
            enqueueBetweenSteps { lab in
                if let model = self.rendered?.model { try self.render(lab, with: model) }
            }
        }
        enqueue { lab in try self.render(lab) }
    }

    /// Reconstructs the victims under each of `policies`, one row a policy, as in the paper's truncation figure
    /// (see `TruncationSweep`): with training like the victims', each row uses its own model, trained in the
    /// background when missing, so rows appear one by one. A new sweep replaces one still running.
    public func sweep(_ policies: [ReleasePolicy]) {
        let number = locked {
            sweepNumber += 1
            sweepRows = []
            return sweepNumber
        }
        enqueue { lab in
            let settings = self.locked { self.attack }
            do {
                try TruncationSweep.run(lab, auxiliary: settings.auxiliary, trainingRelease: settings.trainingRelease,
                                        policies: policies, shown: self.victimCount) { row in
                    try self.locked {
                        guard number == self.sweepNumber else { throw SupersededSweep() }
                        self.sweepRows.append(row)
                    }
                }
            } catch is SupersededSweep {}
        }
    }

    /// Trains the inversion model `settings` need, in the background after the work in hand, without showing it,
    /// so that switching to them later is instant.
    public func prepare(_ settings: AttackSettings) {
        enqueue { lab in _ = try lab.inversion(for: settings) }
    }

    /// Computes training-class inference for the current auxiliary set (training its top-1 model when missing).
    public func inferClasses() {
        enqueue { lab in
            let auxiliary = self.locked { self.attack.auxiliary }
            let images = try lab.classInference(auxiliary: auxiliary)
            self.locked { self.classes = ClassImages(auxiliary: auxiliary, images: images) }
        }
    }

    /// Writes the run folder as `run` would for the model the victims are shown with (see `Experiment.writeRun`),
    /// once the work in hand is done; a `.stage` event says where, or what went wrong.
    public func save(to folder: URL) {
        enqueue { lab in
            do {
                let run = try RunFolder(folder)
                try run.create()
                let settings = self.locked { self.attack }
                let (model, release) = try self.rendered ?? (lab.inversion(for: settings), settings.victimRelease)
                try lab.writeRun(to: run, attack: model,
                                 settings: lab.settings(of: model, victimRelease: release, trainingRelease: settings.trainingRelease))
                try run.saveState(.complete)
                self.locked { self.pending.append(.stage("saved the run folder \(folder.path)")) }
            } catch let error as CancellationError {
                throw error
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
                let accuracy = (try lab.classifierAccuracy(on: lab.split.classifierTrain), try lab.classifierAccuracy(on: lab.split.classifierTest))
                locked { loadedClassifier = accuracy }
            }
            try render(lab)
            if try lab.readyEvaluator() == nil {
                // No evaluator ships for these settings: train one now that the attack shows, then judge with it.
                _ = try lab.evaluator()
                try render(lab)
            }
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
            // Queued work captures the session: dropping it breaks that cycle, so an ended session and its models
            // are freed (LeakSanitizer found cancelled sessions' models left behind).
            commands.removeAll()
            urgent.removeAll()
            condition.broadcast()
        }
    }

    /// Collects an event; after an inversion epoch, renders the victims with the model in training; between steps
    /// honours pause and cancel.
    private func report(_ event: LabEvent) throws {
        locked { pending.append(event) }
        try runUrgentActions()
        // Only the model the settings in force need takes over the victims: models trained for a sweep or for
        // class inference report their epochs but show nothing.
        if case .inversionEpoch = event, let model = experiment.inversionInTraining,
           locked({ model.auxiliary == attack.auxiliary && model.trainingPolicy == attack.trainingPolicy }) {
            try render(experiment, with: model)
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

    /// Throws once a cancel was asked for: the experiment calls it between any two batches.
    func stopIfCancelled() throws {
        if locked({ cancelRequested }) { throw CancellationError() }
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
        try render(lab, with: try lab.inversion(for: locked { attack }))
    }

    /// Reconstructs the victims with `model` under the current victims' release and shows them at once; the
    /// victims' MSE comes from the model's last epoch when that measured the same release, and is otherwise measured
    /// over every victim afterwards, so that a new release shows without waiting for it.
    private func render(_ lab: Experiment, with model: TrainingBasedInversion) throws {
        let release = locked { attack.victimRelease }
        rendered = (model, release)
        let test = lab.split.classifierTest
        let softmax = try victimSoftmax ?? lab.api.query(test, Array(0..<victimCount), policy: .full, from: .victims,
                                                                 checkpoint: lab.checkpoint)
        victimSoftmax = softmax
        let vectors = Tensor()
        vectors.copy(from: softmax)
        release.apply(to: vectors, rng: &releaseRandom)
        let images = try model.decode(vectors, checkpoint: lab.checkpoint)
        var errors: (train: Double, test: Double)?
        // In training the weights are the last epoch's; afterwards the chosen epoch's.
        if model.historyRelease == release, case let .inversionEpoch(_, _, _, train, test)? = model.chosenRecord ?? model.history.last {
            errors = (train, test)
        }
        let shown = test.subset(Array(0..<min(victimCount, test.count)))
        // Only an evaluator at hand judges here: one still to train waits until the first model is done (see `work`).
        let evaluator = try lab.readyEvaluator()
        let named = try evaluator.map { judge in
            zip(try judge.judge(images, checkpoint: lab.checkpoint).rankings, shown.labels ?? []).map { $0.first == $1 }
        }
        var accuracy: Double?
        func publish() {
            locked {
                // A render that an urgent one overtook (a newer release) must not put back the older picture.
                guard attack.victimRelease == release else { return }
                victims = Victims(truths: shown, vectors: vectors, reconstructions: images, policy: release,
                                  auxiliary: model.auxiliary, trainingPolicy: model.trainingPolicy, mse: errors,
                                  named: named, accuracy: accuracy)
            }
        }
        publish()
        // The whole test split's attack accuracy costs a pass of the evaluator: measured once training has ended.
        let trained = model !== lab.inversionInTraining
        guard errors == nil || (trained && evaluator != nil) else { return }
        if errors == nil { errors = try lab.victimErrors(of: model, policy: release) }
        if trained, evaluator != nil { accuracy = try lab.testVictimGrade(of: model, policy: release).accuracyTop1 }
        publish()
    }

    /// Runs `action` on the session thread at the next step, or at once when idle: saving and re-rendering must not
    /// wait for a model's training to end.
    private func enqueueBetweenSteps(_ action: @escaping (Experiment) throws -> Void) {
        locked {
            guard !finished else { return }
            urgent.append(action)
            commands.append { _ in }
            condition.broadcast()
        }
    }

    func enqueue(_ command: @escaping (Experiment) throws -> Void) {
        locked {
            guard !finished else { return }
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

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }
}
