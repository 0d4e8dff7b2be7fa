import NeuralNet

/// Random changes that keep who is in a photo: a shift of up to `maxShift` pixels each way (edges repeated), a
/// mirror image half of the time and a brightness offset of up to `maxBrightness`. The evaluation classifier
/// trains on them so that it names people rather than memorising its few photos of each.
public struct ImageAugmentation: Sendable {
    public let maxShift: Int
    public let maxBrightness: Float

    /// Shifts of up to a sixteenth of the side (2 px at 32, 4 px at 64) and brightness within ±0.06.
    public init(imageSize: Int) {
        maxShift = max(1, imageSize / 16)
        maxBrightness = 0.06
    }

    /// Applies a fresh random change to each image of a batch `[N, 1, H, W]` in place.
    public func apply(to batch: Tensor, rng: inout RandomGenerator) {
        let (count, height, width) = (batch.shape[0], batch.shape[2], batch.shape[3])
        var original = [Float](repeating: 0, count: height * width)
        for image in 0..<count {
            let pixels = batch.pointer + image * height * width
            original.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: pixels, count: height * width) }
            let span = 2 * maxShift + 1
            let shiftX = Int(rng.next() % UInt64(span)) - maxShift
            let shiftY = Int(rng.next() % UInt64(span)) - maxShift
            let mirrored = rng.next() & 1 == 1
            let brightness = rng.uniform(-maxBrightness, maxBrightness)
            for y in 0..<height {
                let sourceY = min(max(y - shiftY, 0), height - 1)
                for x in 0..<width {
                    let column = mirrored ? width - 1 - x : x
                    let sourceX = min(max(column - shiftX, 0), width - 1)
                    pixels[y * width + x] = min(max(original[sourceY * width + sourceX] + brightness, 0), 1)
                }
            }
        }
    }
}
