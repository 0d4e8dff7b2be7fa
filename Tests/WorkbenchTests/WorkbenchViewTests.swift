import Foundation
import Lab
import Terminal
import XCTest
@testable import Workbench

/// The workbench's views and keys, drawn into cell buffers from a real (tiny) session, without a terminal.
final class WorkbenchViewTests: XCTestCase {
    private let output = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-views-\(UUID().uuidString)")

    override func tearDown() {
        try? FileManager.default.removeItem(at: output)
    }

    private func tinyConfig() -> ExperimentConfig {
        var config = ExperimentConfig()
        config.privateClasses = 6
        config.width = 4
        config.epochsClassifier = 2
        config.epochsInversion = 2
        config.syntheticPhotos = 10
        return config
    }

    /// A workbench on a started session, once the session has settled.
    private func settledApp(_ launch: WorkbenchLaunch) throws -> WorkbenchApp {
        let app = WorkbenchApp(launch: launch, session: try launch.startSession(), ascii: true, outputFolder: output)
        settle(app)
        return app
    }

    private func settle(_ app: WorkbenchApp) {
        XCTAssertEqual(app.session.waitUntilSettled(timeout: 300), .ready)
        app.absorbEvents()
    }

    private func screen(_ app: WorkbenchApp) -> String { app.frame(width: 100, height: 40, depth: .monochrome).text }

    func testSweepZoomAndExport() throws {
        let app = try settledApp(WorkbenchLaunch(config: tinyConfig(), presetName: "classroom-faces"))
        defer { app.session.cancel() }

        // No evaluator ships for these settings: one trained after the attack, then each victim is judged.
        let judged = try XCTUnwrap(app.session.currentVictims)
        XCTAssertEqual(judged.named?.count, judged.truths.count)
        XCTAssertNotNil(judged.accuracy)
        let dashboard = screen(app)
        XCTAssert(dashboard.contains("attack acc"), dashboard)
        XCTAssert(dashboard.contains("✓") || dashboard.contains("✗"), dashboard)

        // Aligned training: each row of the sweep has its own model, trained on its k.
        _ = app.handle(.character("w"))
        settle(app)
        let sweep = screen(app)
        for label in ["k top-1", "k top-2", "k top-3", "k top-5", "k full"] { XCTAssert(sweep.contains(label), "missing \(label)") }
        XCTAssertEqual(sweep.components(separatedBy: "MSE 0.").count - 1, 5, sweep)
        XCTAssertEqual(app.session.currentSweep.map(\.trainingPolicy), [.topK(1), .topK(2), .topK(3), .topK(5), .full])
        XCTAssert(app.session.currentSweep.allSatisfy { $0.grade.accuracyTop1 != nil }, "each k graded by the evaluator")
        XCTAssertEqual(app.exportView(), "exported \(output.path)/view-1-sweep.png")

        // Full-vector training: every row uses the one model.
        _ = app.handle(.character("t"))
        _ = app.handle(.character("w"))
        _ = app.handle(.character("w"))
        settle(app)
        XCTAssertEqual(app.session.currentSweep.map(\.trainingPolicy), Array(repeating: .full, count: 5))
        XCTAssert(screen(app).contains("one model trained on all"))

        _ = app.handle(.right)
        _ = app.handle(.character("v"))
        let zoom = screen(app)
        let victims = try XCTUnwrap(app.session.currentVictims).truths.count
        XCTAssert(zoom.contains("Victim 2 of \(victims) · MSE 0."), zoom)
        XCTAssert(zoom.contains("reconstruction"))
        XCTAssert(zoom.contains("victim 2 (person"), "the released vector is the selected victim's")
        _ = app.handle(.escape)
        XCTAssert(screen(app).contains("of \(victims) (top), reconstructions"))
    }

