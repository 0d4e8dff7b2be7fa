import ArgumentParser
import Foundation
import Datasets
import Lab

/// `invertlab defend`: what each defence costs the service in accuracy and what it buys against each attack.
struct DefendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "defend",
        abstract: "Measure every defence: the target's test accuracy against the attacks' accuracy and the query monitor.",
        discussion: """
            Rows: none; release policies on the plain target (top-1, top-3, rounding to one decimal, label only, \
            Gaussian noise 0.05); targets trained with a defence and released whole (DP-SGD at epsilon 1, 8 and \
            infinity, i.e. clipping without noise; label smoothing 0.1 and -0.05; MID at beta 0.01). Columns: the \
            target's test accuracy; the aligned training-based attack (its decoder trained on vectors released as \
            the victims' are): evaluator top-1 accuracy and MSE on the test victims; Fredrikson's white-box attack's \
            top-1 on --white-box-classes (it sees the model, not the release, so release rows repeat the plain \
            target's); after how many of the attacker's queries the service's monitor flagged it. With --seeds N, \
            mean and standard deviation.

            The plain target is the preset's shipped classifier when one ships; every training defence trains its own \
            target, which takes most of the time.

            With --out, each seed's folder keeps its table; --resume reads back the seeds that completed there with \
            the same settings and runs only the others (an interrupted run, or seeds run one per process with \
            --seed S --seeds 1, then summarised with --seeds N --resume).

            Example: invertlab defend --preset classroom-faces --seeds 3 --out runs/defend --json
            """
    )

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var repeats: SeedsOption
    @OptionGroup var resume: ResumeFlag

    @Option(help: "Classes Fredrikson's white-box attack reconstructs on each target: numbers and ranges such as 0-9, or none.",
            transform: { $0 == "none" ? [] : try ClassListArgument.parse($0) })
    var whiteBoxClasses: [Int] = Array(0..<10)

    @Option(parsing: .unconditional, help: "Most iterations of Fredrikson's attack per class.")
    var whiteBoxIterations = 1000

    @Option(help: "Write OUT/seed-S/defend.json, OUT/summary.json and OUT/price-protection.png (test accuracy against attack accuracy, points numbered as the table's rows) here.")
    var out: String?

    @OptionGroup var output: OutputFlags

    func validate() throws {
        try repeats.check(classifier: nil)
        try resume.check(out: out, overwrite: output.overwrite)
        guard (1...100_000).contains(whiteBoxIterations) else {
            throw ValidationError("--white-box-iterations must be between 1 and 100000, not \(whiteBoxIterations)")
        }
    }

    /// One seed's table, as written to defend.json.
    struct Report: Codable {
        let rows: [DefenceRow]
    }

    func run() throws {
        let config = try experiment.config()
        if let wrong = whiteBoxClasses.first(where: { !(0..<config.privateClasses).contains($0) }) {
            throw ValidationError("--white-box-classes: \(wrong) is not a private class (0 to \(config.privateClasses - 1))")
        }
        let progress = ProgressBar(quiet: output.quiet)
        let stop = SignalStop()
        let options = ["evaluator": experiment.evaluator ?? "", "white-box-classes": whiteBoxClasses.map(String.init).joined(separator: ","),
                       "white-box-iterations": String(whiteBoxIterations)]
        let summary = try repeats.repeatEach(config, out: out, overwrite: output.overwrite, quiet: output.quiet,
                                             resumable: ResumableReport(file: "defend.json", of: Report.self, options: options, resume: resume.resume)) { settings, folder in
            try stop.runSeed(settings, folder: folder) {
                let rows = try DefenceTable.measure(
                    settings, classifierFile: settings.shippedClassifier, evaluator: try experiment.evaluatorChoice(),
                    whiteBoxClasses: whiteBoxClasses, whiteBoxIterations: whiteBoxIterations,
                    observe: { try stop.check(); progress.show($0) },
                    progress: { name in progress.show(.stage("defence: \(name)")) })
                let report = Report(rows: rows)
                try folder?.saveJSON(report, as: "defend.json")
                return report
            }
        }
        let rows = DefenceSetting.standard.count
        if let out {
            let points = (0..<rows).map { row in
                (price: summary.statistic(["rows", String(row), "test_accuracy"])?.mean ?? 0,
                 protection: summary.statistic(["rows", String(row), "attack_acc_top1"])?.mean ?? 0)
            }
            let picture = PriceProtectionChart(points: points).render()
            try ImageCodecs.writePNG(width: picture.width, height: picture.height, pixels: picture.pixels,
                                     to: URL(fileURLWithPath: "\(out)/price-protection.png"))
        }
        if output.json { return print(summary.json) }
        printTable(summary, rows: rows)
        if let out { print("run folders: \(out)/seed-*, summary: \(out)/summary.json, chart: \(out)/price-protection.png") }
    }

    /// The table (mean ± standard deviation over the seeds) and a bar chart of price against protection.
    private func printTable(_ summary: SeedSummary, rows: Int) {
        func cell(_ row: Int, _ key: String, scale: Double = 100, format: String = "%.1f") -> String {
            guard let value = summary.statistic(["rows", String(row), key]) else { return perSeed(row, key, scale: scale, format: format) }
            let text = String(format: format, scale * value.mean)
            return summary.seeds.count > 1 ? text + String(format: " ± " + format, scale * value.deviation) : text
        }
        // Each seed's value, "-" where a seed has none (the monitor never flagged), when the seeds do not all have one.
        func perSeed(_ row: Int, _ key: String, scale: Double, format: String) -> String {
            let values = summary.perRun(["rows", String(row), key])
            guard values.contains(where: { $0 != nil }) else { return "-" }
            return values.map { $0.map { String(format: format, scale * $0) } ?? "-" }.joined(separator: " / ")
        }
        func name(_ row: Int) -> String {
            (((summary.runs.first as? [String: Any])?["rows"] as? [[String: Any]])?[row]["defence"] as? String) ?? "?"
        }
        print("\(summary.seeds.count) seed(s); attack = aligned training-based attacker; white-box = Fredrikson on \(whiteBoxClasses.count) classes")
        print("| # | defence | test acc % | attack top-1 % | attack MSE | white-box top-1 % | monitor flags after | epsilon |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for row in 0..<rows {
            print("| \(row + 1) | \(name(row)) | \(cell(row, "test_accuracy")) | \(cell(row, "attack_acc_top1")) | "
                  + "\(cell(row, "mse_victim_test", scale: 1, format: "%.4f")) | \(cell(row, "white_box_acc_top1")) | "
                  + "\(cell(row, "queries_until_flagged", scale: 1, format: "%.0f")) | \(cell(row, "epsilon", scale: 1, format: "%.2f")) |")
        }
        print("\nprice and protection (█ test accuracy, ▒ attack top-1, 40 columns = 100%):")
        for row in 0..<rows {
            let accuracy = summary.statistic(["rows", String(row), "test_accuracy"])?.mean ?? 0
            let attack = summary.statistic(["rows", String(row), "attack_acc_top1"])?.mean ?? 0
            let label = "\(row + 1) \(name(row))".padding(toLength: 18, withPad: " ", startingAt: 0)
            print("\(label) " + String(repeating: "█", count: Int((40 * accuracy).rounded())))
            print(String(repeating: " ", count: 19) + String(repeating: "▒", count: Int((40 * attack).rounded())))
        }
    }
}
