import Foundation
import NeuralNet
import TensorFiles
import XCTest

/// `invertlab run` and `sweep` as a script would use them.
final class AttackCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-attack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Small enough to train in seconds.
    private let tiny = ["--private-classes", "5", "--width", "4", "--epochs-classifier", "2", "--epochs-inversion", "2"]

    func testRunWritesJSONAndARunFolder() throws {
        let out = folder.appendingPathComponent("run").path
        let result = try runInvertlab(["run"] + tiny + ["--truncation", "2", "--out", out, "--json", "--quiet"])
        XCTAssertEqual(result.status, 0, result.output)
        let lastLine = try XCTUnwrap(result.output.split(separator: "\n").last)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
        let classifier = try XCTUnwrap(json["classifier"] as? [String: Any])
        let inversion = try XCTUnwrap(json["inversion"] as? [String: Any])
        XCTAssertNotNil(classifier["train_accuracy"] as? Double)
        XCTAssertNotNil(classifier["test_accuracy"] as? Double)
        XCTAssertEqual(inversion["aux"] as? String, "generic")
        XCTAssertEqual(inversion["k_victim"] as? String, "2")
        XCTAssertEqual(inversion["k_train"] as? String, "2")
        XCTAssertGreaterThan(try XCTUnwrap(inversion["mse_victim_train"] as? Double), 0)
        XCTAssertGreaterThan(try XCTUnwrap(inversion["mse_victim_test"] as? Double), 0)
        XCTAssertNotNil(json["seconds"] as? Double)
        XCTAssert((0...1).contains(try XCTUnwrap(inversion["recognised_test"] as? Double)))
        // The mean of per-image PSNRs is at least the PSNR of the mean MSE (Jensen), and SSIM lies in [-1, 1].
        let psnr = try XCTUnwrap(inversion["psnr_victim_test"] as? Double)
        XCTAssertGreaterThanOrEqual(psnr, 10 * log10(1 / (try XCTUnwrap(inversion["mse_victim_test"] as? Double))) - 1e-6)
        XCTAssert((-1...1).contains(try XCTUnwrap(inversion["ssim_victim_test"] as? Double)))
        XCTAssertEqual(inversion["aux_images"] as? Int, 95 * 30, "95 generic people, 30 photos each")
        // Graded as the field grades: attack accuracy, KNN distance, the evaluator's own accuracy, the baselines.
        let top1 = try XCTUnwrap(inversion["attack_acc_top1"] as? Double)
        XCTAssert((top1...1).contains(try XCTUnwrap(inversion["attack_acc_top5"] as? Double)))
        XCTAssertGreaterThan(try XCTUnwrap(inversion["knn_dist_victim_test"] as? Double), 0)
        XCTAssert((1...2).contains(try XCTUnwrap(inversion["chosen_epoch"] as? Int)))
        let evaluator = try XCTUnwrap(json["evaluator"] as? [String: Any])
        XCTAssert((0...1).contains(try XCTUnwrap(evaluator["test_accuracy"] as? Double)))
        let baselines = try XCTUnwrap(json["baselines"] as? [String: [String: Double]])
        XCTAssertEqual(Set(baselines.keys), ["mean", "nearest", "random"])
        for (name, baseline) in baselines {
            XCTAssertGreaterThan(try XCTUnwrap(baseline["mse_victim_test"]), 0, name)
            XCTAssert((0...1).contains(try XCTUnwrap(baseline["attack_acc_top1"])), name)
        }
        for name in ["config.json", "metrics.csv", "reconstructions_train.png", "reconstructions_test.png",
                     "class_inference.png", "classifier.safetensors", "inversion.safetensors", "evaluator.safetensors"] {
            XCTAssert(FileManager.default.fileExists(atPath: "\(out)/\(name)"), "missing \(name)")
        }
        let metrics = try String(contentsOfFile: "\(out)/metrics.csv", encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 5, metrics)

        // The trained classifier is reused by a later run.
        let reuse = try runInvertlab(["run"] + tiny + ["--classifier", "\(out)/classifier.safetensors", "--quiet"])
        XCTAssertEqual(reuse.status, 0, reuse.output)
        XCTAssert(reuse.output.contains("victim MSE"))
    }

    func testSweepPrintsTheComparison() throws {
        // A sample of the generic set beside the whole: background knowledge of two sizes, and an aux name wider than
        // the table's usual column.
        let result = try runInvertlab(["sweep"] + tiny + ["--truncation", "1,all", "--auxes", "generic:100,generic", "--json", "--quiet",
                                                          "--out", folder.appendingPathComponent("sweep").path])
        XCTAssertEqual(result.status, 0, result.output)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.output.split(separator: "\n").last!.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(json["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["k"] as? String }, ["1", "all", "1", "all"])
        XCTAssertEqual(rows.map { $0["aux"] as? String }, ["generic:100", "generic:100", "generic", "generic"])
        for key in ["aligned_mse_train", "aligned_mse_test", "unaligned_mse_train", "unaligned_mse_test", "aligned_acc_top1",
                    "unaligned_acc_top1"] {
            XCTAssertNotNil(rows[0][key] as? Double, key)
        }
        XCTAssertEqual(Set(try XCTUnwrap(rows[0]["baseline_acc_top1"] as? [String: Double]).keys), ["mean", "nearest", "random"])
        XCTAssert(FileManager.default.fileExists(atPath: folder.appendingPathComponent("sweep/sweep_generic.png").path))
        // --out promises sweep.csv beside the JSON and the table.
        let csv = try String(contentsOf: folder.appendingPathComponent("sweep/sweep.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "aux,k,aligned_mse_train,aligned_mse_test,unaligned_mse_train,unaligned_mse_test,aligned_acc_top1,"
                       + "unaligned_acc_top1,mean_mse_test,mean_acc_top1,nearest_mse_test,nearest_acc_top1,random_mse_test,random_acc_top1")
        XCTAssertEqual(lines.dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") },
                       ["generic:100,1", "generic:100,all", "generic,1", "generic,all"])
        // The table's columns line up: every row's figures start where the header's "aligned" does.
        let table = try String(contentsOf: folder.appendingPathComponent("sweep/sweep.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let column = try XCTUnwrap(table[1].range(of: "aligned")).lowerBound.utf16Offset(in: table[1])
        XCTAssertEqual(table.filter { $0.hasPrefix("generic:100 ") }.count, 2, "the whole aux name: \(table)")
        for row in table.dropFirst(2) where !row.hasPrefix("acc:") {
            let figures = row.range(of: #"\d\.\d{4} /"#, options: .regularExpression)
            XCTAssertEqual(figures?.lowerBound.utf16Offset(in: row), column, "\(row)\n\(table[1])")
        }
        XCTAssert(try XCTUnwrap(runInvertlab(["sweep", "--help"]).output).contains("sweep.csv"))
    }

    func testFredriksonReconstructsEachAskedClassAndIsGraded() throws {
        let out = folder.appendingPathComponent("fredrikson").path
        let result = try runInvertlab(["attack"] + tiny + ["--method", "fredrikson", "--classes", "0-2", "--iterations", "20",
                                                           "--out", out, "--json", "--quiet"])
        XCTAssertEqual(result.status, 0, result.output)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(result.output.split(separator: "\n").last).utf8)) as? [String: Any])
        XCTAssertEqual(json["method"] as? String, "fredrikson")
        XCTAssertEqual(json["classes"] as? Int, 3)
        XCTAssert((0...1).contains(try XCTUnwrap(json["target_confidence"] as? Double)))
        let grade = try XCTUnwrap(json["grade"] as? [String: Any])
        XCTAssertEqual(grade["images"] as? Int, 3)
        for key in ["attack_acc_top1", "attack_acc_top5", "knn_dist", "mse", "ssim"] { XCTAssertNotNil(grade[key] as? Double, key) }
        for name in ["config.json", "attack.json", "attack.png", "reconstructions.npy", "state.json"] {
            XCTAssert(FileManager.default.fileExists(atPath: "\(out)/\(name)"), "missing \(name)")
        }
        for (classes, message) in [("3-1", "--classes takes class numbers and ranges"), ("1,1", "names a class twice"),
                                   ("0-9", "--classes: 5 is not a private class (0 to 4)")] {
            let refused = try runInvertlab(["attack"] + tiny + ["--classes", classes, "--iterations", "1", "--quiet"])
            XCTAssertNotEqual(refused.status, 0)
            XCTAssert(refused.output.contains(message), refused.output)
        }
    }

    func testGMITrainsItsPriorAndReconstructsEachAskedClass() throws {
        let result = try runInvertlab(["attack"] + tiny + ["--method", "gmi", "--classes", "1,3", "--iterations", "10",
                                                           "--restarts", "2", "--gan-epochs", "1", "--json", "--quiet"])
        XCTAssertEqual(result.status, 0, result.output)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(result.output.split(separator: "\n").last).utf8)) as? [String: Any])
        XCTAssertEqual(json["method"] as? String, "gmi")
        XCTAssertEqual(json["classes"] as? Int, 2)
        XCTAssertEqual((json["grade"] as? [String: Any])?["images"] as? Int, 2)
        let refused = try runInvertlab(["attack"] + tiny + ["--method", "gmi", "--restarts", "0", "--quiet"])
        XCTAssert(refused.output.contains("--restarts must be between 1 and 100, not 0"), refused.output)
    }

    /// LOMMA trains a GAN and three students and leaves them in its run folder; GMI with model augmentation reuses
    /// them instead of training its own.
    func testLOMMALeavesItsModelsForTheNextAttackToReuse() throws {
        let out = folder.appendingPathComponent("lomma").path
        let lomma = try runInvertlab(["attack"] + tiny + ["--method", "lomma", "--classes", "0,2", "--iterations", "10", "--restarts", "2",
                                                         "--gan-epochs", "1", "--distil-epochs", "1", "--out", out, "--json"])
        XCTAssertEqual(lomma.status, 0, lomma.output)
        XCTAssert(lomma.output.contains("distilling 3 classifiers"), lomma.output)
        let models = ["gan.safetensors", "student-1.safetensors", "student-2.safetensors", "student-3.safetensors"]
        for name in models { XCTAssert(FileManager.default.fileExists(atPath: "\(out)/\(name)"), "missing \(name)") }
        let reuse = ["--gan", "\(out)/gan.safetensors", "--students", models.dropFirst().map { "\(out)/\($0)" }.joined(separator: ",")]
        let again = try runInvertlab(["attack"] + tiny + ["--method", "gmi-aug", "--classes", "1", "--iterations", "5", "--restarts", "1",
                                                         "--json"] + reuse)
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertFalse(again.output.contains("training the GAN prior") || again.output.contains("distilling"), again.output)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(again.output[try XCTUnwrap(again.output.range(of: "{\"classes\"", options: .backwards)).lowerBound...].utf8)) as? [String: Any])
        XCTAssertEqual(json["method"] as? String, "gmi-aug")
        for (arguments, message) in [(["--method", "fredrikson", "--gan", "\(out)/gan.safetensors"], "--gan is for gmi, kedmi and their variants"),
                                     (["--method", "gmi", "--students", "a,b,c"], "--students is for gmi-aug, lomma, kedmi-aug and kedmi-lomma, not gmi"),
                                     (["--method", "lomma", "--students", "\(out)/gan.safetensors"], "--students takes 3 files"),
                                     (["--method", "lomma", "--gan", "\(out)/student-1.safetensors"], "student-1.safetensors")] {
            let refused = try runInvertlab(["attack"] + tiny + arguments + ["--iterations", "1", "--quiet"])
            XCTAssertNotEqual(refused.status, 0, arguments.joined(separator: " "))
            XCTAssert(refused.output.contains(message), refused.output)
        }
    }

    /// KEDMI trains its own GAN against the target and leaves it in its run folder (kedmi-gan.safetensors); KEDMI
    /// with the logit loss reuses it, and GMI, whose GAN has a one-output discriminator, refuses it by name.
    func testKEDMILeavesItsGANForTheNextKEDMIAttack() throws {
        let out = folder.appendingPathComponent("kedmi").path
        let kedmi = try runInvertlab(["attack"] + tiny + ["--method", "kedmi", "--classes", "0,3", "--iterations", "10", "--restarts", "2",
                                                         "--gan-epochs", "1", "--out", out, "--json"])
        XCTAssertEqual(kedmi.status, 0, kedmi.output)
        XCTAssert(kedmi.output.contains("KEDMI: training the GAN on") && kedmi.output.contains("soft labels"), kedmi.output)
        XCTAssert(FileManager.default.fileExists(atPath: "\(out)/kedmi-gan.safetensors"))
        let again = try runInvertlab(["attack"] + tiny + ["--method", "kedmi-logit", "--classes", "1", "--iterations", "5", "--restarts", "1",
                                                         "--gan", "\(out)/kedmi-gan.safetensors", "--json"])
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertFalse(again.output.contains("training the GAN"), again.output)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(again.output[try XCTUnwrap(again.output.range(of: "{\"classes\"", options: .backwards)).lowerBound...].utf8)) as? [String: Any])
        XCTAssertEqual(json["method"] as? String, "kedmi-logit")
        let refused = try runInvertlab(["attack"] + tiny + ["--method", "gmi", "--gan", "\(out)/kedmi-gan.safetensors", "--iterations", "1", "--quiet"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssert(refused.output.contains("kedmi-gan.safetensors"), refused.output)
    }

    /// compare: one row per asked attack in the table's order (whatever the order asked), graded on the same
    /// identities, with the picture and the summary written; unknown attack names are refused with the list.
    func testCompareGradesEveryAskedAttackOnTheSameIdentities() throws {
        let out = folder.appendingPathComponent("compare").path
        let result = try runInvertlab(["compare"] + tiny + ["--attacks", "baseline-mean,gmi-logit,aligned,gmi", "--classes", "0-2",
                                                            "--iterations", "5", "--restarts", "1", "--gan-epochs", "1",
                                                            "--out", out, "--json", "--quiet"])
        XCTAssertEqual(result.status, 0, result.output)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/summary.json"))) as? [String: Any])
        XCTAssertNotNil(summary["mean"], "\(summary.keys)")
        let seed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/seed-2019/compare.json"))) as? [String: Any])
        XCTAssertEqual(seed["classes"] as? [Int], [0, 1, 2])
        XCTAssertEqual(seed["release"] as? String, "1")
        let rows = try XCTUnwrap(seed["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["attack"] as? String }, ["aligned", "gmi", "gmi-logit", "baseline-mean"])
        XCTAssertEqual(rows.map { $0["needs"] as? String }, ["released vectors, public data", "gradients, public data",
                                                             "gradients, public data", "public data"])
        for row in rows {
            for key in ["attack_acc_top1", "attack_acc_top5"] { XCTAssert((0...1).contains(row[key] as? Double ?? -1), "\(row)") }
            XCTAssertGreaterThan(row["mse"] as? Double ?? 0, 0, "\(row)")
        }
        // gmi-logit reuses gmi's GAN and counts its training time.
        XCTAssertGreaterThanOrEqual(rows[2]["seconds"] as? Double ?? 0, 0.5 * (rows[1]["seconds"] as? Double ?? .infinity), "\(rows)")
        XCTAssert(FileManager.default.fileExists(atPath: "\(out)/seed-2019/compare.png"))
        let refused = try runInvertlab(["compare"] + tiny + ["--attacks", "gmi,kedmi-x", "--quiet"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssert(refused.output.contains("'kedmi-x': not an attack; the attacks are all or aligned, unaligned"), refused.output)
    }

    /// compare --resume: a seed finished before is read back (its report untouched), the others run, and the
    /// summary covers them all; a resume with other options is refused with the file that differs, and a report of
    /// another shape by its name.
    func testCompareResumesFromTheSeedsFinishedBefore() throws {
        let out = folder.appendingPathComponent("resumed").path
        let arguments = ["compare"] + tiny + ["--attacks", "baseline-mean", "--classes", "0-1", "--out", out]
        XCTAssertEqual(try runInvertlab(arguments + ["--quiet"]).status, 0)
        let first = try Data(contentsOf: URL(fileURLWithPath: "\(out)/seed-2019/compare.json"))
        let resumed = try runInvertlab(arguments + ["--seeds", "2", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssert(resumed.output.contains("seed 2019 (1 of 2): completed before, read from \(out)/seed-2019"), resumed.output)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(out)/seed-2019/compare.json")), first)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/summary.json"))) as? [String: Any])
        XCTAssertEqual(summary["seeds"] as? [Int], [2019, 2020])
        let other = try runInvertlab(["compare"] + tiny + ["--attacks", "baseline-mean", "--classes", "0-2", "--out", out, "--resume", "--quiet"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssert(other.output.contains("seed-2019 completed with other settings (its options.json differs)"), other.output)
        // A report of another shape is refused by name, not summarised as missing figures.
        try Data(#"{"classes": [0, 1], "release": "1", "rows": "x", "gan_seconds": 0, "students_seconds": 0}"#.utf8).write(to: URL(fileURLWithPath: "\(out)/seed-2019/compare.json"))
        let broken = try runInvertlab(arguments + ["--seeds", "2", "--resume", "--quiet"])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssert(broken.output.contains("seed-2019/compare.json: not a compare.json report (rows:"), broken.output)
    }

    /// compare --resume on a seed stopped part way: the rows its journal kept are read back into the report, and
    /// the journal is gone once the seed completes; a run with other settings throws the journal away unread.
    func testCompareResumesAStoppedSeedFromItsJournal() throws {
        let out = folder.appendingPathComponent("journal").path
        let arguments = ["compare"] + tiny + ["--attacks", "baseline-mean,baseline-random", "--classes", "0-1", "--out", out, "--quiet"]
        XCTAssertEqual(try runInvertlab(arguments).status, 0)
        let seed = URL(fileURLWithPath: "\(out)/seed-2019")
        // As a seed stopped after its first row leaves it: interrupted, that row kept (here with a mark to find it by).
        func stopAfterFirstRow() throws {
            try Data(#"{"state": "interrupted"}"#.utf8).write(to: seed.appendingPathComponent("state.json"))
            let journal = seed.appendingPathComponent("journal")
            try FileManager.default.createDirectory(at: journal, withIntermediateDirectories: true)
            try NumpyArray.write(Tensor(zeros: [2, 1, 32, 32]), to: journal.appendingPathComponent("baseline-mean.npy"))
            try Data(#"{"attack": "baseline-mean", "needs": "public data", "attack_acc_top1": 0.125, "attack_acc_top5": 1, "mse": 0.5, "seconds": 7}"#.utf8)
                .write(to: journal.appendingPathComponent("baseline-mean.json"))
        }
        func rows() throws -> [[String: Any]] {
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: seed.appendingPathComponent("compare.json"))) as? [String: Any]
            return try XCTUnwrap(report?["rows"] as? [[String: Any]])
        }
        try stopAfterFirstRow()
        let resumed = try runInvertlab(arguments + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertEqual(try rows().map { $0["attack_acc_top1"] as? Double }.first, 0.125, "the kept row is read back, not measured")
        XCTAssertEqual(try rows().count, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: seed.appendingPathComponent("journal").path), "the completed seed drops its journal")
        try stopAfterFirstRow()
        let other = try runInvertlab(["compare"] + tiny + ["--attacks", "baseline-mean,baseline-random", "--classes", "0-2", "--out", out,
                                                           "--quiet", "--resume"])
        XCTAssertEqual(other.status, 0, other.output)
        XCTAssertNotEqual(try rows().first?["attack_acc_top1"] as? Double, 0.125, "another setting's kept row is not read back")
    }

    func testNegativeCountsAreRefusedNotTrapped() throws {
        for (arguments, expected) in [(["sweep", "--victims=-3"], "--victims must be at least 1, not -3"),
                                      (["sweep", "--truncation", "1,-2"], "--truncation '-2': top-k needs k ≥ 1"),
                                      (["run", "--truncation=-2"], "--truncation '-2': top-k needs k ≥ 1"),
                                      (["run", "--train-truncation", "aligned"], "'aligned' is now 'victims'"),
                                      // Sizes that would ask for hundreds of gigabytes are refused before anything is built.
                                      (["run", "--width", "100000"], "--width must be between 1 and 1024, not 100000"),
                                      (["run", "--joint=nan"], "--joint takes a finite weight λ > 0, not nan"),
                                      (["run", "--joint=-1"], "--joint takes a finite weight λ > 0, not -1.0"),
                                      (["run", "--batch", "100000"], "--batch must be between 2 and 4096"),
                                      (["init", "--arch", "inversion", "--classes", "1000000000", "--output", "x.safetensors"],
                                       "--classes must be between 2 and 100000"),
                                      (["init", "--arch", "classifier", "--classes", "10", "--width", "100000", "--output", "x.safetensors"],
                                       "--width must be between 1 and 1024")] {
            let result = try runInvertlab(arguments + (arguments[0] == "init" ? [] : ["--quiet"]))
            // 1 for a bad setting, 64 for a bad option (a trap would end by a signal instead).
            XCTAssert([1, 64].contains(result.status), "\(arguments) ended with \(result.status): \(result.output)")
            XCTAssert(result.output.contains(expected), "'\(expected)' missing from: \(result.output)")
        }
    }

    func testImpossibleSettingsFailBeforeTraining() throws {
        let cases: [([String], String)] = [
            (["--truncation", "9"], "--truncation 9 must be between 1 and the 5 private classes"),
            (["--truncation", "0"], "--truncation '0'"),
            (["--private-classes", "500"], "500 private classes asked for"),
            (["--aux", "nowhere/at/all"], "is neither a known set"),
            (["--size", "40"], "--size must be 32 or 64"),
            (["--preset", "no-such-preset"], "no preset 'no-such-preset'"),
        ]
        for (options, expected) in cases {
            var arguments = ["run", "--private-classes", "5", "--epochs-classifier", "1000", "--quiet"]
            arguments += options
            let started = Date()
            let result = try runInvertlab(arguments)
            XCTAssertNotEqual(result.status, 0, options.joined(separator: " "))
            XCTAssert(result.output.contains(expected), "'\(expected)' missing from: \(result.output)")
            XCTAssertLessThan(Date().timeIntervalSince(started), 30 * testSlowdown, "refused before a thousand epochs of training")
        }
    }
}
