@testable import Terminal
import Foundation
import XCTest

/// Widgets rendered into a cell buffer, no terminal needed.
final class WidgetTests: XCTestCase {
    func testBrailleChartOfARisingLine() {
        var buffer = CellBuffer(width: 20, height: 6)
        BrailleChart(title: "rise", series: [.init(name: "x", values: [0, 1, 2, 3], colour: 81)])
            .draw(into: &buffer, at: Rect(x: 0, y: 0, width: 20, height: 6))
        XCTAssertEqual(buffer.line(0).trimmingCharacters(in: .whitespaces), "rise 3.00", "one series: its latest value by the title")
        XCTAssertEqual(buffer[5, 0].style.foreground, 81)
        XCTAssert(buffer.line(1).hasPrefix("3.00│"), buffer.line(1))
        XCTAssert(buffer.line(5).hasPrefix("0   │"), buffer.line(5))
        // The line starts at the bottom left and ends at the top right.
        XCTAssertEqual(buffer[5, 5].character, "⣀")
        XCTAssertNotEqual(buffer[19, 1].character, " ")
        XCTAssertEqual(buffer[19, 5].character, " ")
        XCTAssertEqual(buffer[5, 1].character, " ")
        XCTAssertEqual(buffer[19, 1].style.foreground, 81)
    }

    func testSeveralSeriesGetALegendWithTheirLatestValues() {
        var buffer = CellBuffer(width: 40, height: 6)
        BrailleChart(title: "both", series: [.init(name: "a", values: [0.5, 0.25], colour: 81),
                                             .init(name: "b", values: [1, 2], colour: 209)])
            .draw(into: &buffer, at: Rect(x: 0, y: 0, width: 40, height: 6))
        XCTAssert(buffer.line(5).hasPrefix("━ a 0.250 ━ b 2.00"), buffer.line(5))
    }

    func testLossesSpanningDecadesGoOnALogAxis() {
        let falling = (0..<40).map { 3 * pow(0.85, Double($0)) }
        var logarithmic = CellBuffer(width: 30, height: 8)
        BrailleChart(title: "loss", series: [.init(name: "loss", values: falling, colour: 209)], logScale: true)
            .draw(into: &logarithmic, at: Rect(x: 0, y: 0, width: 30, height: 8))
        XCTAssert(logarithmic.line(0).contains("(log)"), logarithmic.line(0))
        var linear = CellBuffer(width: 30, height: 8)
        BrailleChart(title: "loss", series: [.init(name: "loss", values: falling, colour: 209)])
            .draw(into: &linear, at: Rect(x: 0, y: 0, width: 30, height: 8))
        XCTAssertFalse(linear.line(0).contains("(log)"))
        // Geometric decay is a straight line on the log axis: the middle point sits near the middle row, where the
        // linear axis puts it in the bottom rows.
        func rowOfColumn(_ buffer: CellBuffer, _ x: Int) -> Int? { (1..<8).first { buffer[x, $0].character != " " } }
        let middle = 6 + (30 - 6) / 2
        XCTAssertEqual(Double(rowOfColumn(logarithmic, middle) ?? 0), 4, accuracy: 1)
        XCTAssertGreaterThanOrEqual(rowOfColumn(linear, middle) ?? 0, 6)
        XCTAssertTrue(BrailleChart.usesLogarithm(true, low: 0.1, high: 1))
        XCTAssertFalse(BrailleChart.usesLogarithm(true, low: 0.2, high: 1), "less than a decade stays linear")
        XCTAssertFalse(BrailleChart.usesLogarithm(true, low: 0, high: 1), "zero has no logarithm")
    }