    /// g runs the white-box attacks one after the other on the same identities, each drawn as it goes with its
    /// loss curves; GMI's variants share the GAN the first one trains; e exports the rows.
    func testWhiteBoxAttacksRunOneAfterTheOtherOnTheSameIdentities() throws {
        let app = try settledApp(WorkbenchLaunch(config: tinyConfig(), presetName: "classroom-faces"))
        defer { app.session.cancel() }
        app.optimisationSettings.fredrikson.iterations = 30
        app.optimisationSettings.gmi.iterations = 40
        app.optimisationSettings.gmi.restarts = 1
        app.optimisationSettings.gmi.priorEpochs = 1
        XCTAssert(screen(app).contains("White-box"), "the key bar offers g")

        _ = app.handle(.character("g"))
        XCTAssertEqual(app.view, .whiteBox)
        settle(app)
        let fredrikson = try XCTUnwrap(app.session.currentWhiteBox?.run(of: .fredrikson))
        XCTAssert(fredrikson.finished)
        XCTAssertEqual(fredrikson.latest?.images.shape, [6, 1, 32, 32], "one image for each of the 6 classes")
        XCTAssertGreaterThanOrEqual(fredrikson.identityLoss.count, 2, "a snapshot every 20 iterations and one at the end")
        XCTAssert(fredrikson.priorLoss.isEmpty, "Fredrikson's attack has no prior")
        XCTAssertNotNil(fredrikson.accuracyTop1)
        var shown = screen(app)
        XCTAssert(shown.contains("top-1 "), shown)
        XCTAssert(shown.contains("fredrikson losses"), shown)

        _ = app.handle(.character("g"))
        settle(app)
        let gmi = try XCTUnwrap(app.session.currentWhiteBox?.run(of: .gmi(.gmi)))
        XCTAssert(gmi.finished)
        XCTAssertEqual(gmi.priorLoss.count, gmi.identityLoss.count)
        XCTAssertEqual(gmi.latest?.iteration, 40)
        shown = screen(app)
        XCTAssert(shown.contains("prior -D(G(z))") && shown.contains("gmi losses"), shown)
        XCTAssertEqual(app.session.currentWhiteBox?.identities, Array(0..<6))
        XCTAssertEqual(app.exportView(), "exported \(output.path)/view-1-white-box.png")

        // Other background knowledge starts afresh: Fredrikson again, with the new auxiliary set.
        _ = app.handle(.character("a"))
        _ = app.handle(.character("g"))
        settle(app)
        let fresh = try XCTUnwrap(app.session.currentWhiteBox)
        XCTAssertEqual(fresh.auxiliary, app.session.currentAttack.auxiliary)
        XCTAssertEqual(fresh.runs.map(\.attack), [.fredrikson])
        _ = app.handle(.escape)
        XCTAssertEqual(app.view, .dashboard)
    }

    /// Six columns of faces (truth and the five attacks the view runs): below 130 columns the loss charts move under
    /// them, so the faces keep the screen's width, and take every row the faces' whole bands leave.
    func testWhiteBoxFacesKeepTheWidthOnSmallScreens() {
        for (width, height, side, bands, beside, chartRows) in [(80, 24, 12, 1, false, 10), (100, 30, 14, 2, false, 7),
                                                                (160, 48, 18, 4, true, 45)] {
            // The body under the status lines and above the key bar, as `frame` gives it.
            let body = Rect(x: 0, y: 2, width: width, height: height - 3)
            let panels = WorkbenchApp.whiteBoxPanels(in: body, imageSide: 32)
            XCTAssertEqual(!panels.chartsSideBySide, beside, "\(width) x \(height)")
            XCTAssertEqual(panels.layout.side, side, "\(width) x \(height)")
            XCTAssertEqual(panels.layout.bands, bands, "\(width) x \(height)")
            XCTAssertEqual(panels.charts.height, chartRows, "\(width) x \(height)")
            let inside = panels.faces.inset(1)
            XCTAssertLessThanOrEqual(WorkbenchApp.whiteBoxHeaderRows + bands * panels.layout.bandRows, inside.height, "the bands fit")
            if !beside {
                XCTAssertEqual(WorkbenchApp.whiteBoxHeaderRows + bands * panels.layout.bandRows, inside.height, "no empty rows under the bands")
                XCTAssertEqual(panels.faces.height + panels.charts.height, body.height)
            }
        }
    }

