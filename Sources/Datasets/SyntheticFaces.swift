import NeuralNet

/// The embedded default data set: faces drawn procedurally from a seed, needing no files. Each identity has lasting
/// traits (face shape, skin and hair tone, hair style, eyes, brows, nose, mouth, maybe glasses or a beard); each of
/// its photos varies pose (recorded as the `yaw` attribute), expression, light, framing and noise.
public enum SyntheticFaces {
    /// `identities` people with `imagesPerIdentity` photos each, labelled by person, at `size` pixels. The first
    /// `frontalIdentities` people mostly face the camera (their yaw stays within ±0.2), as the private people of a
    /// face-recognition service often do; the others turn freely.
    public static func generate(identities: Int, imagesPerIdentity: Int, size: Int, seed: UInt64,
                                frontalIdentities: Int = 0) -> ImageSet {
        let count = identities * imagesPerIdentity
        var people: [FaceIdentity] = []
        var identityStream = RandomGenerator(seed: seed)
        for person in 0..<identities {
            var personal = RandomGenerator(seed: identityStream.next())
            people.append(FaceIdentity(rng: &personal, frontal: person < frontalIdentities))
        }
        let renderer = FaceRenderer(size: size)
        var pixels = [UInt8](repeating: 0, count: count * size * size)
        var yaws = [Float](repeating: 0, count: count)
        pixels.withUnsafeMutableBufferPointer { pixelBuffer in
            yaws.withUnsafeMutableBufferPointer { yawBuffer in
                let (pixelStore, yawStore) = (pixelBuffer.baseAddress!, yawBuffer.baseAddress!)
                Parallel.forEach(count) { index in
                    // Each photo has its own stream, so the set is the same however the work is split.
                    var photoStream = RandomGenerator(seed: seed &+ 0x9E37_79B9 &* UInt64(index + 1))
                    let person = people[index / imagesPerIdentity]
                    let variation = FaceVariation(for: person, rng: &photoStream)
                    let face = renderer.render(person, variation, rng: &photoStream)
                    (pixelStore + index * size * size).update(from: face, count: size * size)
                    yawStore[index] = variation.yaw
                }
            }
        }
        return ImageSet(height: size, width: size, pixels: pixels,
                        labels: (0..<count).map { $0 / imagesPerIdentity },
                        classNames: (0..<identities).map { "person \($0 + 1)" }, attributes: ["yaw": yaws],
                        origin: "synthetic faces (\(identities) people x \(imagesPerIdentity) photos, seed \(seed))")
    }
}