    func testGalleryFacesAreAsLargeAsTheMinimumCountAllows() {
        // A wide, short panel: full 32 px faces would fit one band of one pair; three pairs fit at 20 px.
        let wide = GalleryLayout.fit(width: 64, height: 24, imageSide: 32, count: 40, stacked: 2, minimumShown: 3)
        XCTAssertEqual([wide.side, wide.columns, wide.bands], [20, 3, 1])
        // Room for three full-resolution pairs: no shrinking, and never beyond the images' own resolution.
        let large = GalleryLayout.fit(width: 104, height: 42, imageSide: 32, count: 40, stacked: 2, minimumShown: 3)
        XCTAssertEqual([large.side, large.columns, large.bands], [32, 3, 1])
        // Fewer items than the minimum: the largest face that shows them all.
        let two = GalleryLayout.fit(width: 64, height: 24, imageSide: 32, count: 2, stacked: 2, minimumShown: 3)
        XCTAssertEqual(two.side, 22)
        // Pages: item 7 of 20 at 3 a page is on page 2, which holds items 6, 7 and 8.
        let page = wide.page(showing: 7, of: 20)
        XCTAssertEqual(page.number, 2)
        XCTAssertEqual(page.items, 6..<9)
        XCTAssertEqual(wide.page(showing: 19, of: 20).items, 18..<20)
        XCTAssertEqual(wide.origin(of: 2, from: (10, 5)).x, 10 + 2 * 21)
        let tiny = GalleryLayout.fit(width: 3, height: 2, imageSide: 32, count: 5, stacked: 2, minimumShown: 3)
        XCTAssertEqual(tiny.side, 2, "at the smallest side, whatever fits")
    }

    func testFixedColumnsKeepEveryColumnAndTheLargestFaceThatFits() {
        // The sweep at 100 x 30 (inside 96 x 23): a victim and five releases across, 14 px faces, two victims a page.
        let sweep = GalleryLayout.fit(columns: 6, width: 96, height: 23, imageSide: 64, stacked: 1)
        XCTAssertEqual([sweep.side, sweep.columns, sweep.bands], [14, 6, 2])
        // At 80 x 24 the faces shrink to 10 px; at 160 x 48 they reach 24.
        XCTAssertEqual(GalleryLayout.fit(columns: 6, width: 76, height: 17, imageSide: 64, stacked: 1).side, 10)
        let large = GalleryLayout.fit(columns: 6, width: 156, height: 41, imageSide: 64, stacked: 1)
        XCTAssertEqual([large.side, large.bands], [24, 3])
        // Never beyond the images' own resolution, and a band that does not fit in height makes the faces smaller.
        XCTAssertEqual(GalleryLayout.fit(columns: 2, width: 200, height: 60, imageSide: 32, stacked: 1).side, 32)
        XCTAssertEqual(GalleryLayout.fit(columns: 2, width: 200, height: 9, imageSide: 32, stacked: 1).side, 16)
    }

    func testBrailleDotBitsFollowTheUnicodeLayout() {
        XCTAssertEqual(BrailleChart.dotBit(dx: 0, dy: 0), 0x01)
        XCTAssertEqual(BrailleChart.dotBit(dx: 0, dy: 2), 0x04)
        XCTAssertEqual(BrailleChart.dotBit(dx: 1, dy: 0), 0x08)
        XCTAssertEqual(BrailleChart.dotBit(dx: 1, dy: 2), 0x20)
        XCTAssertEqual(BrailleChart.dotBit(dx: 0, dy: 3), 0x40)
        XCTAssertEqual(BrailleChart.dotBit(dx: 1, dy: 3), 0x80)
    }

    func testHalfBlockImageOfAGradient() {
        // 4 x 4 pixels, dark to light downwards: two rows of cells, each top pixel darker than its bottom one.
        let pixels: [Float] = (0..<16).map { Float($0 / 4) / 3 }
        var buffer = CellBuffer(width: 4, height: 2)
        GreyImageWidget(pixels: pixels, width: 4, height: 4).draw(into: &buffer, at: Rect(x: 0, y: 0, width: 4, height: 2))
        XCTAssertEqual(buffer.line(0), "▀▀▀▀")
        XCTAssertEqual(buffer[0, 0].style.foreground, 16)
        XCTAssertEqual(buffer[3, 1].style.background, 231)
        for x in 0..<4 {
            XCTAssertEqual(buffer[x, 0].style.background, .palette(GreyPalette.dithered(1.0 / 3, x: x, y: 1)))
            XCTAssertEqual(buffer[x, 1].style.foreground, .palette(GreyPalette.dithered(2.0 / 3, x: x, y: 2)))
        }
        var ascii = CellBuffer(width: 4, height: 2)
        GreyImageWidget(pixels: pixels, width: 4, height: 4, depth: .monochrome).draw(into: &ascii, at: Rect(x: 0, y: 0, width: 4, height: 2))
        XCTAssertEqual(ascii.line(0), "::::")
        XCTAssertEqual(ascii.line(1), "%%%%")
    }