    func testSetupRestartsWithNewSettingsAndKeepsTheSessionOnBadOnes() throws {
        let app = try settledApp(WorkbenchLaunch(config: tinyConfig(), presetName: "classroom-faces"))
        defer { app.session.cancel() }
        let first = app.session

        // A data path that does not exist: the message says so and the running session stays.
        _ = app.handle(.character("o"))
        _ = app.handle(.down)
        _ = app.handle(.enter)
        for _ in 0..<"synthetic-faces".count { _ = app.handle(.backspace) }
        for character in "/no/such/faces" { _ = app.handle(.character(character)) }
        XCTAssert(screen(app).contains("/no/such/faces▏"), "the value being typed is shown")
        _ = app.handle(.enter)
        XCTAssert(screen(app).contains("r restarts training with the new data set"))
        _ = app.handle(.character("r"))
        XCTAssert(screen(app).contains("loading /no/such/faces for the new settings…"))
        app.performPendingRestart()
        XCTAssert(app.message.contains("not restarted: /no/such/faces: does not exist"), app.message)
        XCTAssert(app.session === first)

        // Seven private classes instead: a new session trains them.
        _ = app.handle(.enter)
        for _ in 0..<"/no/such/faces".count { _ = app.handle(.backspace) }
        for character in "synthetic-faces" { _ = app.handle(.character(character)) }
        _ = app.handle(.enter)
        _ = app.handle(.down)
        _ = app.handle(.right)
        _ = app.handle(.character("r"))
        app.performPendingRestart()
        XCTAssert(app.message.hasPrefix("restarted with new private classes"), app.message)
        XCTAssert(app.session !== first)
        XCTAssertEqual(first.currentState, .cancelled)
        settle(app)
        XCTAssertEqual(app.session.currentVictims?.vectors.shape[1], 7)

        // A live change: the victims' release goes to the running session without a restart.
        let second = app.session
        _ = app.handle(.character("o"))
        for _ in 0..<4 { _ = app.handle(.down) }
        _ = app.handle(.left)
        _ = app.handle(.character("r"))
        XCTAssert(app.message.contains("--truncation 10 must be between 1 and the 7 private classes"), app.message)
        _ = app.handle(.left)
        XCTAssert(screen(app).contains("r applies at once: victims' release"))
        _ = app.handle(.character("r"))
        settle(app)
        XCTAssert(app.session === second)
        XCTAssertEqual(app.session.currentVictims?.policy, .topK(5))
    }

    func testTrainedModelsOpenWithoutTraining() throws {
        var config = tinyConfig()
        config.attack.trainingRelease = .fixed(.full)
        let trained = try settledApp(WorkbenchLaunch(config: config, presetName: "classroom-faces"))
        trained.session.save(to: output)
        settle(trained)
        trained.session.cancel()

        // As `invertlab --run DIR` opens it: the folder's epochs come along as the curves.
        let saved = try RunMetrics.read(from: output.appendingPathComponent("metrics.csv"))
        let epochs = saved.compactMap { event -> (auxiliary: Double, test: Double)? in
            guard case let .inversionEpoch(_, auxiliary, _, _, test) = event else { return nil }
            return (Double(auxiliary), test)
        }
        XCTAssertEqual(epochs.count, config.epochsInversion)
        let launch = WorkbenchLaunch(config: config, presetName: "classroom-faces",
                                     classifierFile: output.appendingPathComponent("classifier.safetensors"),
                                     inversionFile: output.appendingPathComponent("inversion.safetensors"), history: saved)
        let app = try settledApp(launch)
        defer { app.session.cancel() }
        XCTAssert(app.record.classifierLoss.isEmpty, "the classifier is not trained")
        XCTAssertEqual(app.record.victimTestMSE, epochs.map(\.test))
        XCTAssertEqual(app.record.inversionLoss, epochs.map(\.auxiliary), "the saved epochs, and no training steps")
        let shown = screen(app)
        XCTAssert(shown.contains(String(format: "victim test MSE %.3f", epochs.last!.test)), shown)
        XCTAssert(shown.contains("loaded, not trained here:") && shown.contains("│classifier.safetensors"), shown)
        XCTAssert(shown.contains("% test"))
        XCTAssertEqual(app.session.currentVictims?.mse?.test ?? 0, trained.session.currentVictims?.mse?.test ?? 1, accuracy: 1e-6,
                       "the loaded models reconstruct as the saved ones did")

        var wrongShape = launch
        wrongShape.config.width = 8
        XCTAssertThrowsError(try wrongShape.startSession()) { XCTAssert("\($0)".contains("--classifier"), "\($0)") }
        wrongShape.runOption = "--run \(output.path)"
        XCTAssertThrowsError(try wrongShape.startSession()) {
            XCTAssert("\($0)".hasPrefix("--run \(output.path): ") && !"\($0)".contains("--classifier"), "the option the user typed: \($0)")
        }
    }

