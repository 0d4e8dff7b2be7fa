import ArgumentParser
import Foundation
import Lab
import NeuralNet
import Workbench

/// `invertlab bench`: training-step speed of the engine, optionally beside PyTorch's figures from the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training steps of the paper's models at batch 128 and the machine's sgemm speed.",
        discussion: """
            For each configuration (width, classes, pixels) it times (a) a classifier step: forward, backward, \
            Adam; (b) an attack step: the classifier's forward without gradients, then the inversion model's \
            forward, backward and Adam; (c) a DP-SGD step of the classifier with group normalisation: per-example \
            gradient norms, clipping to 1, noise multiplier 1, Adam. It prints images per second, the GFLOP/s of the GEMM layers over the whole \
            step, and the GFLOP/s inside the convolution layers, beside the sgemm GFLOP/s measured in the same \
            run. Build in release mode (make bench) for meaningful figures. With --reference, PyTorch's figures \
            (from bench/pytorch_reference.py --json) are printed beside them with the ratio.
            """
    )

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(parsing: .unconditional, help: "Images per step.")
    var batch: Int = 128

    @Option(parsing: .unconditional, help: "Time each step for at least this many seconds (and at least 2 steps).")
    var seconds: Double = 3

    @Option(help: "Configurations as width,classes,pixels separated by ';' (default: the four standard ones).")
    var configs: String?

    @Flag(help: "Also print the time each layer takes, forward and backward, per step.")
    var profile = false

    @Option(help: "JSON written by bench/pytorch_reference.py --json, to print PyTorch's figures and the ratio.")
    var reference: String?

    @Flag(inversion: .prefixedNo, help: "Also measure the classroom classifier's training headless and while the workbench draws, and the workbench's key-to-screen latency.")
    var workbench = true

    func parsedConfigs() throws -> [BenchConfig] {
        guard let configs else { return BenchConfig.standard }
        return try configs.split(separator: ";").map { item in
            let numbers = item.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == 3, numbers[0] >= 1, numbers[1] >= 2, [32, 64].contains(numbers[2]) else {
                throw ValidationError("--configs: '\(item)' is not width,classes,pixels (pixels 32 or 64)")
            }
            return BenchConfig(width: numbers[0], classes: numbers[1], pixels: numbers[2])
        }
    }

    func validate() throws {
        guard batch >= 2 else { throw ValidationError("--batch must be at least 2, not \(batch)") }
        guard seconds.isFinite, seconds >= 0 else { throw ValidationError("--seconds takes a finite number of seconds ≥ 0, not \(seconds)") }
        _ = try parsedConfigs()
    }

    func run() throws {
        let pytorch = try reference.map { path -> PyTorchReference in
            do { return try JSONDecoder().decode(PyTorchReference.self, from: Data(contentsOf: URL(fileURLWithPath: path))) }
            catch { throw ValidationError("--reference \(path): not a bench/pytorch_reference.py JSON file (\(error))") }
        }
        var collected: [(String, LayerProfile)] = []
        var benchmark = Benchmark(batch: batch, minimumSeconds: seconds)
        if profile {
            benchmark.profiles = { title in
                let layers = LayerProfile()
                collected.append((title, layers))
                return layers
            }
        }
        let sgemm = benchmark.measureSgemm()
        if !json {
            print(BLASKernels.report())
            print(String(format: "sgemm: %.1f GFLOP/s (%d threads)", sgemm, Parallel.workers))
        }
        var results: [ConfigFigures] = []
        for config in try parsedConfigs() {
            let figures = try benchmark.measure(config)
            results.append(figures)
            if !json { printRow(figures, config: config, sgemm: sgemm, pytorch: pytorch?.figures(for: config)) }
        }
        for (title, layers) in collected { printProfile(title, layers) }
        let drawing = try workbench ? measureDrawingOverhead() : nil
        let latency = try workbench ? measureKeyLatency() : nil
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let report = BenchReport(batch: batch, sgemmGflops: sgemm, blas: BLASKernels.report(), configs: results,
                                     workbench: drawing, keyLatency: latency)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }

    /// The classroom preset's classifier training, headless and with the workbench drawing; the target is 90%.
    private func measureDrawingOverhead() throws -> WorkbenchFigures {
        var config = try ExperimentConfig.preset(named: "classroom-faces")
        config.epochsClassifier = 1000
        let window = max(4, 2 * seconds)
        let (headless, drawing) = try DrawingOverhead.measure(config, seconds: window)
        let figures = WorkbenchFigures(headlessImagesPerSecond: headless * Double(config.batch),
                                       drawingImagesPerSecond: drawing * Double(config.batch))
        if !json {
            print(String(format: "workbench: classroom classifier training %.1f img/s headless, %.1f img/s while drawing 15 frames/s = %.0f%%",
                         figures.headlessImagesPerSecond, figures.drawingImagesPerSecond, 100 * figures.ratio))
        }
        return figures
    }

    /// Key-to-screen latency on the classroom preset (its shipped classifier, a quickly trained first model).
    private func measureKeyLatency() throws -> [KeyLatency.Figures] {
        var config = try ExperimentConfig.preset(named: "classroom-faces")
        config.epochsInversion = 3
        let figures = try KeyLatency.measure(config, repeats: 20)
        if !json {
            print("key to screen at 32 px, ms p50 / p95 (target under 100): "
                  + figures.map { String(format: "%@ %.0f / %.0f", $0.key, $0.medianMilliseconds, $0.percentile95Milliseconds) }
                    .joined(separator: ", "))
        }
        return figures
    }

    private func printProfile(_ title: String, _ layers: LayerProfile) {
        print("\n\(title): milliseconds per step, forward / backward")
        let steps = Double(max(layers.steps, 1))
        for entry in layers.entries {
            print(String(format: "  %-52@ %9.1f %9.1f", entry.name as NSString,
                         1000 * entry.forwardSeconds / steps, 1000 * entry.backwardSeconds / steps))
        }
    }

    private func printRow(_ figures: ConfigFigures, config: BenchConfig, sgemm: Double, pytorch: PyTorchReference.Config?) {
        for (name, step, theirs) in [("classifier", figures.classifier, pytorch?.classifier.imagesPerSecond),
                                     ("attack", figures.attack, pytorch?.attack.imagesPerSecond),
                                     ("DP-SGD", figures.privateClassifier, pytorch?.privateClassifier?.imagesPerSecond),
                                     ("GAN", figures.gan, pytorch?.gan?.imagesPerSecond),
                                     ("GMI iter", figures.gmiIteration, pytorch?.gmiIteration?.imagesPerSecond)] {
            var line = String(format: "%-16@ %-10@ %8.1f img/s  %6.1f GFLOP/s  conv %6.1f GFLOP/s (%3.0f%% of sgemm)",
                              config.label as NSString, name as NSString, step.imagesPerSecond, step.gflops,
                              step.convolutionGflops, 100 * step.convolutionGflops / sgemm)
            if let theirs {
                line += String(format: "  | pytorch %8.1f img/s  ratio %.2fx", theirs, step.imagesPerSecond / theirs)
            }
            print(line)
        }
    }
}

/// What bench/pytorch_reference.py --json prints.
struct PyTorchReference: Decodable {
    struct Step: Decodable {
        let imagesPerSecond: Double
        enum CodingKeys: String, CodingKey { case imagesPerSecond = "images_per_second" }
    }

    struct Config: Decodable {
        let width: Int
        let classes: Int
        let pixels: Int
        let classifier: Step
        let attack: Step
        /// Opacus's DP-SGD step, when opacus was installed.
        let privateClassifier: Step?
        let gan: Step?
        let gmiIteration: Step?
        enum CodingKeys: String, CodingKey {
            case width, classes, pixels, classifier, attack, privateClassifier = "private_classifier", gan, gmiIteration = "gmi_iteration"
        }
    }

    let configs: [Config]

    func figures(for config: BenchConfig) -> Config? {
        configs.first { $0.width == config.width && $0.classes == config.classes && $0.pixels == config.pixels }
    }
}