    func testDirectColourDrawsEachPixelsOwnGrey() {
        let pixels: [Float] = [0, 0.25, 0.5, 1, 0.1, 0.2, 0.3, 0.4]
        var buffer = CellBuffer(width: 4, height: 1)
        GreyImageWidget(pixels: pixels, width: 4, height: 2, depth: .direct).draw(into: &buffer, at: Rect(x: 0, y: 0, width: 4, height: 1))
        XCTAssertEqual(buffer.line(0), "▀▀▀▀")
        XCTAssertEqual((0..<4).map { buffer[$0, 0].style.foreground }, [.grey(0), .grey(64), .grey(128), .grey(255)])
        XCTAssertEqual((0..<4).map { buffer[$0, 0].style.background }, [.grey(26), .grey(51), .grey(77), .grey(102)])
    }

    func testColoursBecomeTheNumbersTheTerminalTakes() {
        XCTAssertEqual(Colour.palette(81).terminalNumber(direct: false), 81)
        XCTAssertEqual(Colour.grey(128).terminalNumber(direct: false), 244, "a grey on a 256-colour terminal is the nearest level")
        XCTAssertEqual(Colour.grey(200).terminalNumber(direct: true), 0xC8C8C8)
        XCTAssertEqual(Colour.grey(0).terminalNumber(direct: true), 0x010101, "numbers below 8 are the theme's ANSI colours")
        XCTAssertEqual(Colour.palette(3).terminalNumber(direct: true), 3, "ANSI colours stay themselves")
        XCTAssertEqual(Colour.palette(196).terminalNumber(direct: true), 0xFF0000)
        XCTAssertEqual(Colour.palette(81).terminalNumber(direct: true), 0x5FD7FF)
        XCTAssertEqual(Colour.palette(244).terminalNumber(direct: true), 0x808080)
        XCTAssertEqual(Colour.palette(16).terminalNumber(direct: true), 0x010101)
    }

    func testDirectColourEntryFollowsTheTerminal() {
        XCTAssertNil(DirectColourTerminal.terminfoName(term: "xterm-256color", colourTerm: nil, insideTmux: false))
        XCTAssertNil(DirectColourTerminal.terminfoName(term: "xterm-256color", colourTerm: "yes", insideTmux: false))
        XCTAssertEqual(DirectColourTerminal.terminfoName(term: "xterm-256color", colourTerm: "truecolor", insideTmux: false), "xterm-direct")
        XCTAssertEqual(DirectColourTerminal.terminfoName(term: "vte-256color", colourTerm: "24bit", insideTmux: false), "vte-direct")
        XCTAssertEqual(DirectColourTerminal.terminfoName(term: "screen-256color", colourTerm: "truecolor", insideTmux: true), "tmux-direct")
        XCTAssertEqual(DirectColourTerminal.terminfoName(term: "kitty-direct", colourTerm: "truecolor", insideTmux: true), "kitty-direct")
        XCTAssertNil(DirectColourTerminal.terminfoName(term: "screen-256color", colourTerm: "truecolor", insideTmux: false),
                     "GNU screen has no direct-colour entry")
        XCTAssertNil(DirectColourTerminal.terminfoName(term: "linux", colourTerm: "truecolor", insideTmux: false))
    }

    func testColourPairsAreReusedOnlyWhenTheFrameOnScreenLeftThem() {
        var pairs = ColourPairs(limit: 4)
        let colours = (0..<6).map { ColourPairs.Colours(foreground: $0, background: -1) }
        pairs.beginFrame()
        XCTAssertEqual(pairs.pair(for: colours[0]).number, 1)
        XCTAssertEqual(pairs.pair(for: colours[1]).number, 2)
        XCTAssertEqual(pairs.pair(for: colours[2]).number, 3)
        XCTAssertEqual(pairs.pair(for: colours[3]).number, 0, "pairs 1-3 are all in this frame: the default pair")
        XCTAssertEqual(pairs.pair(for: colours[1]).number, 2)
        XCTAssertFalse(pairs.pair(for: colours[1]).isNew)
        pairs.beginFrame()
        XCTAssertEqual(pairs.pair(for: colours[2]).number, 3)
        let reused = pairs.pair(for: colours[4])
        XCTAssertTrue(reused.isNew, "a reused pair is defined again")
        XCTAssertEqual(reused.number, 1, "pair 1 is the first the new frame left out")
        XCTAssertEqual(pairs.pair(for: colours[5]).number, 2)
        XCTAssertEqual(pairs.pair(for: colours[0]).number, 0, "its pair went to another colour, and the rest are in use")
        pairs.beginFrame()
        XCTAssertEqual(pairs.pair(for: colours[4]).number, 1, "still defined from the frame before")
        XCTAssertFalse(pairs.pair(for: colours[4]).isNew)
    }

