import Foundation
import Lab

/// What the workbench starts from: the settings and any trained models to open instead of training them.
public struct WorkbenchLaunch {
    public var config: ExperimentConfig
    /// The preset the settings came from, shown on the setup screen.
    public var presetName: String
    /// A trained target classifier to explore instead of training one.
    public var classifierFile: URL?
    /// A trained inversion model, taken as the model of the configured auxiliary set and training release.
    public var inversionFile: URL?
    /// Train the classifier live even where one ships in Assets (the classroom preset).
    public var retrain: Bool
    /// The epochs a run folder recorded for the models it opens (its metrics.csv), drawn as their curves.
    public var history: [LabEvent]
    /// The option that named a run folder the models come from (`--run DIR`), blamed for files that do not fit;
    /// nil when they were named by `--classifier` and `--inversion`.
    public var runOption: String?

    public init(config: ExperimentConfig, presetName: String, classifierFile: URL? = nil, inversionFile: URL? = nil,
                retrain: Bool = false, history: [LabEvent] = [], runOption: String? = nil) {
        self.config = config
        self.presetName = presetName
        self.classifierFile = classifierFile
        self.inversionFile = inversionFile
        self.retrain = retrain
        self.history = history
        self.runOption = runOption
    }

    /// The classifier file the session loads: the one given, else the shipped one where the settings allow it.
    var classifierToLoad: URL? { classifierFile ?? (retrain ? nil : config.shippedClassifier) }

    /// Loads the data, checks every setting and reads the model files, then starts training in the background.
    /// Everything that can be wrong with the input throws here, with the file or option named, before any screen
    /// opens.
    public func startSession() throws -> LabSession {
        let classifier = classifierToLoad
        let lab = try Experiment(config, classifierFile: classifier, classifierOption: runOption ?? "--classifier")
        if let inversionFile {
            try lab.adoptInversion(from: inversionFile, auxiliary: config.attack.auxiliary, trainingPolicy: config.attack.trainingPolicy,
                                   option: runOption ?? "--inversion")
        }
        return LabSession(lab, trainClassifier: classifier == nil)
    }

    /// The launch for new settings from the setup screen: a classifier file given at the start is kept while the
    /// settings that shape the classifier stay the same; an inversion file is not (its model is trained anew).
    func relaunch(with newConfig: ExperimentConfig, presetName: String) -> WorkbenchLaunch {
        var next = self
        next.config = newConfig
        next.presetName = presetName
        if newConfig.classifierSettings != config.classifierSettings { next.classifierFile = nil }
        next.inversionFile = nil
        next.history = []
        if next.classifierFile == nil { next.runOption = nil }
        return next
    }
}
