import Foundation
import Lab
import Terminal

/// The interactive workbench: a live view of a `LabSession` with keys to change what the service releases and what
/// the attacker knows, and a setup screen that restarts the experiment with new settings. It draws into a cell
/// buffer; only `Screen` talks to the terminal.
public final class WorkbenchApp {
    /// What the main area shows.
    enum View {
        case dashboard, victim, sweep, classInference, whiteBox, setup, help
    }

    /// How the session now running was started.
    var launch: WorkbenchLaunch
    var session: LabSession
    var record: TrainingRecord
    var view = View.dashboard
    /// The view to go back to from help and setup.
    var previousView = View.dashboard
    var form: SetupForm
    var selectedVictim = 0
    /// The class selected in the class-inference view.
    var selectedClass = 0
    /// The identity selected in the white-box view (a position among its identities).
    var selectedIdentity = 0
    /// The white-box attacks g has asked for, and with which auxiliary set: each press queues the next one.
    var whiteBoxRequests: (auxiliary: AuxiliarySource?, attacks: [ComparedAttack]) = (nil, [])
    /// The settings of the white-box attacks g runs: the papers' own.
    var optimisationSettings = (fredrikson: FredriksonAttack.Settings(), gmi: GMIAttack.Settings())
    /// A line for the user beside the progress bar; it fades after `messageSeconds` unless a question waits.
    var message = "" { didSet { messageShownAt = Date() } }
    var messageShownAt = Date.distantPast
    static let messageSeconds = 8.0
    var confirmingQuit = false
    var paused = false
    let ascii: Bool
    /// Where `s` saves the run folder and `e` exports views.
    let outputFolder: URL
    var exports = 0
    /// The classroom tour, while it runs.
    var tour: Tour?
    /// The victims the gallery showed last, which `e` exports.
    var shownVictims: Range<Int> = 0..<0
    /// A restart the setup asked for, with the fields that changed, waiting for the next frame to be drawn.
    var pendingRestart: (WorkbenchLaunch, [SetupForm.Field])?

    /// Takes over a started session (see `WorkbenchLaunch.startSession`).
    /// With `tour`, the classroom tour starts at its first step.
    public init(launch: WorkbenchLaunch, session: LabSession, ascii: Bool = false, outputFolder: URL, tour: Bool = false) {
        self.launch = launch
        self.session = session
        self.ascii = ascii
        self.outputFolder = outputFolder
        record = TrainingRecord(batch: launch.config.batch, saved: launch.history)
        form = SetupForm(launch.config, presetName: launch.presetName)
        if tour { startTour() }
    }

    /// Starts the tour at its first step and queues the models its later steps need.
    func startTour() {
        let tour = Tour(from: session.currentAttack, auxiliaryImages: session.startingAuxiliaryImages)
        self.tour = tour
        for settings in tour.settingsNeeded { session.prepare(settings) }
        showTourStep()
    }

    /// Puts the current tour step's settings and view on screen.
    func showTourStep() {
        guard let step = tour?.current else { return }
        if step.attack != session.currentAttack { session.changeAttack(step.attack) }
        view = step.view
        if view == .classInference { session.inferClasses() }
    }

    /// Runs until the user quits or the terminal hangs up; the terminal is restored on every way out.
    public func run() {
        let screen = Screen(ascii: ascii)
        defer { screen.close() }
        var lastFrame = Date.distantPast
        while true {
            absorbEvents()
            if Date().timeIntervalSince(lastFrame) >= 0.066 {
                let (width, height) = screen.size
                screen.draw(frame(width: width, height: height, depth: screen.depth))
                lastFrame = Date()
                performPendingRestart()
            }
            guard let key = screen.readKey(milliseconds: 30) else {
                if screen.isHungUp { break }
                continue
            }
            if !handle(key) { break }
        }
        session.cancel()
    }

    /// Moves the session's news into the record.
    func absorbEvents() {
        for event in session.takeEvents() { record.absorb(event) }
    }

    /// The settings in force: the session's, with the live changes (victims' release, auxiliary set, training
    /// release) made since.
    var settings: ExperimentConfig {
        var config = session.config
        config.attack = session.currentAttack
        return config
    }

    var isTraining: Bool {
        [.preparing, .training, .paused].contains(session.currentState)
    }

    /// Applies the setup form: release and attacker changes go to the running session; any other change starts a
    /// new session with the new settings (the running one goes on if they are wrong).
    func applySetup() {
        let changed = form.changedFields(from: settings)
        guard !changed.isEmpty else {
            message = "nothing changed"
            return
        }
        if changed.allSatisfy(\.appliesLive) {
            do { try form.config.validate() } catch {
                message = "\(error)"
                return
            }
            // One change for all three, so that only the model they need together is trained.
            session.changeAttack(form.config.attack)
            message = "applied: " + changed.map(\.label).joined(separator: ", ")
            view = .dashboard
            return
        }
        pendingRestart = (launch.relaunch(with: form.config, presetName: form.presetName), changed)
        message = "loading \(form.config.data) for the new settings…"
    }

    /// Starts the session the setup asked for, in place of the running one (which goes on if the new settings turn
    /// out wrong). The run loop calls it after drawing, so the screen says what is loading meanwhile.
    func performPendingRestart() {
        guard let (next, changed) = pendingRestart else { return }
        pendingRestart = nil
        do {
            let started = try next.startSession()
            session.cancel()
            session = started
            launch = next
            record = TrainingRecord(batch: next.config.batch)
            paused = false
            selectedVictim = 0
            message = "restarted with new " + changed.map(\.label).joined(separator: ", ")
            view = .dashboard
        } catch {
            message = "not restarted: \(error)"
        }
    }
}
