import NeuralNet

/// Greyscale images of one size stored at one byte a pixel (N x H x W, row-major), with optional labels, class
/// names and per-image attributes (such as a face's yaw). Batches come out as Float32 in [0, 1] for the engine.
public struct ImageSet: Sendable {
    public let height: Int
    public let width: Int
    /// Every image's pixels, one after another.
    public private(set) var pixels: [UInt8]
    /// One class index per image, when the set is labelled.
    public private(set) var labels: [Int]?
    /// A name for each class index, when known.
    public var classNames: [String]?
    /// Named per-image values, each with one value per image (for example `yaw` in [-1, 1]).
    public private(set) var attributes: [String: [Float]]
    /// Where the images came from, in words (for reports).
    public var origin: String

    public var count: Int { pixels.count / max(height * width, 1) }
    public var pixelsPerImage: Int { height * width }
    /// The number of classes: one more than the largest label.
    public var classCount: Int { (labels?.max() ?? -1) + 1 }

    /// A set from raw pixels; `pixels.count` must be a multiple of `height * width`, and labels and attributes must
    /// have one value per image.
    public init(height: Int, width: Int, pixels: [UInt8], labels: [Int]? = nil, classNames: [String]? = nil,
                attributes: [String: [Float]] = [:], origin: String) {
        precondition(height > 0 && width > 0 && pixels.count % (height * width) == 0, "ImageSet: pixels do not fill whole images")
        let count = pixels.count / (height * width)
        precondition(labels.map { $0.count == count } ?? true, "ImageSet: \(labels?.count ?? 0) labels for \(count) images")
        precondition(attributes.values.allSatisfy { $0.count == count }, "ImageSet: attribute count differs from image count")
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
        self.classNames = classNames
        self.attributes = attributes
        self.origin = origin
    }

    /// The mean of every image, pixels in [0, 1].
    public func meanImage() -> [Float] {
        var sums = [Float](repeating: 0, count: pixelsPerImage)
        for index in 0..<count {
            for (pixel, value) in image(index).enumerated() { sums[pixel] += Float(value) }
        }
        return sums.map { $0 / (255 * Float(max(count, 1))) }
    }

    /// The images at `indices`, in that order, with their labels and attributes.
    public func subset(_ indices: [Int], origin: String? = nil) -> ImageSet {
        var chosen = [UInt8]()
        chosen.reserveCapacity(indices.count * pixelsPerImage)
        for index in indices { chosen += pixels[(index * pixelsPerImage)..<((index + 1) * pixelsPerImage)] }
        return ImageSet(height: height, width: width, pixels: chosen, labels: labels.map { all in indices.map { all[$0] } },
                        classNames: classNames, attributes: attributes.mapValues { values in indices.map { values[$0] } },
                        origin: origin ?? self.origin)
    }

    /// This set followed by `other` (same image size). Labels survive only when both are labelled; attributes only
    /// when both have them.
    public func appending(_ other: ImageSet, origin: String) -> ImageSet {
        precondition(other.height == height && other.width == width, "ImageSet: appending images of another size")
        let joinedLabels = labels.flatMap { mine in other.labels.map { mine + $0 } }
        var joinedAttributes: [String: [Float]] = [:]
        for (name, values) in attributes { if let theirs = other.attributes[name] { joinedAttributes[name] = values + theirs } }
        return ImageSet(height: height, width: width, pixels: pixels + other.pixels, labels: joinedLabels,
                        classNames: classNames ?? other.classNames, attributes: joinedAttributes, origin: origin)
    }

    /// The pixels of image `index`.
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        pixels[(index * pixelsPerImage)..<((index + 1) * pixelsPerImage)]
    }

    /// Writes images `indices` as Float32 in [0, 1] into `batch`, resized to `[indices.count, 1, height, width]`.
    public func fill(_ batch: Tensor, with indices: [Int]) {
        batch.resize([indices.count, 1, height, width])
        let destination = batch.pointer
        let size = pixelsPerImage
        pixels.withUnsafeBufferPointer { source in
            for (position, index) in indices.enumerated() {
                let from = source.baseAddress! + index * size
                let to = destination + position * size
                for pixel in 0..<size { to[pixel] = Float(from[pixel]) / 255 }
            }
        }
    }

    /// Images `indices` as a new Float32 tensor `[n, 1, height, width]` in [0, 1].
    public func batch(_ indices: [Int]) -> Tensor {
        let tensor = Tensor()
        fill(tensor, with: indices)
        return tensor
    }

    /// The indices of the images of each class, by class index.
    public func indicesByClass() -> [[Int]] {
        guard let labels else { return [] }
        var groups = Array(repeating: [Int](), count: classCount)
        for (index, label) in labels.enumerated() { groups[label].append(index) }
        return groups
    }

    /// The same images with labels renumbered by `mapping` (old label → new label); images whose label is not in
    /// the mapping are dropped.
    public func relabelled(_ mapping: [Int: Int], classNames newNames: [String]?, origin: String) -> ImageSet {
        guard let labels else { return self }
        let kept = labels.indices.filter { mapping[labels[$0]] != nil }
        var result = subset(kept, origin: origin)
        result.labels = kept.map { mapping[labels[$0]]! }
        result.classNames = newNames
        return result
    }
}
