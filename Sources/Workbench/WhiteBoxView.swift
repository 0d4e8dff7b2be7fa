import Lab
import NeuralNet
import Terminal

extension WorkbenchApp {
    /// The attacks the white-box view runs, in order: each step of the field from Fredrikson's pixel search, through
    /// GMI and LOMMA's changes to it, to KEDMI with and without them. LOMMA's single changes (gmi-logit, gmi-aug)
    /// are left to `compare`: two more columns would shrink every face to 8 cells on an 80-column screen.
    static let whiteBoxAttacks: [ComparedAttack] = [.fredrikson, .gmi(.gmi), .gmi(.lomma), .kedmi(.gmi), .kedmi(.lomma)]

    /// The white-box optimisation attacks side by side on the same identities: a private photo of each identity in
    /// the first column, then a column per attack of `whiteBoxAttacks`, drawn live as the iterations run, and the
    /// prior and identity losses of the attack running (or run last): on the right on wide screens, in a strip below
    /// otherwise, so six columns of faces keep the whole width. Identities page by ←→; g runs the next attack.
    func drawWhiteBox(into buffer: inout CellBuffer, at rect: Rect, depth: ColourDepth) {
        let attacks = Self.whiteBoxAttacks
        let size = session.currentWhiteBox?.truths.height ?? session.config.size
        let (facesPanel, chartsPanel, chartsSideBySide, layout) = Self.whiteBoxPanels(in: rect, imageSide: size)
        let inside = Panel(facesPanel.width >= 100 ? "White-box attacks: the target's gradients (g: next attack)" : "White-box attacks (g: next)")
            .draw(into: &buffer, at: facesPanel)
        guard let runs = session.currentWhiteBox else {
            buffer.write("Fredrikson et al.'s attack starts once the work in hand is done…", x: inside.x, y: inside.y,
                         limit: inside.x + inside.width)
            Panel("Losses").draw(into: &buffer, at: chartsPanel)
            return
        }
        let headerRows = Self.whiteBoxHeaderRows
        let perPage = max(1, layout.bands)
        selectedIdentity = min(selectedIdentity, runs.identities.count - 1)
        let first = (selectedIdentity / perPage) * perPage
        let shown = first..<min(runs.identities.count, first + perPage)
        let columnEnd = { (column: Int) in inside.x + column * layout.itemColumns + layout.side }
        func face(_ pixels: [Float], column: Int, band: Int) {
            GreyImageWidget(pixels: pixels, width: size, height: size, depth: depth)
                .draw(into: &buffer, at: Rect(x: inside.x + column * layout.itemColumns, y: inside.y + headerRows + band * layout.bandRows,
                                              width: layout.side, height: layout.imageRows))
        }
        buffer.write("truth", x: inside.x, y: inside.y, style: Style(bold: true), limit: columnEnd(0))
        buffer.write("\(shown.lowerBound + 1)-\(shown.upperBound) of \(runs.identities.count)", x: inside.x, y: inside.y + 1,
                     style: Style(foreground: 244), limit: columnEnd(0))
        for (number, attack) in attacks.enumerated() {
            let x = inside.x + (number + 1) * layout.itemColumns
            let run = runs.run(of: attack)
            buffer.write(Self.heading(attack, width: layout.side), x: x, y: inside.y, style: Style(bold: true), limit: columnEnd(number + 1))
            let (statuses, colour) = Self.status(of: run)
            let status = statuses.first { $0.count <= layout.side } ?? statuses.last!
            buffer.write(status, x: x, y: inside.y + 1, style: Style(foreground: colour), limit: columnEnd(number + 1))
        }
        for (band, position) in shown.enumerated() {
            face(runs.truths.image(position).map { Float($0) / 255 }, column: 0, band: band)
            let identity = runs.identities[position]
            buffer.write(runs.truths.classNames?[identity] ?? "class \(identity)", x: inside.x, y: inside.y + headerRows + band * layout.bandRows + layout.imageRows,
                         style: Style(foreground: position == selectedIdentity ? 81 : 244), limit: columnEnd(0))
            for (number, attack) in attacks.enumerated() {
                guard let images = runs.run(of: attack)?.latest?.images else { continue }
                face(Array(images.sample(position)), column: number + 1, band: band)
            }
        }
        let latest = runs.runs.last { !$0.identityLoss.isEmpty }
        let charts = Panel(latest.map { "\($0.attack.name) losses" } ?? "Losses").draw(into: &buffer, at: chartsPanel)
        guard let latest else { return }
        var multiples = [BrailleChart(title: "identity", series: [.init(name: "identity", values: latest.identityLoss, colour: 209)])]
        if !latest.priorLoss.isEmpty {
            // KEDMI's discriminator calls an image real by the log-sum-exp of its class logits.
            let title = latest.attack.gan == .knowledgeEnriched ? "prior softplus(-lse D)" : "prior -D(G(z))"
            multiples.append(BrailleChart(title: title, series: [.init(name: "prior", values: latest.priorLoss, colour: 81)]))
        }
        if chartsSideBySide {
            for (index, chart) in multiples.enumerated() {
                let left = charts.x + index * charts.width / multiples.count
                chart.draw(into: &buffer, at: Rect(x: left, y: charts.y, width: charts.x + (index + 1) * charts.width / multiples.count - left - 1,
                                                   height: charts.height))
            }
        } else {
            drawSmallMultiples(multiples, into: &buffer, at: charts)
        }
    }

