import Datasets
import NeuralNet

extension Experiment {
    /// The attack settings that describe `attack` when the victims are released under `victimRelease`: its own
    /// auxiliary set, and `trainingRelease` where that gives the policy it was trained on (otherwise that policy).
    public func settings(of attack: TrainingBasedInversion, victimRelease: ReleasePolicy,
                         trainingRelease: TrainingRelease) -> AttackSettings {
        let release = trainingRelease.policy(victims: victimRelease) == attack.trainingPolicy
            ? trainingRelease : .fixed(attack.trainingPolicy)
        return AttackSettings(auxiliary: attack.auxiliary, victimRelease: victimRelease, trainingRelease: release)
    }

    /// Writes a run folder for `attack` under `settings` (as `settings(of:...)` gives them): config.json,
    /// metrics.csv (the classifier's epochs and the attack's), both models and the evaluator that grades the attack
    /// (trained first when none is at hand), the victims' reconstruction grids and
    /// the class-inference grid (its top-1 model trained when missing). `run` and the workbench's save both
    /// write through here, so the same settings give the same files.
    public func writeRun(to folder: RunFolder, attack: TrainingBasedInversion, settings: AttackSettings) throws {
        var written = config
        written.attack = settings
        try folder.saveConfig(written)
        try folder.saveMetrics(classifierHistory + attack.history)
        try folder.saveModel(classifier.model, as: "classifier")
        try folder.saveModel(attack.trainer.model, as: "inversion")
        try folder.saveModel(try evaluator().model, as: "evaluator")
        for (set, name) in [(split.classifierTrain, "reconstructions_train.png"), (split.classifierTest, "reconstructions_test.png")] {
            let victims = try reconstructions(of: set, count: 32, policy: settings.victimRelease, by: attack)
            try folder.saveReconstructionGrid(truths: set, reconstructions: victims.images, name: name)
        }
        try folder.saveClassGrid(try classInference(auxiliary: attack.auxiliary), name: "class_inference.png")
    }
}
