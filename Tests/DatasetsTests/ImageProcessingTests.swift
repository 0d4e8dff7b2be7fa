import Datasets
import NeuralNet
import XCTest

/// Grey conversion, crop, area resize, min-max scaling and batches.
final class ImageProcessingTests: XCTestCase {
    func testAreaResizeAveragesWholeAndFractionalPixels() {
        // 4 x 2 → 2 x 1: each output is the mean of a 2 x 2 block.
        let pixels: [UInt8] = [0, 10, 100, 200,
                               20, 30, 50, 250]
        XCTAssertEqual(ImageProcessing.areaResize(pixels, width: 4, height: 2, toWidth: 2, toHeight: 1), [15, 150])
        // 3 → 2 across: the middle pixel is split between both outputs.
        XCTAssertEqual(ImageProcessing.areaResize([0, 90, 180], width: 3, height: 1, toWidth: 2, toHeight: 1), [30, 150])
        // Enlarging repeats values.
        XCTAssertEqual(ImageProcessing.areaResize([10, 20], width: 2, height: 1, toWidth: 4, toHeight: 1), [10, 10, 20, 20])
    }

    func testCropAndGrey() throws {
        let pixels: [UInt8] = Array(0..<16)
        XCTAssertEqual(ImageProcessing.crop(pixels, width: 4, rectangle: CropRectangle(x: 1, y: 2, width: 2, height: 2)), [9, 10, 13, 14])
        XCTAssertEqual(ImageProcessing.grey(fromInterleaved: [255, 0, 0, 0, 255, 0, 0, 0, 255], channels: 3), [76, 150, 29])
        let cropped = try Preprocessing(size: 2, crop: CropRectangle(x: 0, y: 0, width: 2, height: 2)).apply(pixels, width: 4, height: 4, source: "x")
        XCTAssertEqual(cropped, [0, 1, 4, 5])
        XCTAssertThrowsError(try Preprocessing(size: 2, crop: CropRectangle.celebAFace).apply(pixels, width: 4, height: 4, source: "tiny.png")) {
            XCTAssert("\($0)".contains("tiny.png") && "\($0)".contains("does not fit"))
        }
    }

    func testMinMaxScalingStretchesEachPixelPosition() {
        let set = ImageSet(height: 1, width: 2, pixels: [10, 100, 20, 100, 30, 100], origin: "three")
        XCTAssertEqual(ImageProcessing.minMaxScaled(set).pixels, [0, 0, 128, 0, 255, 0])
    }

    func testBatchesAreFloatsInUnitRange() {
        let set = ImageSet(height: 1, width: 2, pixels: [0, 255, 51, 102], labels: [0, 1], origin: "two")
        let batch = set.batch([1, 0])
        XCTAssertEqual(batch.shape, [2, 1, 1, 2])
        XCTAssertEqual(batch.values, [0.2, 0.4, 0, 1])
    }
}
