import ArgumentParser
import Foundation
import Lab
import NeuralNet
import TensorFiles

/// `invertlab compare`: the black-box training-based attacks, the white-box optimisation attacks and the baselines
/// on the same target and the same identities, in one table.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run every attack on the same target and identities and compare what each needs and recovers.",
        discussion: """
            Rows (--attacks): aligned and unaligned (the paper's training-based inversion, its decoder trained on \
            vectors released like the victims' or on whole vectors, fed the victims' vectors under --truncation), \
            fredrikson, gmi, gmi-logit, gmi-aug, lomma, kedmi, kedmi-lomma (white-box; see invertlab attack --help), \
            and the baselines baseline-mean, baseline-nearest, baseline-random. The GMI rows share one GAN, the \
            KEDMI rows another, and the augmented rows one set of students: the first row that needs one trains it, \
            and every row that uses it counts its training in its seconds.

            Identities: --classes (default 0-19). Class-level attacks make one image per identity; the others \
            reconstruct the identity's first private training image from its released vector. Every image is \
            graded against its identity: the evaluation classifier's top-1 and top-5 accuracy, the KNN distance in \
            its feature space, and the MSE to the identity's nearest private training image. With --seeds N, mean \
            and standard deviation.

            The target, the GANs and LOMMA's students are the preset's shipped ones when they ship (make \
            attack-models), so only the searches and the training-based attackers train; the run folder keeps the \
            GANs and students used (--gan and --students of invertlab attack reuse them). --resume reads back the \
            seeds that completed in --out with the same settings and runs only the others; a seed stopped part way \
            keeps each finished row, and the GAN and students once trained, in OUT/seed-S/journal, and resumes \
            from them.

            Example: invertlab compare --preset classroom-faces --classes 0-19 --seeds 3 --out runs/compare
            """
    )

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var repeats: SeedsOption
    @OptionGroup var resume: ResumeFlag

    @Option(help: "Attacks to compare, comma-separated, or all.", transform: { try ComparedAttack.parseList($0, option: "--attacks") })
    var attacks: [ComparedAttack] = ComparedAttack.all

    @Option(help: "Identities to attack: numbers and ranges such as 0-19 or 0,3,7-9 (default: 0-19, or every class when fewer).",
            transform: ClassListArgument.parse)
    var classes: [Int]?

    @Option(help: "The victims' release for the training-based attacks and baseline-nearest: all, K (top-k), round:D, label, noise:S or threshold:T.")
    var truncation = "1"

    @Option(parsing: .unconditional, help: "Most iterations of Fredrikson's attack per class.")
    var fredriksonIterations = 1000

    @Option(parsing: .unconditional, help: "Iterations of the GMI latent search (all variants).")
    var iterations = 1500

    @OptionGroup var gmiOptions: GMIOptions

    @Option(help: "Write OUT/seed-S/compare.json, OUT/seed-S/compare.png (victims on top, a row per attack), the GANs and students used (gan.safetensors, kedmi-gan.safetensors, student-1..3.safetensors) and OUT/summary.json here.")
    var out: String?

    @OptionGroup var output: OutputFlags

    func validate() throws {
        try repeats.check(classifier: nil)
        try resume.check(out: out, overwrite: output.overwrite)
        for (value, name) in [(fredriksonIterations, "--fredrikson-iterations"), (iterations, "--iterations")] where !(1...1_000_000).contains(value) {
            throw ValidationError("\(name) must be between 1 and 1000000, not \(value)")
        }
    }

    /// One seed's table, as written to compare.json.
    struct Report: Codable {
        let classes: [Int]
        let release: String
        let rows: [ComparisonRow]
        /// Time spent here training GMI's GAN, KEDMI's (absent from reports written before KEDMI was compared) and
        /// LOMMA's students: zero for those that shipped.
        let ganSeconds: Double
        let kedmiGANSeconds: Double?
        let studentsSeconds: Double

        enum CodingKeys: String, CodingKey {
            case classes, release, rows, ganSeconds = "gan_seconds", kedmiGANSeconds = "kedmi_gan_seconds", studentsSeconds = "students_seconds"
        }
    }

    /// The subfolder of a seed's folder that keeps each row, the GAN and the students as soon as they are done.
    static let journal = "journal"

    func run() throws {
        var config = try experiment.config()
        config.attack.victimRelease = try ReleasePolicy(parsing: truncation, option: "--truncation")
        let identities = classes ?? Array(0..<min(20, config.privateClasses))
        var fredrikson = FredriksonAttack.Settings()
        fredrikson.iterations = fredriksonIterations
        let gmi = gmiOptions.settings(iterations: iterations)
        let progress = ProgressBar(quiet: output.quiet)
        let stop = SignalStop()
        let options = ["attacks": attacks.map(\.name).joined(separator: ","), "classes": identities.map(String.init).joined(separator: ","),
                       "evaluator": experiment.evaluator ?? "", "fredrikson-iterations": String(fredriksonIterations),
                       "iterations": String(iterations), "restarts": String(gmiOptions.restarts),
                       "gan-epochs": String(gmiOptions.ganEpochs), "distil-epochs": String(gmiOptions.distilEpochs)]
        let summary = try repeats.repeatEach(config, out: out, overwrite: output.overwrite, quiet: output.quiet,
                                             resumable: ResumableReport(file: "compare.json", of: Report.self, options: options, resume: resume.resume,
                                                                                        unfinished: Self.journal)) { settings, folder in
            try stop.runSeed(settings, folder: folder) {
                let shipped = settings.shippedClassifier
                let priors = try GenerativePrior.Kind.allCases.compactMap { kind in
                    try settings.shippedPrior(kind, targetIsShipped: shipped != nil).map { try GenerativePrior.load(from: $0, for: settings, kind: kind) }
                }
                let students = try (shipped == nil ? nil : settings.shippedStudents).map { try ModelAugmentation.loadStudents(from: $0, for: settings) }
                let outcome = try AttackComparison.measure(
                    settings, attacks: attacks, classes: identities, classifierFile: shipped,
                    evaluator: try experiment.evaluatorChoice(), fredrikson: fredrikson, gmi: gmi, priors: priors, students: students ?? [],
                    journal: folder.map { ComparisonJournal(folder: $0.file(Self.journal)) },
                    observe: { try stop.check(); progress.show($0) }, checkpoint: stop.check,
                    progress: { attack in progress.show(.stage("attack: \(attack.name)")) })
                let report = Report(classes: identities, release: settings.attack.victimRelease.text, rows: outcome.rows,
                                    ganSeconds: outcome.priors[.general]?.seconds ?? 0,
                                    kedmiGANSeconds: outcome.priors[.knowledgeEnriched]?.seconds,
                                    studentsSeconds: outcome.students?.seconds ?? 0)
                try folder?.saveJSON(report, as: "compare.json")
                if let folder {
                    for (kind, prior) in outcome.priors { try prior.model.networks.saveState(to: folder.file(GenerativePrior.fileName(kind))) }
                    for (number, student) in (outcome.students?.model ?? []).enumerated() {
                        try student.saveState(to: folder.file("student-\(number + 1).safetensors"))
                    }
                }
                try folder?.saveRowsGrid(truths: outcome.victims, rows: outcome.reconstructions, name: "compare.png")
                // The report and the models now hold everything the journal kept.
                try folder?.discardUnfinished(Self.journal)
                return report
            }
        }
        if output.json { return print(summary.json) }
        printTable(summary, release: config.attack.victimRelease, identities: identities.count)
        if let out { print("run folders: \(out)/seed-*, summary: \(out)/summary.json, pictures: \(out)/seed-*/compare.png") }
    }

    /// The table: mean ± standard deviation over the seeds.
    private func printTable(_ summary: SeedSummary, release: ReleasePolicy, identities: Int) {
        func cell(_ row: Int, _ key: String, scale: Double = 100, format: String = "%.1f") -> String {
            guard let value = summary.statistic(["rows", String(row), key]) else { return "-" }
            let text = String(format: format, scale * value.mean)
            return summary.seeds.count > 1 ? text + String(format: " ± " + format, scale * value.deviation) : text
        }
        print("\(summary.seeds.count) seed(s), \(identities) identities; victims released as \(release.text)")
        print("| attack | needs | top-1 % | top-5 % | KNN dist | MSE | seconds |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for (row, attack) in attacks.enumerated() {
            print("| \(attack.name) | \(attack.needs) | \(cell(row, "attack_acc_top1")) | \(cell(row, "attack_acc_top5")) | "
                  + "\(cell(row, "knn_dist", scale: 1, format: "%.1f")) | \(cell(row, "mse", scale: 1, format: "%.4f")) | "
                  + "\(cell(row, "seconds", scale: 1, format: "%.0f")) |")
        }
    }
}