    /// Below this width the loss charts leave the side for a strip under the faces.
    static let whiteBoxChartsBesideFrom = 130

    /// Rows above the faces: each column's heading and its status.
    static let whiteBoxHeaderRows = 2

    /// The faces' panel, the losses' panel, whether the loss charts sit side by side (in the strip below), and the
    /// faces' layout for images `imageSide` px square. In the strip the charts take every row the faces' whole bands
    /// leave, so no empty rows sit under the last band.
    static func whiteBoxPanels(in rect: Rect, imageSide: Int)
        -> (faces: Rect, charts: Rect, chartsSideBySide: Bool, layout: GalleryLayout) {
        let frameRows = 2
        func layout(width: Int, height: Int) -> GalleryLayout {
            GalleryLayout.fit(columns: whiteBoxAttacks.count + 1, width: width - frameRows, height: height - frameRows - whiteBoxHeaderRows,
                              imageSide: imageSide, stacked: 1)
        }
        if rect.width >= whiteBoxChartsBesideFrom {
            let chartsWidth = rect.width * 22 / 100
            let faces = Rect(x: rect.x, y: rect.y, width: rect.width - chartsWidth, height: rect.height)
            return (faces, Rect(x: rect.x + rect.width - chartsWidth, y: rect.y, width: chartsWidth, height: rect.height), false,
                    layout(width: faces.width, height: faces.height))
        }
        // At least two braille rows per chart under a title line, inside the strip's frame.
        let smallestStrip = 6
        let faces = layout(width: rect.width, height: rect.height - smallestStrip)
        let facesHeight = max(1, faces.bands) * faces.bandRows + frameRows + whiteBoxHeaderRows
        let facesPanel = Rect(x: rect.x, y: rect.y, width: rect.width, height: min(facesHeight, rect.height - smallestStrip))
        return (facesPanel, Rect(x: rect.x, y: facesPanel.y + facesPanel.height, width: rect.width, height: rect.height - facesPanel.height),
                true, faces)
    }

    /// An attack's column heading: its name, or a shorter form where the column is narrower.
    private static func heading(_ attack: ComparedAttack, width: Int) -> String {
        guard attack.name.count > width else { return attack.name }
        switch attack {
        case .fredrikson: return "fredr."
        case .kedmi(.lomma): return "K+lomma"
        default: return attack.name
        }
    }

    /// A column's second heading line, longest form first, and its colour: the accuracy once done, the iteration
    /// while running, what it prepares before its first snapshot, or the key to start it.
    private static func status(of run: LabSession.WhiteBoxRun?) -> ([String], Colour) {
        guard let run else { return (["g: run"], 240) }
        if run.finished {
            return (run.accuracyTop1.map { [String(format: "top-1 %.0f%%", 100 * $0), String(format: "%.0f%%", 100 * $0)] } ?? ["done"], 114)
        }
        guard let latest = run.latest else { return (["preparing…", "prep…"], 229) }
        return (["\(latest.iteration)/\(latest.iterations)", "\(latest.iteration)"], 229)
    }

    /// Shows the white-box view and runs the next optimisation attack not yet run (Fredrikson first).
    func runNextWhiteBoxAttack() {
        view = .whiteBox
        // Attacks asked for with other background knowledge do not count: a new auxiliary set starts afresh.
        let auxiliary = session.currentAttack.auxiliary
        if whiteBoxRequests.auxiliary != auxiliary { whiteBoxRequests = (auxiliary, []) }
        guard let next = Self.whiteBoxAttacks.first(where: { !whiteBoxRequests.attacks.contains($0) }) else {
            message = "every white-box attack has run (or is queued) on these identities"
            return
        }
        whiteBoxRequests.attacks.append(next)
        session.runWhiteBox(next, fredrikson: optimisationSettings.fredrikson, gmi: optimisationSettings.gmi)
        message = "white-box: \(next.name) on the first \(min(LabSession.whiteBoxIdentities, session.config.privateClasses)) classes"
            + (next == .fredrikson ? "" : " (its GAN and students train first unless they ship)")
    }
}
