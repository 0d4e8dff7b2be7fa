import Lab

/// Settings that train both models in about a second: 6 private classes, width 4, 2 epochs each, 10 photos a person.
func tinyConfig() -> ExperimentConfig {
    var config = ExperimentConfig()
    config.privateClasses = 6
    config.width = 4
    config.epochsClassifier = 2
    config.epochsInversion = 2
    config.syntheticPhotos = 10
    return config
}
