import ArgumentParser
import Foundation
import Lab

/// `invertlab privacy-budget`: the (ε, δ) that DP-SGD's noise, sampling rate and step count buy, or the noise a
/// target ε needs.
struct PrivacyBudgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy-budget",
        abstract: "Epsilon of DP-SGD training from its noise, sampling rate and steps (Renyi DP accountant), or the noise for a target epsilon.",
        discussion: """
            Each step samples every training example with probability --sample-rate (Poisson sampling: batch \
            size over training-set size), clips each example's gradient to norm C and adds Gaussian noise of \
            standard deviation --noise x C to their sum. The Renyi-DP bound of that subsampled Gaussian mechanism \
            (Mironov, Talwar and Zhang 2019) adds over the steps and is turned into epsilon at --delta, minimised \
            over Renyi orders 1.1 to 63 as Opacus's RDP accountant does.

            Examples: invertlab privacy-budget --noise 1.1 --sample-rate 0.01 --steps 10000
                      invertlab privacy-budget --epsilon 8 --sample-rate 0.133 --steps 225 --json
            """
    )

    @Option(help: "Noise multiplier sigma: the noise's standard deviation over the clipping norm.")
    var noise: Double?

    @Option(help: "Find the noise multiplier that spends this epsilon instead (give --noise or --epsilon).")
    var epsilon: Double?

    @Option(help: "Chance that an example joins a batch (batch size / training-set size).")
    var sampleRate: Double

    @Option(parsing: .unconditional, help: "Training steps.")
    var steps: Int

    @Option(help: "Delta of the (epsilon, delta) guarantee; below 1 / training-set size.")
    var delta = 1e-5

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if (noise == nil) == (epsilon == nil) {
            throw ValidationError("give one of --noise (to get epsilon) and --epsilon (to get the noise)")
        }
    }

    func run() throws {
        let sigma = try noise ?? RenyiAccountant.noise(forEpsilon: epsilon!, sampleRate: sampleRate, steps: steps,
                                                       delta: delta)
        let budget = try RenyiAccountant.budget(noise: sigma, sampleRate: sampleRate, steps: steps, delta: delta)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(budget), as: UTF8.self))
        } else {
            let mechanism = "\(steps) steps at " + String(format: "noise multiplier %.4g, sampling rate %.4g", sigma, sampleRate)
            print(String(format: "epsilon %.4g at delta %g for %@ (tightest at Renyi order %g)",
                         budget.epsilon, delta, mechanism, budget.order))
        }
    }
}
