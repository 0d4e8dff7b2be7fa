import Foundation
import NeuralNet

extension LabSession {
    /// How many identities the session's white-box attacks reconstruct: the first ones, few enough for GMI's five
    /// starts each to run in minutes.
    public static let whiteBoxIdentities = 8

    /// Iterations between the snapshots a white-box run publishes: often enough to watch a face emerge, rare enough
    /// that taking them costs the attack little.
    static let snapshotInterval = 20

    /// Runs the optimisation attack `attack` on the first identities, after the work in hand, publishing its images
    /// and losses as it goes (`currentWhiteBox`). The GANs and LOMMA's students are the preset's shipped ones when
    /// they ship (the students only for the shipped target), else trained by the first attack that needs them and
    /// kept for the next. An attack already run is not run again. `fredrikson` and `gmi` set the attacks (the GMI
    /// variant is `attack`'s).
    public func runWhiteBox(_ attack: ComparedAttack, fredrikson: FredriksonAttack.Settings = FredriksonAttack.Settings(),
                            gmi: GMIAttack.Settings = GMIAttack.Settings()) {
        enqueue { lab in
            let identities = Array(0..<min(Self.whiteBoxIdentities, lab.config.privateClasses))
            let auxiliary = self.currentAttack.auxiliary
            let started: Bool = self.locked {
                // Another auxiliary set is other background knowledge: its attacks start afresh, with their own GAN.
                if self.whiteBox?.auxiliary != auxiliary {
                    let train = lab.split.classifierTrain
                    let groups = train.indicesByClass()
                    self.whiteBox = WhiteBoxRuns(auxiliary: auxiliary, identities: identities,
                                                 truths: train.subset(identities.map { groups[$0][0] }))
                    self.attackerModels = ([:], [])
                }
                guard self.whiteBox?.run(of: attack) == nil else { return false }
                self.whiteBox?.runs.append(WhiteBoxRun(attack: attack))
                return true
            }
            guard started else { return }
            if auxiliary == lab.config.attack.auxiliary { try self.loadShippedAttackerModels(lab) }
            guard let optimiser = attack.makeOptimisationAttack(fredrikson: fredrikson, gmi: gmi,
                                                                prior: attack.gan.flatMap { self.attackerModels.priors[$0] },
                                                                students: self.attackerModels.students) else { return }
            optimiser.watch = AttackWatch(interval: Self.snapshotInterval) { snapshot in
                try self.stopIfCancelled()
                self.updateWhiteBox(attack) { run in
                    run.latest = snapshot
                    run.priorLoss += snapshot.priorLoss.map { [Double($0)] } ?? []
                    run.identityLoss.append(Double(snapshot.identityLoss))
                }
            }
            let context = try lab.whiteBoxContext(auxiliary: auxiliary)
            try optimiser.prepare(context)
            if let gmi = optimiser as? GMIAttack {
                if let prior = gmi.prior { self.attackerModels.priors[prior.kind] = prior }
                if !gmi.augmented.isEmpty { self.attackerModels.students = gmi.augmented }
            }
            let images = try optimiser.reconstruct(classes: identities, context: context)
            let accuracy = try lab.readyEvaluator() == nil ? nil : try lab.gradeClasses(images, classes: identities).accuracyTop1
            self.updateWhiteBox(attack) { run in
                run.finished = true
                run.accuracyTop1 = accuracy
            }
        }
    }

    /// Loads the preset's shipped GMI GAN, and its KEDMI GAN and students when the target is the shipped one, the
    /// first time.
    private func loadShippedAttackerModels(_ lab: Experiment) throws {
        let config = lab.config
        let shippedTarget = config.shippedClassifier.map { lab.classifierFile == $0 } ?? false
        for kind in GenerativePrior.Kind.allCases where attackerModels.priors[kind] == nil {
            if let file = config.shippedPrior(kind, targetIsShipped: shippedTarget) {
                attackerModels.priors[kind] = try GenerativePrior.load(from: file, for: config, kind: kind)
            }
        }
        if attackerModels.students.isEmpty, shippedTarget, let files = config.shippedStudents {
            attackerModels.students = try ModelAugmentation.loadStudents(from: files, for: config)
        }
    }

    private func updateWhiteBox(_ attack: ComparedAttack, _ change: (inout WhiteBoxRun) -> Void) {
        locked {
            guard let index = whiteBox?.runs.firstIndex(where: { $0.attack == attack }) else { return }
            change(&whiteBox!.runs[index])
        }
    }
}
