/// A rectangle of pixels: left, top, width, height.
public struct CropRectangle: Sendable, Equatable {
    public let x: Int
    public let y: Int
    public let width: Int
    public let height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// CelebA's aligned faces (178 x 218) cut to the face, as the paper does: 108 x 108 at (35, 70).
    public static let celebAFace = CropRectangle(x: 35, y: 70, width: 108, height: 108)
}

/// What loaders do to each decoded image before storing it: an optional crop, then an area resize to a square.
public struct Preprocessing: Sendable {
    /// The side of the stored square images: 32 or 64 for the paper's models.
    public var size: Int
    public var crop: CropRectangle?

    public init(size: Int, crop: CropRectangle? = nil) {
        self.size = size
        self.crop = crop
    }

    /// Crops and resizes one greyscale image; throws when the crop does not fit, naming `source`.
    public func apply(_ pixels: [UInt8], width: Int, height: Int, source: String) throws -> [UInt8] {
        var (image, imageWidth, imageHeight) = (pixels, width, height)
        if let crop {
            guard crop.x >= 0, crop.y >= 0, crop.width > 0, crop.height > 0,
                  crop.x + crop.width <= width, crop.y + crop.height <= height else {
                throw DatasetError(source, "a \(crop.width) x \(crop.height) crop at (\(crop.x), \(crop.y)) does not fit its \(width) x \(height) pixels")
            }
            image = ImageProcessing.crop(image, width: width, rectangle: crop)
            (imageWidth, imageHeight) = (crop.width, crop.height)
        }
        if imageWidth == size && imageHeight == size { return image }
        return ImageProcessing.areaResize(image, width: imageWidth, height: imageHeight, toWidth: size, toHeight: size)
    }
}

/// Pixel operations on greyscale images stored as bytes.
public enum ImageProcessing {
    /// Luma (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B, as PIL's convert("L")) of interleaved RGB or RGBA pixels.
    public static func grey(fromInterleaved pixels: [UInt8], channels: Int) -> [UInt8] {
        let count = pixels.count / channels
        var grey = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            let base = index * channels
            let luma = 0.299 * Float(pixels[base]) + 0.587 * Float(pixels[base + 1]) + 0.114 * Float(pixels[base + 2])
            grey[index] = UInt8(min(255, luma.rounded()))
        }
        return grey
    }

    /// The pixels inside `rectangle` of an image `width` wide.
    public static func crop(_ pixels: [UInt8], width: Int, rectangle: CropRectangle) -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(rectangle.width * rectangle.height)
        for row in rectangle.y..<(rectangle.y + rectangle.height) {
            let start = row * width + rectangle.x
            result += pixels[start..<(start + rectangle.width)]
        }
        return result
    }

    /// Area (box-filter) resampling: each output pixel is the mean of the input area it covers, with fractional
    /// pixels weighted by their overlap, so shrinking averages instead of aliasing. Done along rows, then columns.
    public static func areaResize(_ pixels: [UInt8], width: Int, height: Int, toWidth: Int, toHeight: Int) -> [UInt8] {
        let across = areaWeights(from: width, to: toWidth)
        let down = areaWeights(from: height, to: toHeight)
        var rowsResized = [Float](repeating: 0, count: height * toWidth)
        for row in 0..<height {
            for (column, taps) in across.enumerated() {
                var sum: Float = 0
                for (source, weight) in taps { sum += weight * Float(pixels[row * width + source]) }
                rowsResized[row * toWidth + column] = sum
            }
        }
        var result = [UInt8](repeating: 0, count: toHeight * toWidth)
        for (row, taps) in down.enumerated() {
            for column in 0..<toWidth {
                var sum: Float = 0
                for (source, weight) in taps { sum += weight * rowsResized[source * toWidth + column] }
                result[row * toWidth + column] = UInt8(max(0, min(255, sum.rounded())))
            }
        }
        return result
    }

    /// For each of `target` output positions, the input positions it overlaps and their weights (summing to 1).
    private static func areaWeights(from length: Int, to target: Int) -> [[(Int, Float)]] {
        let scale = Double(length) / Double(target)
        return (0..<target).map { position in
            let (start, end) = (Double(position) * scale, Double(position + 1) * scale)
            var taps: [(Int, Float)] = []
            var pixel = Int(start)
            while Double(pixel) < end && pixel < length {
                let overlap = min(end, Double(pixel + 1)) - max(start, Double(pixel))
                if overlap > 0 { taps.append((pixel, Float(overlap / (end - start)))) }
                pixel += 1
            }
            return taps
        }
    }

    /// The authors' scaling: every pixel position is stretched to [0, 255] by the minimum and maximum that position
    /// takes over the whole set (positions that never vary become 0).
    public static func minMaxScaled(_ set: ImageSet) -> ImageSet {
        let size = set.pixelsPerImage
        var low = [UInt8](repeating: 255, count: size)
        var high = [UInt8](repeating: 0, count: size)
        for image in 0..<set.count {
            for pixel in 0..<size {
                let value = set.pixels[image * size + pixel]
                low[pixel] = min(low[pixel], value)
                high[pixel] = max(high[pixel], value)
            }
        }
        var scaled = set.pixels
        for image in 0..<set.count {
            for pixel in 0..<size {
                let range = Float(high[pixel]) - Float(low[pixel])
                let value = Float(set.pixels[image * size + pixel]) - Float(low[pixel])
                scaled[image * size + pixel] = range > 0 ? UInt8((255 * value / range).rounded()) : 0
            }
        }
        return ImageSet(height: set.height, width: set.width, pixels: scaled, labels: set.labels,
                        classNames: set.classNames, attributes: set.attributes, origin: set.origin + ", min-max scaled")
    }
}
