import Lab
import Terminal

extension WorkbenchApp {
    /// The setup screen: every setting with its value, the selected one highlighted, changed ones marked, and
    /// what applying them will do.
    func drawSetup(into buffer: inout CellBuffer, at rect: Rect) {
        let inside = Panel("Setup: ↑↓ choose, ←→ change, Enter type a value, r apply, Esc back").draw(into: &buffer, at: rect, highlighted: true)
        let changed = form.changedFields(from: settings)
        for (row, field) in SetupForm.Field.allCases.enumerated() {
            let y = inside.y + row
            guard y < inside.y + inside.height else { break }
            let selected = field == form.selected
            let marker = changed.contains(field) ? "*" : " "
            buffer.write((selected ? "▸ " : "  ") + field.label, x: inside.x, y: y, style: Style(foreground: selected ? 81 : nil, bold: selected))
            let value = selected && form.typing != nil ? form.typing! + "▏" : form.value(of: field)
            buffer.write("\(marker) \(value)", x: inside.x + 22, y: y,
                         style: Style(foreground: changed.contains(field) ? 229 : 252, background: selected ? 237 : nil),
                         limit: inside.x + inside.width)
            if !field.appliesLive {
                buffer.write("restart", x: inside.x + inside.width - 8, y: y, style: Style(foreground: 240))
            }
        }
        let footer = inside.y + SetupForm.Field.allCases.count + 1
        buffer.write(form.selected.hint, x: inside.x, y: footer, style: Style(foreground: 250), limit: inside.x + inside.width)
        let outcome: String
        if changed.isEmpty {
            outcome = "nothing changed"
        } else if changed.allSatisfy(\.appliesLive) {
            outcome = "r applies at once: " + changed.map(\.label).joined(separator: ", ")
        } else {
            outcome = "r restarts training with the new " + changed.map(\.label).joined(separator: ", ")
        }
        buffer.write(outcome, x: inside.x, y: footer + 1, style: Style(foreground: 229, bold: true), limit: inside.x + inside.width)
    }
}