    func testThePaletteHasThirtyGreysAndDitheringAveragesToTheValue() throws {
        XCTAssertEqual(GreyPalette.levels.count, 30)
        XCTAssertEqual(GreyPalette.nearest(0), 16)
        XCTAssertEqual(GreyPalette.nearest(1), 231)
        XCTAssertEqual(GreyPalette.nearest(95.0 / 255), 59, "the cube's grey 95 is a level of its own")
        XCTAssertEqual(GreyPalette.nearest(0.5), 244, "128 is nearest the ramp's 128")
        for value: Float in [0.05, 0.3, 0.37, 0.5, 0.81, 0.97] {
            var total: Float = 0
            for y in 0..<4 { for x in 0..<4 { total += try XCTUnwrap(GreyPalette.grey(ofIndex: GreyPalette.dithered(value, x: x, y: y))) } }
            XCTAssertEqual(total / 16, value, accuracy: 0.5 / 255 + 10.0 / 255 / 16, "a 4 x 4 block averages to \(value)")
        }
    }

    /// What each cell shows against the image, before (26 levels by rounding, the ramp's real greys ignored) and
    /// after (the palette's 30 real greys): per pixel, and as 4 x 4 block means, which is what banding is.
    func testDrawnGreysMatchTheImageBetterThanTheOldRamp() throws {
        let side = 32
        // A face-like test card (a radial shading over a slow horizontal ramp) and a slow ramp alone, where 24 steps
        // would show as bands.
        let card: [Float] = (0..<side * side).map { index in
            let (y, x) = index.quotientAndRemainder(dividingBy: side)
            let radius = (Float(x - 16) * Float(x - 16) + Float(y - 14) * Float(y - 14)).squareRoot() / 16
            return max(0, min(1, 0.15 + 0.6 * max(0, 1 - radius) + 0.2 * Float(x) / 31))
        }
        let ramp: [Float] = (0..<side * side).map { 0.3 + 0.1 * Float($0 % side) / 31 }
        func oldIndex(_ value: Float) -> Int {
            let level = Int((max(0, min(1, value)) * 25).rounded())
            return level == 0 ? 16 : level == 25 ? 231 : 231 + level
        }
        func errors(_ image: [Float], _ shown: (Float, Int, Int) throws -> Float) throws -> (pixel: Float, block: Float) {
            var pixel: Float = 0, block: Float = 0
            var greys = [Float](repeating: 0, count: side * side)
            for y in 0..<side { for x in 0..<side {
                greys[y * side + x] = try shown(image[y * side + x], x, y)
                pixel += abs(greys[y * side + x] - image[y * side + x])
            } }
            for by in stride(from: 0, to: side, by: 4) { for bx in stride(from: 0, to: side, by: 4) {
                var difference: Float = 0
                for y in by..<by + 4 { for x in bx..<bx + 4 { difference += greys[y * side + x] - image[y * side + x] } }
                block += abs(difference / 16)
            } }
            return (255 * pixel / Float(side * side), 255 * block / Float(side * side / 16))
        }
        for (name, image) in [("card", card), ("ramp", ramp)] {
            func palette(_ index: Int) throws -> Float { try XCTUnwrap(GreyPalette.grey(ofIndex: index)) }
            let before = try errors(image) { value, _, _ in try palette(oldIndex(value)) }
            let nearest = try errors(image) { value, _, _ in try palette(GreyPalette.nearest(value)) }
            let dithered = try errors(image) { value, x, y in try palette(GreyPalette.dithered(value, x: x, y: y)) }
            // What a direct-colour terminal shows: the grey the widget draws, read back from its cell.
            let exact = try errors(image) { value, _, _ in
                guard case .grey(let level) = GreyImageWidget.exactGrey(value) else { throw XCTSkip("not a grey") }
                return Float(level) / 255
            }
            print(String(format: "%@: grey MAE (of 255) per pixel / per 4x4 block: old ramp %.2f / %.2f, nearest %.2f / %.2f, dithered %.2f / %.2f, direct colour %.2f / %.2f",
                         name, before.pixel, before.block, nearest.pixel, nearest.block, dithered.pixel, dithered.block, exact.pixel, exact.block))
            XCTAssertLessThan(nearest.pixel, before.pixel, name)
            XCTAssertLessThan(dithered.block, nearest.block, "\(name): dithering lowers the error of what the eye averages")
            XCTAssertLessThanOrEqual(exact.pixel, 0.5, "\(name): direct colour is off by at most half a grey step")
            XCTAssertLessThan(exact.pixel, dithered.pixel, name)
        }
    }

