import Foundation
import Lab
import XCTest

/// Release settings are parsed once, at the edge, by one parser whose errors name the option or JSON key.
final class ReleaseSettingsTests: XCTestCase {
    private func refusal(_ text: String, option: String = "--truncation") -> String {
        do {
            _ = try ReleasePolicy(parsing: text, option: option)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    func testEveryFormParsesAndWritesBackTheSameText() throws {
        let forms: [(String, ReleasePolicy)] = [
            ("all", .full), ("3", .topK(3)), ("round:2", .rounded(decimals: 2)), ("round:0", .rounded(decimals: 0)),
            ("round:8", .rounded(decimals: 8)), ("label", .labelOnly), ("noise:0.05", .noise(standardDeviation: 0.05)),
            ("noise:0.0", .noise(standardDeviation: 0)), ("threshold:0.1", .threshold(0.1)), ("threshold:0.0", .threshold(0)),
        ]
        for (text, policy) in forms {
            XCTAssertEqual(try ReleasePolicy(parsing: text, option: "--truncation"), policy, text)
            XCTAssertEqual(try ReleasePolicy(parsing: policy.text, option: "--truncation"), policy, "\(policy) round trip")
        }
        XCTAssertEqual(try ReleasePolicy(parsing: "full", option: "x"), .full)
        XCTAssertEqual(try TrainingRelease(parsing: "victims", option: "x"), .likeVictims)
        XCTAssertEqual(try TrainingRelease(parsing: "all", option: "x"), .fixed(.full))
        XCTAssertEqual(try TrainingRelease(parsing: "2", option: "x"), .fixed(.topK(2)))
        XCTAssertEqual(try AuxiliarySource(parsing: "aligned", option: "x"), .kind(.aligned))
        let folder = FileManager.default.temporaryDirectory.path
        XCTAssertEqual(try AuxiliarySource(parsing: folder, option: "x"), .path(folder))
        XCTAssertNoThrow(try AuxiliarySource(parsing: folder, option: "x").checkAvailable(option: "--aux"))
        XCTAssertThrowsError(try AuxiliarySource(parsing: "genric", option: "--aux").checkAvailable(option: "--aux")) { error in
            XCTAssert("\(error)".contains("--aux 'genric' is neither a known set (same, generic"), "\(error)")
        }
    }

    func testOutOfRangeValuesAreRefusedWithTheOptionAndTheRange() {
        // A negative k used to parse and then trap when applied.
        XCTAssert(refusal("-2").contains("--truncation '-2': top-k needs k ≥ 1"), refusal("-2"))
        XCTAssert(refusal("0").contains("--truncation '0': top-k needs k ≥ 1"), refusal("0"))
        XCTAssert(refusal("round:9").contains("round:D takes D from 0 to 8"), refusal("round:9"))
        XCTAssert(refusal("round:-1").contains("round:D takes D from 0 to 8"))
        for bad in ["noise:-0.1", "noise:nan", "noise:inf", "noise:", "noise:1e308"] {
            XCTAssert(refusal(bad).contains("noise:S takes a finite standard deviation S ≥ 0"), "\(bad): \(refusal(bad))")
        }
        XCTAssert(refusal("noise:1e308").contains("beyond 32-bit floats' 3.4e38"), refusal("noise:1e308"))
        XCTAssertFalse(refusal("noise:inf").contains("beyond"), "infinity was typed as such")
        for bad in ["threshold:1", "threshold:-0.5", "threshold:x"] {
            XCTAssert(refusal(bad).contains("threshold:T takes T in [0, 1)"), "\(bad): \(refusal(bad))")
        }
        XCTAssert(refusal("three", option: "victims' release").contains("victims' release 'three': not all, a number k ≥ 1"))
        XCTAssertThrowsError(try TrainingRelease(parsing: "aligned", option: "--train-truncation")) {
            XCTAssert("\($0)".contains("--train-truncation 'aligned' is now 'victims'"), "\($0)")
        }
        XCTAssertThrowsError(try TrainingRelease(parsing: "sometimes", option: "--train-truncation")) {
            XCTAssert("\($0)".contains("--train-truncation 'sometimes': not victims, or all"), "\($0)")
        }
        XCTAssertThrowsError(try AuxiliarySource(parsing: " ", option: "--aux")) { XCTAssert("\($0)".contains("--aux is empty")) }
    }

    func testJSONKeepsReadableStringsAndErrorsNameTheKeyAndFile() throws {
        var config = ExperimentConfig()
        config.attack = AttackSettings(auxiliary: .kind(.distinct), victimRelease: .rounded(decimals: 2),
                                       trainingRelease: .fixed(.full))
        let encoded = try JSONEncoder().encode(config)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        XCTAssertEqual(object["aux"] as? String, "distinct")
        XCTAssertEqual(object["truncation"] as? String, "round:2")
        XCTAssertEqual(object["train_truncation"] as? String, "all")
        XCTAssertEqual(object["defence"] as? String, "none")
        XCTAssertEqual(try JSONDecoder().decode(ExperimentConfig.self, from: encoded), config)
        config.defence = .labelSmoothing(-0.05)
        XCTAssertEqual(try JSONDecoder().decode(ExperimentConfig.self, from: JSONEncoder().encode(config)), config)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-preset-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        for (json, fragment) in [(#"{"truncation": "-2"}"#, "truncation '-2': top-k needs k ≥ 1"),
                                 (#"{"train_truncation": "noise:-1"}"#, "train_truncation 'noise:-1'"),
                                 (#"{"synthetic_photos": 0}"#, "synthetic_photos must be between 1 and 1000, not 0"),
                                 (#"{"defence": "smooth:2"}"#, "defence 'smooth:2': smooth:A takes A from -1 to 0.99")] {
            try Data(json.utf8).write(to: file)
            XCTAssertThrowsError(try ExperimentConfig.load(preset: file).validate()) { error in
                XCTAssert("\(error)".contains(fragment), "\(error)")
            }
        }
        try Data(#"{"truncation": "-2"}"#.utf8).write(to: file)
        XCTAssertThrowsError(try ExperimentConfig.load(preset: file)) { XCTAssert("\($0)".contains(file.path), "\($0)") }
    }
}
