import Foundation
import NeuralNet

/// The embedded non-face images, the paper's *distinct* background knowledge: filled shapes, gratings and smooth
/// textures, labelled by kind.
public enum SyntheticPatterns {
    /// The kinds of image, in label order.
    public static let kinds = ["disc", "rectangle", "triangle", "grating", "texture", "checkerboard"]

    /// `count` images of `size` pixels, kinds taking turns.
    public static func generate(count: Int, size: Int, seed: UInt64) -> ImageSet {
        var pixels = [UInt8](repeating: 0, count: count * size * size)
        pixels.withUnsafeMutableBufferPointer { buffer in
            let store = buffer.baseAddress!
            Parallel.forEach(count) { index in
                var rng = RandomGenerator(seed: seed &+ 0x51_7CC1 &* UInt64(index + 1))
                let image = draw(kind: index % kinds.count, size: size, rng: &rng)
                (store + index * size * size).update(from: image, count: size * size)
            }
        }
        return ImageSet(height: size, width: size, pixels: pixels, labels: (0..<count).map { $0 % kinds.count },
                        classNames: kinds, origin: "synthetic non-face patterns (\(count) images, seed \(seed))")
    }

    private static func draw(kind: Int, size: Int, rng: inout RandomGenerator) -> [UInt8] {
        let background = rng.uniform(0, 1)
        let foreground = rng.uniform(0, 1)
        let (centerX, centerY) = (rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2))
        let radius = rng.uniform(0.15, 0.4)
        let angle = rng.uniform(0, Float.pi)
        let frequency = rng.uniform(2, 9)
        let phase = rng.uniform(0, 2 * Float.pi)
        // Low-frequency random waves make the smooth textures.
        let waves = (0..<4).map { _ in (rng.uniform(1, 6), rng.uniform(0, Float.pi), rng.uniform(0, 2 * Float.pi)) }
        var image = [UInt8](repeating: 0, count: size * size)
        for row in 0..<size {
            for column in 0..<size {
                let x = (Float(column) + 0.5) / Float(size) - 0.5
                let y = (Float(row) + 0.5) / Float(size) - 0.5
                let (dx, dy) = (x - centerX, y - centerY)
                let along = dx * cos(angle) + dy * sin(angle)
                let across = -dx * sin(angle) + dy * cos(angle)
                var value: Float
                switch kind {
                case 0: value = (dx * dx + dy * dy).squareRoot() < radius ? foreground : background
                case 1: value = abs(along) < radius && abs(across) < radius * 0.6 ? foreground : background
                case 2: value = across > -radius * 0.5 && abs(along) < (across + radius * 0.5) * 0.7 && across < radius
                    ? foreground : background
                case 3: value = 0.5 + 0.5 * sin(2 * Float.pi * frequency * along + phase)
                case 4:
                    value = 0.5 + waves.reduce(0) { sum, wave in
                        sum + 0.12 * sin(2 * Float.pi * wave.0 * (x * cos(wave.1) + y * sin(wave.1)) + wave.2)
                    }
                default:
                    let cells = Int((along + 1) * frequency) + Int((across + 1) * frequency)
                    value = cells % 2 == 0 ? foreground : background
                }
                value += 0.03 * rng.normal()
                image[row * size + column] = UInt8(max(0, min(255, (value * 255).rounded())))
            }
        }
        return image
    }
}
