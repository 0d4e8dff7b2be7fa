import Lab
import XCTest
@testable import Workbench

/// The setup screen's fields: stepping, typing, bad values, and which changes restart training.
final class SetupFormTests: XCTestCase {
    private func form(_ field: SetupForm.Field) -> SetupForm {
        var form = SetupForm(ExperimentConfig(), presetName: "classroom-faces")
        form.selected = field
        return form
    }

    func testSteppingWalksTheUsualValuesAndTypedOnesJoinThem() throws {
        var widths = form(.width)
        try widths.step(forward: true)
        XCTAssertEqual(widths.config.width, 64)
        try widths.step(forward: false)
        try widths.step(forward: false)
        XCTAssertEqual(widths.config.width, 16)

        var epochs = form(.epochsClassifier)
        try epochs.set(typed: " 7 ")
        XCTAssertEqual(epochs.config.epochsClassifier, 7)
        try epochs.step(forward: true)
        XCTAssertEqual(epochs.config.epochsClassifier, 10, "a typed value steps to the next usual one")
        try epochs.set(typed: "7")
        try epochs.step(forward: false)
        XCTAssertEqual(epochs.config.epochsClassifier, 5)

        var release = form(.victimRelease)
        try release.step(forward: false)
        XCTAssertEqual(release.config.attack.victimRelease, .topK(10), "before all comes top-10")

        var data = form(.data)
        try data.step(forward: true)
        XCTAssertEqual(data.config.data, "orl-faces", "the shipped real faces are one step away")
        try data.step(forward: true)
        XCTAssertEqual(data.config.data, "synthetic-faces")

        var auxiliary = form(.auxiliarySize)
        XCTAssertEqual(auxiliary.value(of: .auxiliarySize), "all")
        try auxiliary.step(forward: true)
        XCTAssertEqual(auxiliary.config.auxiliarySize, 200)
        try auxiliary.set(typed: "all")
        XCTAssertNil(auxiliary.config.auxiliarySize)
        try auxiliary.set(typed: "3000")
        XCTAssertEqual(auxiliary.config.auxiliarySize, 3000)
        XCTAssertFalse(SetupForm.Field.auxiliarySize.appliesLive, "new background knowledge restarts the attack")

        var classes = form(.privateClasses)
        try classes.set(typed: "2")
        try classes.step(forward: false)
        XCTAssertEqual(classes.config.privateClasses, 2, "never below two classes")
    }

    func testBadTypedValuesNameTheFieldAndChangeNothing() {
        var classes = form(.privateClasses)
        XCTAssertThrowsError(try classes.set(typed: "1")) { XCTAssert("\($0)".contains("private classes must be a whole number of at least 2")) }
        XCTAssertThrowsError(try classes.set(typed: "many")) { XCTAssert("\($0)".contains("'many'")) }
        XCTAssertEqual(classes.config.privateClasses, 40)
        var release = form(.victimRelease)
        XCTAssertThrowsError(try release.set(typed: "top3")) { XCTAssert("\($0)".contains("victims' release 'top3'")) }
        XCTAssertNoThrow(try release.set(typed: "noise:0.1"))
        XCTAssertEqual(release.config.attack.victimRelease, .noise(standardDeviation: 0.1))
        var size = form(.size)
        XCTAssertThrowsError(try size.set(typed: "48")) { XCTAssert("\($0)".contains("image size must be 32 or 64")) }
        var preset = form(.preset)
        XCTAssertThrowsError(try preset.set(typed: "no-such-preset")) { XCTAssert("\($0)".contains("no preset 'no-such-preset'")) }
        XCTAssertEqual(preset.presetName, "classroom-faces")
    }

    func testAPresetReplacesEverySetting() throws {
        var form = form(.preset)
        try form.step(forward: true, presets: ["classroom-faces", "orl"])
        XCTAssertEqual(form.presetName, "orl")
        XCTAssertEqual(form.config, try ExperimentConfig.preset(named: "orl"))
        XCTAssertEqual(Set(form.changedFields(from: ExperimentConfig())),
                       [.data, .privateClasses, .size, .epochsClassifier, .epochsInversion])
    }

    func testReleaseAndAttackerChangesApplyLiveOthersRestart() throws {
        var form = form(.auxiliary)
        try form.step(forward: true)
        form.selected = .trainingRelease
        try form.step(forward: true)
        let changed = form.changedFields(from: ExperimentConfig())
        XCTAssertEqual(changed, [.auxiliary, .trainingRelease])
        XCTAssert(changed.allSatisfy(\.appliesLive))
        form.selected = .seed
        try form.step(forward: true)
        XCTAssertEqual(form.config.seed, 2020)
        XCTAssertFalse(form.changedFields(from: ExperimentConfig()).allSatisfy(\.appliesLive))
    }

    func testTheDefenceStepsThroughTheDefendTablesAndRestartsTraining() throws {
        var form = form(.defence)
        try form.step(forward: true)
        XCTAssertEqual(form.config.defence, .differentialPrivacy(epsilon: 1, clipNorm: 1))
        try form.step(forward: false)
        try form.step(forward: false)
        XCTAssertEqual(form.config.defence, .informationBottleneck(0.01), "before none comes the last row's defence")
        try form.set(typed: "smooth:-0.2")
        XCTAssertEqual(form.config.defence, .labelSmoothing(-0.2))
        XCTAssertThrowsError(try form.set(typed: "dp:0")) { XCTAssert("\($0)".contains("training defence 'dp:0'"), "\($0)") }
        XCTAssertEqual(form.changedFields(from: ExperimentConfig()), [.defence])
        XCTAssertFalse(SetupForm.Field.defence.appliesLive)
    }

    func testSelectionStopsAtTheEnds() {
        var form = form(.preset)
        form.moveSelection(by: -1)
        XCTAssertEqual(form.selected, .preset)
        form.moveSelection(by: 100)
        XCTAssertEqual(form.selected, .seed)
    }
}
