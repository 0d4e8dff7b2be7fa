import Foundation
import Lab
import XCTest

/// MSE, PSNR and SSIM against scikit-image's values for the same pairs (Fixtures/image_quality.json, written by
/// scripts/make_ssim_fixtures.py).
final class ImageQualityTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Pair: Decodable {
            let name: String
            let height: Int
            let width: Int
            let truth: [Float]
            let reconstruction: [Float]
            let ssim: Double
            let psnr: Double
        }
        let pairs: [Pair]
    }

    func testSSIMAndPSNRMatchScikitImage() throws {
        let file = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/image_quality", withExtension: "json"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: file))
        XCTAssertEqual(fixture.pairs.count, 5)
        for pair in fixture.pairs {
            let ssim = ImageQuality.ssim(pair.truth, pair.reconstruction, width: pair.width, height: pair.height)
            XCTAssertEqual(ssim, pair.ssim, accuracy: 1e-5, pair.name)
            XCTAssertEqual(ImageQuality.psnr(pair.truth, pair.reconstruction), pair.psnr, accuracy: 1e-4, pair.name)
        }
    }

    func testIdenticalImagesScorePerfectly() {
        let image = (0..<256).map { Float($0 % 17) / 16 }
        XCTAssertEqual(ImageQuality.ssim(image, image, width: 16, height: 16), 1, accuracy: 1e-12)
        XCTAssertEqual(ImageQuality.mse(image, image), 0)
        XCTAssertEqual(ImageQuality.psnr(image, image), .infinity)
    }
}
