import Foundation
import NeuralNet
import TensorFiles
import XCTest

/// The built `invertlab` binary, run as a user runs it.
final class CommandLineTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testInitThenInferGivesSoftmaxRowsAndImages() throws {
        let shape = ["--size", "32", "--classes", "6", "--width", "4"]
        XCTAssertEqual(try runInvertlab(["init", "--arch", "classifier"] + shape + ["--output", path("c.safetensors")]).status, 0)
        XCTAssertEqual(try runInvertlab(["init", "--arch", "inversion"] + shape + ["--output", path("i.safetensors")]).status, 0)
        var rng = RandomGenerator(seed: 1)
        let images = Tensor(shape: [3, 1, 32, 32], values: (0..<3072).map { _ in rng.nextUnitFloat() })
        try NumpyArray.write(images, to: folder.appendingPathComponent("images.npy"))

        let classify = try runInvertlab(["infer", "--arch", "classifier"] + shape +
                                     ["--weights", path("c.safetensors"), "--input", path("images.npy"), "--output", path("p.npy")])
        XCTAssertEqual(classify.status, 0, classify.output)
        let probabilities = try NumpyArray.read(folder.appendingPathComponent("p.npy"))
        XCTAssertEqual(probabilities.shape, [3, 6])
        for row in 0..<3 {
            XCTAssertEqual(probabilities.values[(row * 6)..<(row * 6 + 6)].reduce(0, +), 1, accuracy: 1e-5)
        }