    func testImagesScaleToFit() {
        let widget = GreyImageWidget(pixels: Array(repeating: 0.5, count: 32 * 32), width: 32, height: 32)
        XCTAssertEqual(widget.fittedSize(in: Rect(x: 0, y: 0, width: 10, height: 20)).columns, 10)
        XCTAssertEqual(widget.fittedSize(in: Rect(x: 0, y: 0, width: 10, height: 20)).rows, 5)
        XCTAssertEqual(widget.fittedSize(in: Rect(x: 0, y: 0, width: 40, height: 4)).columns, 8)
    }

    func testKeyBarAt80Columns() {
        var buffer = CellBuffer(width: 80, height: 1)
        KeyBar([("Space", "Pause"), ("k", "Trunc"), ("q", "Quit")]).draw(into: &buffer, y: 0)
        XCTAssertEqual(buffer.line(0), "SpacePause kTrunc qQuit" + String(repeating: " ", count: 57))
        XCTAssertEqual(buffer[0, 0].style, Style(foreground: 16, background: 81, bold: true))
        XCTAssertEqual(buffer[5, 0].style.background, 236)
        XCTAssertEqual(buffer[79, 0].style.background, 236)
    }

    func testBarListScalesToTheLargestValue() {
        var buffer = CellBuffer(width: 30, height: 3)
        BarList(title: "vector", entries: [("a", 0.5), ("b", 0.25)]).draw(into: &buffer, at: Rect(x: 0, y: 0, width: 30, height: 3))
        let first = buffer.line(1).filter { $0 == "█" }.count
        let second = buffer.line(2).filter { $0 == "█" }.count
        XCTAssertEqual(first, 20)
        XCTAssertEqual(second, 10)
    }

    func testPanelFramesAndReturnsItsInside() {
        var buffer = CellBuffer(width: 10, height: 4)
        let inside = Panel("T").draw(into: &buffer, at: Rect(x: 0, y: 0, width: 10, height: 4))
        XCTAssertEqual(inside, Rect(x: 1, y: 1, width: 8, height: 2))
        XCTAssertEqual(buffer.line(0), "┌─ T ────┐")
        XCTAssertEqual(buffer.line(3), "└────────┘")
    }
}

/// Probabilities read the same everywhere: small confidences never look large.
final class ProbabilityTextTests: XCTestCase {
    func testFixedDecimalsDownToOneInTenThousandThenScientific() {
        XCTAssertEqual(ProbabilityText.format(1), "1.0000")
        XCTAssertEqual(ProbabilityText.format(0.5), "0.5000")
        XCTAssertEqual(ProbabilityText.format(1e-4), "0.0001")
        XCTAssertEqual(ProbabilityText.format(5.7e-05), "5.7e-05")
        XCTAssertEqual(ProbabilityText.format(1e-12), "1.0e-12")
        XCTAssertEqual(ProbabilityText.format(0), "0")
    }

    func testTheReleasedVectorBarsUseIt() {
        var buffer = CellBuffer(width: 40, height: 3)
        BarList(title: "vector", entries: [("a", 0.9999), ("b", 5.7489e-05)]).draw(into: &buffer, at: Rect(x: 0, y: 0, width: 40, height: 3))
        XCTAssert(buffer.text.contains("5.7e-05"), buffer.text)
        XCTAssertFalse(buffer.text.contains("5.7489"), buffer.text)
    }
}
