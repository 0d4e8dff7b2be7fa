import Terminal

extension WorkbenchApp {
    /// Every key, for `?`.
    func drawHelp(into buffer: inout CellBuffer, at rect: Rect) {
        let inside = Panel("Keys").draw(into: &buffer, at: rect)
        let lines = [
            "Space   pause or resume training (in the tour: next step; Backspace: the step before)",
            "k / K   victims' truncation: fewer / more released confidences (1, 2, 3, 5, 10, all)",
            "a       attacker's auxiliary set: same, generic, distinct, aligned, augmented",
            "t       training truncation: aligned with the victims' (the paper's fix) or full vectors",
            "← →     choose the victim whose released vector is shown",
            "v Enter one victim large, beside its reconstruction and released vector",
            "w       truncation sweep: a column of reconstructions for each k, with its MSE and attack accuracy",
            "c       class inference view",
            "g       white-box attacks on the first classes with the target's gradients: Fredrikson, GMI, GMI with",
            "        LOMMA's logit loss, with its model augmentation, LOMMA; each g runs the next, drawn live",
            "o F2    setup: data, private classes, release, auxiliary set, widths, epochs, seed",
            "s       save the run folder (config, metrics, models, grids);  e  export this view as PNG",
            "? / F1  this help;  Esc  back",
            "q       quit (asks first while training runs)",
            "",
            "Changing k re-renders the reconstructions at once; a new auxiliary set or training truncation",
            "trains the needed inversion model in the background, or reuses one trained before.",
            "✓ / ✗ under a victim: whether the evaluation classifier (never queried by the attacker) names",
            "its person from the reconstruction; attack acc is that share over every test victim.",
        ]
        for (row, line) in lines.prefix(inside.height).enumerated() {
            buffer.write(line, x: inside.x + 1, y: inside.y + row, limit: inside.x + inside.width)
        }
    }
}
