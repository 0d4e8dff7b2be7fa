import Foundation
import XCTest

/// The workbench driven in tmux the way a person uses it: what is drawn, what keys do, and the terminal afterwards.
final class WorkbenchTests: XCTestCase {
    private let session = "invertlab-test-\(UUID().uuidString.prefix(8))"

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else { throw XCTSkip("tmux is not installed") }
    }

    override func tearDown() {
        _ = try? tmux(["kill-session", "-t", session])
    }

    /// A tmux process for `arguments`. It starts through a shell that closes every inherited descriptor above 2:
    /// the first tmux command forks the tmux server, and a server holding the descriptor Foundation watches for
    /// the child's exit would leave `waitUntilExit` waiting for as long as the server runs.
    private func tmuxProcess(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let closeInherited = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null; done; exec tmux "$@""#
        process.arguments = ["-c", closeInherited, "tmux"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return process
    }

    /// Runs a tmux command whose output is not needed.
    private func tmux(_ arguments: [String]) throws {
        let process = tmuxProcess(arguments)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }

    /// What the pane shows now; with `colours`, its text carries the escape sequences of each cell's colours.
    private func screen(colours: Bool = false) throws -> String {
        let process = tmuxProcess(["capture-pane", "-p"] + (colours ? ["-e"] : []) + ["-t", session])
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output
    }

    /// Waits until the screen satisfies `condition`, up to `seconds` (times the sanitizers' slowdown).
    private func waitFor(_ what: String, seconds: Double = 120, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds * testSlowdown)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("timed out waiting for \(what); the screen was:\n\(last)")
        return last
    }

    /// Starts invertlab with `options` in a 100 x 30 pane; `environment` (`NAME=value ...`) is set for it alone.
    private func start(_ options: String, environment: String = "") throws {
        let root = repositoryRoot.path
        try tmux(["new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                  // Like an interactive shell, the wrapper ignores Ctrl-C itself; invertlab installs its own handler.
                  "trap '' INT; ulimit -c 0; cd \(root) && \(environment) \(invertlabBinary.path) \(options); echo EXITED $?; sleep 60"])
    }

    /// The lines of the released-vector panel that show a bar.
    private func bars(_ screen: String) -> Int {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.contains("What the attacker sees") }) else { return -1 }
        return lines[(start + 1)...].prefix(while: { !$0.contains("└") }).filter { $0.contains("█") }.count
    }

    func testTheORLPresetShowsRealFacesWithNoDataOption() throws {
        try start("--preset orl --epochs-inversion 2")
        let shown = try waitFor("ORL faces") { $0.contains("What the attacker sees") && $0.contains("▀") && $0.contains("ready") }
        XCTAssert(shown.contains("orl-classifier.safetensors"), shown)
        XCTAssert(shown.contains("of 40 (top)"), "the 40 test victims of 20 people: \(shown)")
        try tmux(["send-keys", "-t", session, "q"])
        _ = try waitFor("the exit") { $0.contains("EXITED 0") }
    }

    func testTheTourStepsThroughThePapersStory() throws {
        try start("tour --private-classes 6 --width 4 --epochs-classifier 2 --epochs-inversion 2")
        _ = try waitFor("the first step") { $0.contains("1/7 The target") && $0.contains("SpaceNext") }
        for (step, words) in [(2, "The attack"), (3, "Less background knowledge"), (4, "The defence"), (5, "Truncation alignment"),
                              (6, "Background knowledge"), (7, "Class inference")] {
            try tmux(["send-keys", "-t", session, "Space"])
            let shown = try waitFor("step \(step)") { $0.contains("\(step)/7 \(words)") }
            if step == 3 {
                XCTAssertNotNil(shown.range(of: #"from (\d+) of the attacker's \1\d photos"#, options: .regularExpression),
                                "a tenth of the auxiliary set: \(shown)")
            }
        }
        let classes = try waitFor("the class images") { $0.contains("Class inference (generic)") && $0.contains("▀") }
        XCTAssert(classes.contains("7/7"), classes)
        try tmux(["send-keys", "-t", session, "BSpace"])
        let back = try waitFor("a step back") { $0.contains("6/7 Background knowledge") }
        XCTAssert(back.contains("What the attacker sees"), "back on the dashboard: \(back)")
        try tmux(["send-keys", "-t", session, "q", "y"])
        _ = try waitFor("the exit") { $0.contains("EXITED 0") }
    }

    func testFacesCurvesTruncationResizeAndQuit() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-workbench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        try start("--preset classroom-faces --private-classes 6 --width 4 --epochs-classifier 3 --epochs-inversion 3 --out \(output.path)")
        var shown = try waitFor("faces and the released vector") { $0.contains("What the attacker sees") && $0.contains("▀") }
        XCTAssert(shown.contains("Classifier") && shown.contains("Inversion") && shown.contains("qQuit"))
        let keyBar = try XCTUnwrap(shown.split(separator: "\n").last { $0.hasPrefix("SpacePause") })
        XCTAssert(shown.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "braille curves drawn")
        shown = try waitFor("training to finish") { $0.contains("ready") }
        XCTAssertEqual(bars(shown), 6, "the full vector has six confidences")

        // k: fewer confidences released, from all to 5, 3, 2 and 1.
        for expected in [5, 3, 2, 1] {
            try tmux(["send-keys", "-t", session, "k"])
            shown = try waitFor("top-\(expected) bars") { self.bars($0) == expected && $0.contains("ready") }
        }
        XCTAssert(shown.contains("top-1"))

        // w shows the truncation sweep, o the setup screen.
        try tmux(["send-keys", "-t", session, "w"])
        shown = try waitFor("the sweep's rows") { $0.contains("k top-1") && $0.contains("k full") && $0.contains("ready") }
        XCTAssertEqual(shown.components(separatedBy: "MSE 0.").count - 1, 5)
        try tmux(["send-keys", "-t", session, "o"])
        XCTAssert(try waitFor("the setup screen") { $0.contains("Setup:") }.contains("victims' release"))
        // Seven private classes from the keyboard: training restarts, and the released vector has a seventh class.
        try tmux(["send-keys", "-t", session, "Down", "Down", "Right", "r"])
        _ = try waitFor("the restart") { $0.contains("restarted with new private classes") }
        shown = try waitFor("the new session to settle") { $0.contains("ready") && $0.contains("person 7 ") }

        // e exports the view, s saves the run folder.
        try tmux(["send-keys", "-t", session, "e"])
        _ = try waitFor("the export") { $0.contains("exported") }
        XCTAssert(FileManager.default.fileExists(atPath: output.appendingPathComponent("view-1-victims.png").path))
        try tmux(["send-keys", "-t", session, "s"])
        _ = try waitFor("the save") { $0.contains("saved the run folder") }
        for name in ["config.json", "metrics.csv", "classifier.safetensors", "inversion.safetensors", "reconstructions_test.png"] {
            XCTAssert(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "missing \(name)")
        }

        try tmux(["send-keys", "-t", session, "?"])
        XCTAssert(try waitFor("help") { $0.contains("pause or resume training") }.contains("q       quit"))
        try tmux(["send-keys", "-t", session, "Escape"])

        try tmux(["resize-window", "-t", session, "-x", "80", "-y", "24"])
        // Redrawn once a panel's top border ends at the 80th column (the wider screen, cut, has no corner there).
        shown = try waitFor("a redraw at 80 x 24") { screen in
            screen.split(separator: "\n").contains { $0.hasPrefix("SpacePause") }
                && screen.split(separator: "\n").contains { $0.count == 80 && $0.hasSuffix("┐") }
        }
        XCTAssert(shown.split(separator: "\n").allSatisfy { $0.count <= 80 })
        // The key bar cut to 80 columns, its last cell included: nothing left there from the wider screen.
        let narrowBar = try XCTUnwrap(shown.split(separator: "\n").last { $0.hasPrefix("SpacePause") })
        XCTAssertEqual(String(narrowBar), String(keyBar.prefix(80)).replacingOccurrences(of: " +$", with: "", options: .regularExpression))
        try tmux(["resize-window", "-t", session, "-x", "120", "-y", "36"])
        shown = try waitFor("a redraw at 120 x 36") { $0.split(separator: "\n").count >= 35 && $0.contains("What the attacker sees") }

        try tmux(["send-keys", "-t", session, "q"])
        shown = try waitFor("the program to end") { $0.contains("EXITED") }
        XCTAssert(shown.contains("EXITED 0"), shown)
        XCTAssertFalse(shown.contains("qQuit"), "the terminal is restored: the workbench's screen is gone")
    }

    /// A terminal that announces 24-bit colour gets exact greys: tmux keeps each cell's colour as the program sent it,
    /// so the captured faces carry `48;2;g;g;g` backgrounds rather than palette indices.
    func testTrueColourTerminalsShowExactGreys() throws {
        XCTAssert(FileManager.default.fileExists(atPath: "/usr/share/terminfo/t/tmux-direct"),
                  "tmux-direct comes with Debian's ncurses-term, which `make deps` installs")
        try start("--preset classroom-faces --private-classes 6 --width 4 --epochs-classifier 2 --epochs-inversion 2",
                  environment: "COLORTERM=truecolor")
        _ = try waitFor("faces") { $0.contains("What the attacker sees") && $0.contains("▀") && $0.contains("ready") }
        let coloured = try screen(colours: true)
        let greys = coloured.components(separatedBy: "\u{1B}[").compactMap { sequence -> Int? in
            let fields = sequence.prefix { $0 != "m" }.split(separator: ";").compactMap { Int($0) }
            return fields.count == 5 && fields[0] == 48 && fields[1] == 2 && fields[2] == fields[3] && fields[3] == fields[4] ? fields[2] : nil
        }
        XCTAssertGreaterThan(Set(greys).count, 30, "more distinct greys than the 256-colour palette has: \(Set(greys).sorted())")
        try tmux(["send-keys", "-t", session, "q"])
        _ = try waitFor("the exit") { $0.contains("EXITED 0") }
    }

    func testTerminationAndCrashSignalsRestoreTheTerminal() throws {
        for (signal, status) in [("TERM", 143), ("SEGV", 139)] {
            let marker = "signal-\(signal)-\(UUID().uuidString.prefix(8))"
            try start("--preset classroom-faces --private-classes 6 --width 4 --epochs-classifier 500 --out /tmp/\(marker)")
            _ = try waitFor("training") { $0.contains("classifier epoch") }
            // The invertlab process only: the shell around it has the marker in its command line too.
            let kill = Process()
            kill.executableURL = URL(fileURLWithPath: "/bin/bash")
            kill.arguments = ["-c", "for p in $(pgrep -f \(marker)); do [ \"$(cat /proc/$p/comm)\" = invertlab ] && kill -\(signal) $p; done"]
            try kill.run()
            kill.waitUntilExit()
            let shown = try waitFor("the program to end on SIG\(signal)") { $0.contains("EXITED") }
            XCTAssert(shown.contains("EXITED \(status)"), shown)
            XCTAssertFalse(shown.contains("qQuit"), "SIG\(signal): the terminal is restored")
            try tmux(["kill-session", "-t", session])
        }
    }

    /// A pane killed under a parent that outlives the hangup (as `make run` does, waiting for its child): no
    /// SIGHUP reaches invertlab, which must notice the terminal is gone and stop rather than train on unseen.
    func testAKilledPaneEndsTheWorkbenchWhenNoHangupSignalComes() throws {
        let marker = "hangup-\(UUID().uuidString.prefix(8))"
        let exitFile = FileManager.default.temporaryDirectory.appendingPathComponent(marker)
        defer { try? FileManager.default.removeItem(at: exitFile) }
        try tmux(["new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                  "trap '' HUP INT; cd \(repositoryRoot.path) && \(invertlabBinary.path) --preset classroom-faces --private-classes 6 " +
                  "--width 4 --epochs-classifier 500 --out /tmp/\(marker); echo $? > \(exitFile.path)"])
        _ = try waitFor("training") { $0.contains("classifier epoch") }
        try tmux(["kill-session", "-t", session])
        let deadline = Date().addingTimeInterval(20 * testSlowdown)
        while !FileManager.default.fileExists(atPath: exitFile.path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let status = try? String(contentsOf: exitFile, encoding: .utf8)
        XCTAssertEqual(status?.trimmingCharacters(in: .whitespacesAndNewlines), "0", "invertlab ended after its pane was killed")
        // Had it not, it would still be training: stop it so that it does not outlive the test.
        let kill = Process()
        kill.executableURL = URL(fileURLWithPath: "/bin/bash")
        kill.arguments = ["-c", "for p in $(pgrep -f \(marker)); do [ \"$(cat /proc/$p/comm)\" = invertlab ] && kill -KILL $p; done; true"]
        try kill.run()
        kill.waitUntilExit()
    }

    func testControlCDuringTrainingRestoresTheTerminal() throws {
        try start("--preset classroom-faces --private-classes 6 --width 4 --epochs-classifier 500")
        _ = try waitFor("training") { $0.contains("classifier epoch") }
        try tmux(["send-keys", "-t", session, "C-c"])
        let shown = try waitFor("the program to end") { $0.contains("EXITED") }
        XCTAssert(shown.contains("EXITED 130"), shown)
        XCTAssertFalse(shown.contains("qQuit"))
    }

    func testQuitAsksFirstWhileTraining() throws {
        try start("--preset classroom-faces --private-classes 6 --width 4 --epochs-classifier 500")
        _ = try waitFor("training") { $0.contains("classifier epoch") }
        try tmux(["send-keys", "-t", session, "q"])
        _ = try waitFor("the question") { $0.contains("quit? (y/n)") }
        try tmux(["send-keys", "-t", session, "n"])
        _ = try waitFor("training to go on") { $0.contains("quit cancelled") }
        try tmux(["send-keys", "-t", session, "q"])
        try tmux(["send-keys", "-t", session, "y"])
        XCTAssert(try waitFor("the program to end") { $0.contains("EXITED") }.contains("EXITED 0"))
    }
}
