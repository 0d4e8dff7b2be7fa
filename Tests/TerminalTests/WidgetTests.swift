@testable import Terminal
import XCTest

/// Widgets rendered into a cell buffer, no terminal needed.
final class WidgetTests: XCTestCase {
    func testBrailleChartOfARisingLine() {
        var buffer = CellBuffer(width: 20, height: 6)
        BrailleChart(title: "rise", series: [.init(name: "x", values: [0, 1, 2, 3], colour: 81)])
            .draw(into: &buffer, at: Rect(x: 0, y: 0, width: 20, height: 6))
        XCTAssertEqual(buffer.line(0).trimmingCharacters(in: .whitespaces), "rise")
        XCTAssert(buffer.line(1).hasPrefix("3.00│"), buffer.line(1))
        XCTAssert(buffer.line(4).hasPrefix("0   │"), buffer.line(4))
        XCTAssert(buffer.line(5).hasPrefix("━ x"))
        // The line starts at the bottom left and ends at the top right.
        XCTAssertEqual(buffer[5, 4].character, "⣀")
        XCTAssertNotEqual(buffer[19, 1].character, " ")
        XCTAssertEqual(buffer[19, 4].character, " ")
        XCTAssertEqual(buffer[5, 1].character, " ")
        XCTAssertEqual(buffer[10, 3].style.foreground, 81)
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
        XCTAssertEqual(buffer[0, 0].style.background, GreyImageWidget.paletteGrey(1.0 / 3))
        XCTAssertEqual(buffer[3, 1].style.background, 231)
        XCTAssertEqual(buffer[0, 1].style.foreground, GreyImageWidget.paletteGrey(2.0 / 3))
        var ascii = CellBuffer(width: 4, height: 2)
        GreyImageWidget(pixels: pixels, width: 4, height: 4, ascii: true).draw(into: &ascii, at: Rect(x: 0, y: 0, width: 4, height: 2))
        XCTAssertEqual(ascii.line(0), "::::")
        XCTAssertEqual(ascii.line(1), "%%%%")
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
