import CCurses
import Foundation

/// A key the user pressed.
public enum Key: Equatable, Sendable {
    case character(Character)
    case up, down, left, right, enter, escape, backspace, tab
    case function(Int)
    /// The terminal changed size.
    case resize
}

/// The one owner of ncurses: it sets the terminal up, copies cell buffers to it, reads keys, and restores the
/// terminal on every way out: `close`, normal exit, Ctrl-C, SIGTERM, and a crash (SIGSEGV, SIGABRT, SIGBUS, SIGILL).
public final class Screen {
    /// What the terminal shows: direct colour, the 256-colour palette, or neither (widgets then draw in ASCII).
    public let depth: ColourDepth
    private var pairs: ColourPairs

    /// Opens the screen; `ascii` forces drawing without colour. A terminal that announces 24-bit colour
    /// (`COLORTERM`) is opened with its direct-colour terminfo entry when one is installed, so greys are exact.
    public init(ascii: Bool = false) {
        setlocale(LC_ALL, "")
        Screen.installRestorers()
        let environment = ProcessInfo.processInfo.environment
        let direct = ascii ? nil : DirectColourTerminal.terminfoName(
            term: environment["TERM"], colourTerm: environment["COLORTERM"], insideTmux: environment["TMUX"] != nil)
        // newterm returns nil (and prints nothing) when the entry is not installed; initscr then opens TERM as usual.
        if direct == nil || invertlab_open_terminal(direct) == nil { initscr() }
        Screen.isOpen = true
        cbreak()
        noecho()
        keypad(invertlab_screen(), true)
        curs_set(0)
        if !ascii && has_colors() {
            start_color()
            use_default_colors()
        }
        let colours = Int(invertlab_colours())
        depth = ascii || !has_colors() || colours < 256 ? .monochrome : colours >= 1 << 24 && tigetflag("RGB") > 0 ? .direct : .palette256
        pairs = ColourPairs(limit: Int(invertlab_colour_pairs()))
    }

    deinit { close() }

    /// Restores the terminal (idempotent).
    public func close() { Screen.restore() }

    /// Columns and rows of the terminal now.
    public var size: (width: Int, height: Int) { (Int(invertlab_columns()), Int(invertlab_lines())) }

    /// Shows `buffer`; ncurses sends only the cells that changed since the last frame.
    public func draw(_ buffer: CellBuffer) {
        let (width, height) = size
        pairs.beginFrame()
        for y in 0..<min(height, buffer.height) {
            // Every cell, the bottom-right one too: ncurses writes that one without scrolling, and a cell left
            // unwritten keeps what the window held there before a resize.
            for x in 0..<min(width, buffer.width) {
                let cell = buffer[x, y]
                invertlab_put(Int32(y), Int32(x), wchar_t(cell.character.value), pair(for: cell.style), cell.style.bold ? 1 : 0)
            }
        }
        refresh()
    }

    /// The next key, waiting at most `milliseconds`; nil when none came.
    public func readKey(milliseconds: Int) -> Key? {
        timeout(Int32(milliseconds))
        var value: wint_t = 0
        let result = get_wch(&value)
        if result == ERR { return nil }
        if result == KEY_CODE_YES {
            switch Int32(value) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case KEY_RESIZE: return .resize
            case KEY_F0...(KEY_F0 + 12): return .function(Int(Int32(value) - KEY_F0))
            default: return nil
            }
        }
        switch value {
        case 10, 13: return .enter
        case 27: return .escape
        case 9: return .tab
        case 127, 8: return .backspace
        default: return Unicode.Scalar(UInt32(value)).map { .character(Character($0)) }
        }
    }

    /// Whether the terminal has gone: its window closed or its connection dropped. A program started by a parent
    /// that outlives the hangup (`make run` in a tmux pane that is killed) gets no SIGHUP, only a terminal that
    /// reads nothing, and would otherwise go on training for no one.
    public var isHungUp: Bool {
        var terminal = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        return poll(&terminal, 1, 0) > 0 && terminal.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    /// The colour pair for a style, defined on first use; the default pair without colour or when pairs run out.
    private func pair(for style: Style) -> Int32 {
        guard depth.isColourful else { return 0 }
        let direct = depth == .direct
        let wanted = ColourPairs.Colours(foreground: style.foreground?.terminalNumber(direct: direct) ?? -1,
                                         background: style.background?.terminalNumber(direct: direct) ?? -1)
        let (number, isNew) = pairs.pair(for: wanted)
        if isNew { init_extended_pair(Int32(number), Int32(wanted.foreground), Int32(wanted.background)) }
        return Int32(number)
    }

    // MARK: - Restoring the terminal

    nonisolated(unsafe) private static var isOpen = false
    nonisolated(unsafe) private static var restorersInstalled = false

    /// Ends curses mode if it is on.
    static func restore() {
        guard isOpen else { return }
        isOpen = false
        endwin()
    }

    private static func installRestorers() {
        guard !restorersInstalled else { return }
        restorersInstalled = true
        atexit { Screen.restore() }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGABRT, SIGBUS, SIGILL] {
            signal(signalNumber) { received in
                Screen.restore()
                // Then let the signal do what it would have done: exit, or crash with a core and a backtrace.
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }
}
