import Datasets
import NeuralNet

/// A stand-in for an evaluation classifier until one lands: the share of reconstructions nearer (per-pixel squared
/// distance) to the mean private training image of their own class than to any other class's mean. A decoder that
/// returns the average face for every vector scores about 1 / classes; one that reveals identities scores near 1.
public struct ClassMeans: Sendable {
    /// One mean image per class, pixels in [0, 1], `[classes][pixels]`.
    public let means: [[Float]]

    /// The mean image of each class of a labelled set.
    public init(of set: ImageSet, classes: Int) {
        let pixels = set.height * set.width
        var sums = [[Float]](repeating: [Float](repeating: 0, count: pixels), count: classes)
        var counts = [Int](repeating: 0, count: classes)
        for index in 0..<set.count {
            guard let label = set.labels?[index], label < classes else { continue }
            counts[label] += 1
            for (pixel, value) in set.image(index).enumerated() { sums[label][pixel] += Float(value) / 255 }
        }
        means = zip(sums, counts).map { sum, count in sum.map { $0 / Float(max(count, 1)) } }
    }

    /// The class whose mean is nearest to `image`.
    public func nearest(_ image: UnsafeBufferPointer<Float>) -> Int {
        var best = (class: 0, distance: Float.infinity)
        for (label, mean) in means.enumerated() {
            var distance: Float = 0
            for (value, centre) in zip(image, mean) { distance += (value - centre) * (value - centre) }
            if distance < best.distance { best = (label, distance) }
        }
        return best.class
    }

    /// The share of `reconstructions` (row i reconstructs image `indices[i]` of `victims`) nearest their own class.
    public func recognisedShare(_ reconstructions: Tensor, victims: ImageSet, indices: [Int]) -> Double {
        guard !indices.isEmpty, let labels = victims.labels else { return 0 }
        let hits = indices.enumerated().filter { row, index in nearest(reconstructions.sample(row)) == labels[index] }.count
        return Double(hits) / Double(indices.count)
    }
}