    func testDrawingOverheadEndsWhenTrainingEndsBeforeItsFirstStep() throws {
        var stopped = tinyConfig()
        stopped.epochsClassifier = 0
        stopped.epochsInversion = 0
        let config = stopped
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome = "still measuring"
        Thread {
            do {
                _ = try DrawingOverhead.measure(config, seconds: 1)
                outcome = "measured"
            } catch {
                outcome = "\(error)"
            }
            finished.signal()
        }.start()
        XCTAssertEqual(finished.wait(timeout: .now() + 120), .success, "the measurement must not wait forever")
        XCTAssert(outcome.contains("ended before it could be timed"), outcome)
    }

    /// The widest run of half-block cells in a frame: the side of the largest face drawn.
    private func faceSide(_ buffer: CellBuffer) -> Int {
        var widest = 0
        for line in buffer.text.split(separator: "\n") {
            var run = 0
            for character in line {
                run = character == "▀" ? run + 1 : 0
                widest = max(widest, run)
            }
        }
        return widest
    }

    func testTheGalleryMakesFacesAsLargeAsTheScreenAllows() throws {
        let app = try settledApp(WorkbenchLaunch(config: tinyConfig(), presetName: "classroom-faces"))
        defer { app.session.cancel() }
        let victims = try XCTUnwrap(app.session.currentVictims).truths.count
        XCTAssertGreaterThan(victims, 8, "every test victim is shown, page by page")
        for (width, height, side, shown) in [(80, 24, 14, 3), (100, 30, 20, 3), (160, 48, 32, 3)] {
            let frame = app.frame(width: width, height: height, depth: .palette256)
            XCTAssertEqual(faceSide(frame), side, "\(width) x \(height)")
            XCTAssert(frame.text.contains("Victims 1-\(shown) of \(victims)"), "\(width) x \(height): \(frame.text)")
        }
        // ←→ page through all victims: the fourth is on the second page.
        for _ in 0..<3 { _ = app.handle(.right) }
        let paged = app.frame(width: 100, height: 30, depth: .palette256).text
        XCTAssert(paged.contains("Victims 4-6 of \(victims)"), paged)
        XCTAssert(paged.contains("▲ 4"), paged)
        XCTAssertEqual(app.exportView(), "exported \(output.path)/view-1-victims.png")
        XCTAssertEqual(app.shownVictims, 3..<6)
    }

    func testChartsPrintTheirLatestValues() throws {
        let app = try settledApp(WorkbenchLaunch(config: tinyConfig(), presetName: "classroom-faces", retrain: true))
        defer { app.session.cancel() }
        let screen = app.frame(width: 100, height: 30, depth: .palette256).text
        let testAccuracy = try XCTUnwrap(app.record.testAccuracy.last)
        let victimTest = try XCTUnwrap(app.record.victimTestMSE.last)
        XCTAssert(screen.contains("loss "), screen)
        XCTAssert(screen.contains("test accuracy"), screen)
        XCTAssert(screen.contains(String(format: "%.3f", testAccuracy)) || screen.contains(String(format: "%.2f", testAccuracy)), screen)
        XCTAssert(screen.contains("victim test MSE"), screen)
        XCTAssert(screen.contains(String(format: "%.3f", victimTest)), screen)
    }

    func testKeyLatencyIsMeasuredForEveryKey() throws {
        let figures = try KeyLatency.measure(tinyConfig(), repeats: 3, timeout: 120)
        XCTAssertEqual(figures.map(\.key), ["k", "K", "a", "t", "v", "w"])
        for figure in figures {
            XCTAssert(figure.medianMilliseconds > 0 && figure.medianMilliseconds <= figure.percentile95Milliseconds, "\(figure)")
        }
    }
}
