import Foundation
import NeuralNet

/// The two filters the CCS 2019 paper applies to Fredrikson et al.'s reconstructions before judging them: a Gaussian
/// blur that removes the optimisation's pixel noise, then an unsharp mask that restores edges. Both work on batches
/// `[N, 1, H, W]` with edges repeated, and keep values in [0, 1].
public enum ImageFilters {
    /// A new batch, each image blurred by a Gaussian of standard deviation `sigma` pixels (kernel radius 3 sigma).
    public static func gaussianBlur(_ images: Tensor, sigma: Float) -> Tensor {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var weights = (-radius...radius).map { offset in expf(-Float(offset * offset) / (2 * sigma * sigma)) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        let (count, height, width) = (images.shape[0], images.shape[2], images.shape[3])
        let horizontal = Tensor(zeros: images.shape), result = Tensor(zeros: images.shape)
        for image in 0..<count {
            let base = image * height * width
            for y in 0..<height {
                for x in 0..<width {
                    var sum: Float = 0
                    for (tap, weight) in weights.enumerated() {
                        sum += weight * images[base + y * width + min(max(x + tap - radius, 0), width - 1)]
                    }
                    horizontal[base + y * width + x] = sum
                }
            }
            for y in 0..<height {
                for x in 0..<width {
                    var sum: Float = 0
                    for (tap, weight) in weights.enumerated() {
                        sum += weight * horizontal[base + min(max(y + tap - radius, 0), height - 1) * width + x]
                    }
                    result[base + y * width + x] = sum
                }
            }
        }
        return result
    }

    /// A new batch, each image sharpened: x + amount · (x - blur(x, sigma)), clamped to [0, 1].
    public static func unsharpMask(_ images: Tensor, sigma: Float, amount: Float) -> Tensor {
        let blurred = gaussianBlur(images, sigma: sigma)
        let result = Tensor(zeros: images.shape)
        for index in 0..<images.count {
            result[index] = min(max(images[index] + amount * (images[index] - blurred[index]), 0), 1)
        }
        return result
    }
}
