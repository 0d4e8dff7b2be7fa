import Lab
import Terminal

extension WorkbenchApp {
    /// The victim truncations the k key cycles through (those above the class count are skipped).
    static let truncations: [ReleasePolicy] = [.topK(1), .topK(2), .topK(3), .topK(5), .topK(10), .full]

    /// The truncations that make sense for this many private classes.
    static func truncations(classes: Int) -> [ReleasePolicy] {
        truncations.filter { if case .topK(let k) = $0 { k <= classes } else { true } }
    }

    /// Acts on a key; false means quit.
    func handle(_ key: Key) -> Bool {
        if confirmingQuit {
            confirmingQuit = false
            if key == .character("y") || key == .character("q") { return false }
            message = "quit cancelled"
            return true
        }
        if view == .setup { return handleSetup(key) }
        switch key {
        case .character("q"):
            if isTraining {
                confirmingQuit = true
                message = "training is running: quit? (y/n)"
                return true
            }
            return false
        case .character(" ") where tour != nil, .backspace where tour != nil:
            if tour?.move(by: key == .backspace ? -1 : 1) == true { showTourStep() }
        case .character(" "):
            paused.toggle()
            if paused { session.pause() } else { session.resume() }
            message = paused ? "paused" : "resumed"
        case .character("k"), .character("K"):
            cycleVictimTruncation(forward: key == .character("k"))
        case .character("a"):
            var attack = session.currentAttack
            attack.auxiliary = SetupForm.cycle(attack.auxiliary, through: AuxiliarySource.kinds, offset: 1)
            session.changeAttack(attack)
            message = "auxiliary set: \(attack.auxiliary) (training or reusing its inversion model)"
        case .character("t"):
            var attack = session.currentAttack
            attack.trainingRelease = attack.trainingRelease == .likeVictims ? .fixed(.full) : .likeVictims
            session.changeAttack(attack)
            message = attack.trainingRelease == .likeVictims ? "training truncation: aligned with the victims'"
                : "training truncation: full vectors (unaligned)"
        case .left, .right:
            let step = key == .right ? 1 : -1
            if view == .classInference {
                selectedClass = max(0, min(session.config.privateClasses - 1, selectedClass + step))
            } else if view == .whiteBox {
                selectedIdentity = max(0, min((session.currentWhiteBox?.identities.count ?? 1) - 1, selectedIdentity + step))
            } else {
                selectedVictim = max(0, min(session.victimCount - 1, selectedVictim + step))
            }
        case .character("v"), .enter: toggle(.victim)
        case .character("w"):
            toggle(.sweep)
            if view == .sweep { startSweep() }
        case .character("c"):
            toggle(.classInference)
            if view == .classInference && session.currentClassImages?.auxiliary != session.currentAttack.auxiliary {
                session.inferClasses()
                message = "class inference: decoding one-hot vectors with a model trained on top-1 vectors (trained when missing)"
            }
        case .character("g"):
            if view == .whiteBox || session.currentWhiteBox == nil { runNextWhiteBoxAttack() } else { view = .whiteBox }
        case .character("o"), .function(2):
            form = SetupForm(settings, presetName: launch.presetName)
            previousView = view
            view = .setup
        case .character("s"):
            session.save(to: outputFolder)
            message = "saving to \(outputFolder.path)"
        case .character("e"):
            message = exportView()
        case .character("?"), .function(1):
            if view == .help { view = previousView } else {
                previousView = view
                view = .help
            }
        case .escape: view = .dashboard
        default: break
        }
        return true
    }

    /// Shows `target`, or the dashboard when it is already shown.
    private func toggle(_ target: View) {
        view = view == target ? .dashboard : target
    }

    /// Keys on the setup screen: ↑↓ choose a setting, ←→ step it, Enter types a value, r applies, Esc leaves.
    private func handleSetup(_ key: Key) -> Bool {
        if let typed = form.typing {
            switch key {
            case .enter:
                form.typing = nil
                do { try form.set(typed: typed) } catch { message = "\(error)" }
            case .escape: form.typing = nil
            case .backspace: form.typing = String(typed.dropLast())
            case .character(let character): form.typing = typed + String(character)
            default: break
            }
            return true
        }
        switch key {
        case .up: form.moveSelection(by: -1)
        case .down, .tab: form.moveSelection(by: 1)
        case .left, .right:
            do { try form.step(forward: key == .right) } catch { message = "\(error)" }
        case .enter: form.typing = form.value(of: form.selected)
        case .character("r"): applySetup()
        case .escape, .character("o"), .function(2): view = previousView == .setup ? .dashboard : previousView
        case .character("q"):
            view = .dashboard
            return handle(key)
        default: break
        }
        return true
    }

    private func cycleVictimTruncation(forward: Bool) {
        var attack = session.currentAttack
        let choices = WorkbenchApp.truncations(classes: session.config.privateClasses)
        let current = choices.firstIndex(of: attack.victimRelease) ?? choices.count - 1
        attack.victimRelease = choices[(current + (forward ? choices.count - 1 : 1)) % choices.count]
        session.changeAttack(attack)
        message = "victims release \(attack.victimRelease)" + (attack.trainingRelease == .likeVictims ? " (aligned model: trained or reused)" : "")
    }

    /// Starts a truncation sweep with every k the k key offers.
    private func startSweep() {
        session.sweep(WorkbenchApp.truncations(classes: session.config.privateClasses))
        message = session.currentAttack.trainingRelease == .likeVictims
            ? "sweep: each k with its aligned model (missing ones train in the background)"
            : "sweep: every k with the current model"
    }
}
