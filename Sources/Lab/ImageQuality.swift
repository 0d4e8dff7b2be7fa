import Foundation

/// Per-image quality of a reconstruction against its truth, as the model-inversion literature reports it beside
/// attack accuracy: MSE, PSNR and SSIM, for grey images with values in [0, 1].
public enum ImageQuality {
    /// The Gaussian window of Wang et al. 2004 as scikit-image applies it: sigma 1.5, cut at 3.5 sigma (11 taps).
    static let sigma = 1.5
    static let radius = Int(3.5 * sigma + 0.5)
    static let window: [Double] = {
        let weights = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }()
    /// Wang et al.'s stabilising constants for a data range of 1.
    static let c1 = 0.01 * 0.01
    static let c2 = 0.03 * 0.03

    /// The smallest side SSIM's window fits in.
    public static var minimumSide: Int { 2 * radius + 1 }

    /// Mean squared error per pixel.
    public static func mse(_ truth: [Float], _ reconstruction: [Float]) -> Double {
        precondition(truth.count == reconstruction.count && !truth.isEmpty)
        return zip(truth, reconstruction).reduce(0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(truth.count)
    }

    /// Peak signal-to-noise ratio in dB for a data range of 1 (infinite for identical images).
    public static func psnr(_ truth: [Float], _ reconstruction: [Float]) -> Double {
        10 * log10(1 / mse(truth, reconstruction))
    }

    /// Structural similarity with Gaussian weights and population covariances, averaged over the pixels whose
    /// window lies inside the image (scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
    /// use_sample_covariance=False, data_range=1)`). Both sides must be at least `minimumSide`.
    public static func ssim(_ truth: [Float], _ reconstruction: [Float], width: Int, height: Int) -> Double {
        precondition(truth.count == width * height && reconstruction.count == width * height)
        precondition(width >= minimumSide && height >= minimumSide)
        let x = truth.map(Double.init), y = reconstruction.map(Double.init)
        let meanX = blur(x, width: width, height: height), meanY = blur(y, width: width, height: height)
        let meanXX = blur(zip(x, x).map(*), width: width, height: height)
        let meanYY = blur(zip(y, y).map(*), width: width, height: height)
        let meanXY = blur(zip(x, y).map(*), width: width, height: height)
        var total = 0.0
        for row in radius..<(height - radius) {
            for column in radius..<(width - radius) {
                let index = row * width + column
                let (mx, my) = (meanX[index], meanY[index])
                let varianceX = meanXX[index] - mx * mx, varianceY = meanYY[index] - my * my
                let covariance = meanXY[index] - mx * my
                total += (2 * mx * my + c1) * (2 * covariance + c2) / ((mx * mx + my * my + c1) * (varianceX + varianceY + c2))
            }
        }
        return total / Double((height - 2 * radius) * (width - 2 * radius))
    }

    /// The Gaussian window applied along rows then columns, at the pixels whose whole window lies inside the image
    /// (the only ones SSIM averages; the others are left 0).
    private static func blur(_ image: [Double], width: Int, height: Int) -> [Double] {
        var rows = [Double](repeating: 0, count: image.count)
        for row in 0..<height {
            for column in radius..<(width - radius) {
                var sum = 0.0
                for tap in -radius...radius { sum += window[tap + radius] * image[row * width + column + tap] }
                rows[row * width + column] = sum
            }
        }
        var result = [Double](repeating: 0, count: image.count)
        for row in radius..<(height - radius) {
            for column in radius..<(width - radius) {
                var sum = 0.0
                for tap in -radius...radius { sum += window[tap + radius] * rows[(row + tap) * width + column] }
                result[row * width + column] = sum
            }
        }
        return result
    }
}
