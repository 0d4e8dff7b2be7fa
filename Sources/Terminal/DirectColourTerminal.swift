/// Which terminfo entry draws direct (24-bit) colour for the terminal the user runs in. A terminal that shows 24-bit
/// colour says so in `COLORTERM`, but its `TERM` is usually a 256-colour entry, and ncurses sends direct colour only
/// with an entry that has the RGB capability: the `-direct` entries of Debian's `ncurses-term`.
public enum DirectColourTerminal {
    /// Terminal families with a `-direct` entry in ncurses' database.
    static let families = ["xterm", "alacritty", "kitty", "konsole", "vte", "st", "mintty", "mlterm", "iterm2", "vscode"]

    /// The entry to open the screen with, or nil to keep `term` (no 24-bit colour, or no entry known for it).
    /// `insideTmux` (the `TMUX` variable is set) selects tmux's own entry, whatever the outer terminal is.
    public static func terminfoName(term: String?, colourTerm: String?, insideTmux: Bool) -> String? {
        guard let colourTerm, ["truecolor", "24bit"].contains(colourTerm.lowercased()), let term, !term.isEmpty else { return nil }
        if term.hasSuffix("-direct") { return term }
        if insideTmux || term.hasPrefix("tmux") { return "tmux-direct" }
        let family = term.split(separator: "-").first.map(String.init) ?? term
        return families.contains(family) ? "\(family)-direct" : nil
    }
}