        let invert = try runInvertlab(["infer", "--arch", "inversion", "--truncation", "2"] + shape +
                                   ["--weights", path("i.safetensors"), "--input", path("p.npy"), "--output", path("r.npy")])
        XCTAssertEqual(invert.status, 0, invert.output)
        let reconstructions = try NumpyArray.read(folder.appendingPathComponent("r.npy"))
        XCTAssertEqual(reconstructions.shape, [3, 1, 32, 32])
        XCTAssert(reconstructions.values.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testBadOptionsAndFilesAreExplained() throws {
        let shape = ["--size", "32", "--classes", "6", "--width", "4"]
        _ = try runInvertlab(["init", "--arch", "inversion"] + shape + ["--output", path("i.safetensors")])
        try NumpyArray.write(Tensor(zeros: [2, 6]), to: folder.appendingPathComponent("p.npy"))
        let cases: [([String], String)] = [
            (["infer", "--arch", "inversion", "--truncation", "7"] + shape +
             ["--weights", path("i.safetensors"), "--input", path("p.npy"), "--output", path("r.npy")], "--truncation"),
            (["infer", "--arch", "inversion", "--size", "48", "--classes", "6", "--width", "4",
              "--weights", path("i.safetensors"), "--input", path("p.npy"), "--output", path("r.npy")], "--size"),
            (["infer", "--arch", "inversion", "--size", "32", "--classes", "6", "--width", "8",
              "--weights", path("i.safetensors"), "--input", path("p.npy"), "--output", path("r.npy")], "decoder.0.weight"),
            (["infer", "--arch", "classifier"] + shape +
             ["--weights", path("missing.safetensors"), "--input", path("p.npy"), "--output", path("r.npy")], "missing.safetensors"),
            (["infer", "--arch", "inversion", "--size", "32", "--classes", "6", "--width", "4",
              "--weights", path("i.safetensors"), "--input", path("i.safetensors"), "--output", path("r.npy")], "not an NPY file"),
            (["run", "--dp-epsilon", "0"], "--dp-epsilon must be a positive number"),
            (["run", "--dp-epsilon", "8", "--defence", "smooth:0.1"], "--dp-epsilon and --defence both choose"),
            (["run", "--defence", "mid:-2"], "--defence 'mid:-2': mid:B takes a weight B from 0 to 10"),
            (["run", "--query-budget", "0"], "--query-budget must be between 1 and"),
            (["defend", "--white-box-classes", "99"], "--white-box-classes: 99 is not a private class"),
            (["run", "--engine", "torch"], "--engine torch needs --out"),
            (["run", "--engine", "jax"], "--engine"),
            (["run", "--gpus", "2", "--out", path("gpus")], "--gpus 2 trains with PyTorch; add --engine torch"),
            (["sweep", "--engine", "torch"], "--engine torch needs --out"),
            (["run", "--engine", "torch", "--gpus", "-1", "--out", path("gpus")], "--gpus must be between 1 and 64, not -1"),
            (["compare", "--attacks", ","], "--attacks ',': name at least one attack (all or aligned"),
            (["compare", "--attacks", "gmi,gmi"], "--attacks 'gmi,gmi': name each attack once"),
            (["--run", path("a-run"), "--preset", "orl"], "--run takes the settings and models from its folder"),
        ]
        for (arguments, expected) in cases {
            let result = try runInvertlab(arguments)
            XCTAssertNotEqual(result.status, 0, arguments.joined(separator: " "))
            XCTAssert(result.output.contains(expected), "'\(expected)' missing from: \(result.output)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("r.npy")), "a failed run writes no output")
    }

    func testVersionNamesTheBLASKernelsAndAUsersCoreWins() throws {
        let plain = try runInvertlab(["--version"])
        XCTAssertEqual(plain.status, 0)
        XCTAssert(plain.output.contains("BLAS: OpenBLAS") && plain.output.contains("CPU: "), plain.output)
        // With DYNAMIC_ARCH (Debian's amd64 build) the variable selects the kernels, and invertlab leaves it be.
        #if !arch(x86_64)
        throw XCTSkip("Prescott is an x86-64 kernel set")
        #endif
        guard plain.output.contains("DYNAMIC_ARCH") else { throw XCTSkip("this OpenBLAS cannot switch kernels at load time") }
        let process = Process()
        process.executableURL = invertlabBinary
        process.arguments = ["--version"]
        process.environment = ProcessInfo.processInfo.environment.merging(["OPENBLAS_CORETYPE": "Prescott"]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssert(output.contains("kernels Prescott (set by OPENBLAS_CORETYPE)"), output)
    }

    func testScoreGradesAnyTwoImageArrays() throws {
        let truths = Tensor(shape: [2, 12, 12], values: (0..<288).map { Float($0 % 13) / 12 })
        try NumpyArray.write(truths, to: folder.appendingPathComponent("truth.npy"))
        try NumpyArray.write(Tensor(shape: [2, 1, 12, 12], values: truths.values), to: folder.appendingPathComponent("same.npy"))
        try NumpyArray.write(Tensor(shape: [2, 12, 12], values: truths.values.map { 1 - $0 }), to: folder.appendingPathComponent("inverted.npy"))
        try NumpyArray.write(Tensor(zeros: [3, 12, 12]), to: folder.appendingPathComponent("three.npy"))
        let same = try runInvertlab(["score", "--truth", path("truth.npy"), "--reconstruction", path("same.npy"), "--json"])
        XCTAssertEqual(same.status, 0, same.output)
        XCTAssert(same.output.contains(#""images":2,"mse":0,"psnr":"inf","ssim":1"#), same.output)
        let inverted = try runInvertlab(["score", "--truth", path("truth.npy"), "--reconstruction", path("inverted.npy")])
        XCTAssert(inverted.output.hasPrefix("2 images: MSE "), inverted.output)
        let mismatched = try runInvertlab(["score", "--truth", path("truth.npy"), "--reconstruction", path("three.npy")])
        XCTAssertNotEqual(mismatched.status, 0)
        XCTAssert(mismatched.output.contains("three.npy: shape [3, 12, 12] does not match"), mismatched.output)
        let alone = try runInvertlab(["score", "--truth", path("truth.npy"), "--reconstruction", path("same.npy"), "--labels", path("truth.npy")])
        XCTAssert(alone.output.contains("--labels and --evaluator go together"), alone.output)
    }

    func testPrivacyBudgetGivesEpsilonOrTheNoiseForIt() throws {
        let spent = try runInvertlab(["privacy-budget", "--noise", "1.1", "--sample-rate", "0.01", "--steps", "10000", "--json"])
        XCTAssertEqual(spent.status, 0, spent.output)
        let budget = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(spent.output.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(budget["epsilon"] as? Double), 5.632, accuracy: 0.01)
        let found = try runInvertlab(["privacy-budget", "--epsilon", "5.632", "--sample-rate", "0.01", "--steps", "10000"])
        XCTAssert(found.output.contains("noise multiplier 1.1,"), found.output)
        let noiseless = try runInvertlab(["privacy-budget", "--noise", "0", "--sample-rate", "0.01", "--steps", "10"])
        XCTAssertEqual(noiseless.status, 1)
        XCTAssert(noiseless.output.contains("--noise must be a positive number"), noiseless.output)
    }

    func testScoreWithAnEvaluatorAddsAttackAccuracyAndKNNDistance() throws {
        let evaluator = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Assets/models/classroom-faces-evaluator.safetensors").path
        let images = Tensor(shape: [3, 32, 32], values: (0..<3072).map { Float(($0 * 7) % 29) / 28 })
        try NumpyArray.write(images, to: folder.appendingPathComponent("faces.npy"))
        try NumpyArray.write(Tensor(shape: [3], values: [0, 5, 39]), to: folder.appendingPathComponent("people.npy"))
        try NumpyArray.write(Tensor(shape: [2], values: [0, 5]), to: folder.appendingPathComponent("two.npy"))
        let scored = try runInvertlab(["score", "--truth", path("faces.npy"), "--reconstruction", path("faces.npy"),
                                       "--labels", path("people.npy"), "--evaluator", evaluator, "--json"])
        XCTAssertEqual(scored.status, 0, scored.output)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(scored.output.utf8)) as? [String: Any])
        XCTAssertEqual(json["knn_dist"] as? Double, 0, "each reconstruction is its own truth")
        let top1 = try XCTUnwrap(json["attack_acc_top1"] as? Double)
        XCTAssert((top1...1).contains(try XCTUnwrap(json["attack_acc_top5"] as? Double)))
        let short = try runInvertlab(["score", "--truth", path("faces.npy"), "--reconstruction", path("faces.npy"),
                                      "--labels", path("two.npy"), "--evaluator", evaluator])
        XCTAssert(short.output.contains("2 labels for the 3 images of --truth"), short.output)
        try NumpyArray.write(Tensor(zeros: [2, 16, 16]), to: folder.appendingPathComponent("small.npy"))
        let wrongSize = try runInvertlab(["score", "--truth", path("small.npy"), "--reconstruction", path("small.npy"),
                                          "--labels", path("two.npy"), "--evaluator", evaluator])
        XCTAssertNotEqual(wrongSize.status, 0)
        XCTAssert(wrongSize.output.contains("classroom-faces-evaluator.safetensors: evaluators judge 32 or 64 px images, not 16 px"),
                  wrongSize.output)
    }

    func testInferRefusesInputsOfTheWrongShapeOrRange() throws {
        let shape = ["--size", "32", "--classes", "4", "--width", "2"]
        _ = try runInvertlab(["init", "--arch", "classifier"] + shape + ["--output", path("c.safetensors")])
        _ = try runInvertlab(["init", "--arch", "inversion"] + shape + ["--output", path("i.safetensors")])
        try NumpyArray.write(Tensor(zeros: [4, 1024]), to: folder.appendingPathComponent("flat.npy"))
        try NumpyArray.write(Tensor(zeros: [4, 4, 1]), to: folder.appendingPathComponent("vectors.npy"))
        try NumpyArray.write(Tensor(shape: [2, 4], values: [0.5, 0.5, 0, 0, -0.1, 1, 0, 0]), to: folder.appendingPathComponent("negative.npy"))
        try NumpyArray.write(Tensor(shape: [1, 32, 32], values: [Float](repeating: 2, count: 1024)), to: folder.appendingPathComponent("bright.npy"))
        try NumpyArray.write(Tensor(zeros: [1, 4]), to: folder.appendingPathComponent("good.npy"))
        let cases: [(String, String, String, String)] = [
            ("classifier", "flat.npy", "r.npy", "shape [4, 1024] is not [N, 1, 32, 32] or [N, 32, 32]"),
            ("inversion", "vectors.npy", "r.npy", "shape [4, 4, 1] is not [N, 4]"),
            ("inversion", "negative.npy", "r.npy", "element 4 is -0.1; probabilities must lie in [0, 1]"),
            ("classifier", "bright.npy", "r.npy", "element 0 is 2.0; pixel values must lie in [0, 1]"),
            ("inversion", "good.npy", "", "is a folder; give a file name"),
        ]
        for (arch, input, output, expected) in cases {
            let weights = arch == "classifier" ? "c.safetensors" : "i.safetensors"
            let result = try runInvertlab(["infer", "--arch", arch] + shape + ["--weights", path(weights), "--input", path(input),
                                                                             "--output", output.isEmpty ? folder.path : path(output)])
            XCTAssertNotEqual(result.status, 0, input)
            XCTAssert(result.output.contains(expected), "'\(expected)' missing from: \(result.output)")
        }
        XCTAssertEqual(try runInvertlab(["infer", "--arch", "inversion"] + shape + ["--weights", path("i.safetensors"),
                                        "--input", path("good.npy"), "--output", path("r.npy")]).status, 0)
    }

    func testTheWorkbenchRejectsBadInputBeforeOpeningTheScreen() throws {
        let cases: [([String], String)] = [
            (["--data", path("no-such-faces")], "no-such-faces: does not exist"),
            (["--aux", path("no-such-aux")], "no-such-aux' is neither a known set"),
            (["--private-classes", "6", "--width", "4", "--inversion", path("missing.safetensors")], "--inversion"),
            (["--truncation", "top3"], "--truncation 'top3'"),
            (["--run", path("no-such-run")], "no-such-run/config.json"),
        ]
        for (arguments, expected) in cases {
            let result = try runInvertlab(arguments)
            XCTAssertEqual(result.status, 1, arguments.joined(separator: " "))
            XCTAssert(result.output.contains(expected), "'\(expected)' missing from: \(result.output)")
            XCTAssertFalse(result.output.contains("\u{1b}["), "no screen was opened: \(result.output)")
        }
    }
}
