import ArgumentParser
import Lab

/// The options of GMI and LOMMA's variants that `attack` and `compare` share.
struct GMIOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "gmi and its variants: random starts per class; the one the target is most confident in is kept.")
    var restarts = 5

    @Option(parsing: .unconditional, help: "gmi and its variants: passes of the GAN prior's training over the auxiliary images.")
    var ganEpochs = 60

    @Option(parsing: .unconditional, help: "gmi-aug, lomma: passes of each student's distillation over the auxiliary images.")
    var distilEpochs = ModelAugmentation.defaultEpochs

    func validate() throws {
        for (value, name, range) in [(restarts, "--restarts", 1...100), (ganEpochs, "--gan-epochs", 1...100_000),
                                     (distilEpochs, "--distil-epochs", 1...100_000)] where !range.contains(value) {
            throw ValidationError("\(name) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
    }

    /// GMI's settings with these options and `iterations` (GMI's 1500 when nil).
    func settings(iterations: Int?) -> GMIAttack.Settings {
        var settings = GMIAttack.Settings()
        if let iterations { settings.iterations = iterations }
        settings.restarts = restarts
        settings.priorEpochs = ganEpochs
        settings.augmentationEpochs = distilEpochs
        return settings
    }
}
