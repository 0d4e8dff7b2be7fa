import Foundation
import NeuralNet
import TensorFiles

/// Image arrays in NumPy's formats, as the authors prepare them: `.npy` arrays of images `[N, H, W]` (or
/// `[N, H, W, C]`, `[N, 1, H, W]`), `facescrub.npz` with `actor_images`, `actor_labels`, `actress_images`,
/// `actress_labels`, and CelebA as `celebA_64_1.npy` ... `celebA_64_10.npy`. Float images in [0, 1] are scaled to
/// bytes; others are taken as 0-255.
public enum NumpyImageLoader {
    /// One `.npy` array of images, unlabelled.
    public static func loadImages(_ file: URL, preprocessing: Preprocessing) throws -> ImageSet {
        let bytes = [UInt8](try FileBytes.read(file))
        return try images(bytes, source: file, member: nil, preprocessing: preprocessing)
    }

    /// The authors' `facescrub.npz`: actors' classes first, then actresses', as one labelled set.
    public static func loadFaceScrub(_ file: URL, preprocessing: Preprocessing) throws -> ImageSet {
        let archive = try ZipArchive(file)
        var result: ImageSet?
        for group in ["actor", "actress"] {
            let images = try self.images(try archive.read("\(group)_images.npy"), source: file,
                                         member: "\(group)_images", preprocessing: preprocessing)
            let labels = try integers(try archive.read("\(group)_labels.npy"), source: file, member: "\(group)_labels")
            guard labels.count == images.count else {
                throw DatasetError(file, "\(group)_labels has \(labels.count) labels for \(images.count) images")
            }
            let offset = result?.classCount ?? 0
            let labelled = ImageSet(height: images.height, width: images.width, pixels: images.pixels,
                                    labels: labels.map { $0 + offset }, origin: "")
            result = result.map { $0.appending(labelled, origin: "") } ?? labelled
        }
        var set = result!
        set.origin = "FaceScrub from \(file.lastPathComponent) (\(set.count) images of \(set.classCount) people)"
        return set
    }

    /// The CelebA parts `celebA_64_1.npy` ... `celebA_64_10.npy` found in `folder`, as one unlabelled set.
    public static func loadCelebAParts(in folder: URL, preprocessing: Preprocessing) throws -> ImageSet {
        let parts = (1...10).map { folder.appendingPathComponent("celebA_64_\($0).npy") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        guard let first = parts.first else { throw DatasetError(folder, "holds no celebA_64_N.npy files") }
        var set = try loadImages(first, preprocessing: preprocessing)
        for part in parts.dropFirst() {
            set = set.appending(try loadImages(part, preprocessing: preprocessing), origin: "")
        }
        set.origin = "CelebA from \(parts.count) parts (\(set.count) faces)"
        return set
    }

    /// Images from NPY bytes, preprocessed.
    private static func images(_ bytes: [UInt8], source: URL, member: String?, preprocessing: Preprocessing) throws -> ImageSet {
        let name = member.map { "member \($0) of " } ?? ""
        let header: NumpyArray.Header
        do { header = try NumpyArray.header(of: bytes, file: source) } catch {
            throw DatasetError(source, "\(name)is not a usable NPY array (\(error))")
        }
        guard header.elementSize != nil else {
            throw DatasetError(source, "\(name)has dtype '\(header.dtype)', not an image type (uint8, int or float)")
        }
        let shape = header.shape
        let (count, height, width, channels): (Int, Int, Int, Int)
        switch shape.count {
        case 3: (count, height, width, channels) = (shape[0], shape[1], shape[2], 1)
        case 4 where shape[1] == 1: (count, height, width, channels) = (shape[0], shape[2], shape[3], 1)
        case 4 where [1, 3, 4].contains(shape[3]): (count, height, width, channels) = (shape[0], shape[1], shape[2], shape[3])
        default: throw DatasetError(source, "\(name)has shape \(shape); images should be [N, H, W], [N, 1, H, W] or [N, H, W, C]")
        }
        guard count > 0, height > 0, width > 0 else { throw DatasetError(source, "\(name)holds no images (shape \(shape))") }
        let values = height * width * channels
        var pixels = [UInt8]()
        pixels.reserveCapacity(count * preprocessing.size * preprocessing.size)
        try bytes.withUnsafeBytes { raw in
            // Floats no larger than 1 are taken as [0, 1] images.
            let isFloat = header.dtype.hasPrefix("<f")
            let unitScale = isFloat && (0..<min(count * values, 100_000)).allSatisfy { header.value(raw, at: $0) <= 1.0001 }
            let scale = unitScale ? 255.0 : 1.0
            for image in 0..<count {
                var raw8 = [UInt8](repeating: 0, count: values)
                for index in 0..<values {
                    let value = header.value(raw, at: image * values + index)
                    guard value.isFinite else {
                        throw DatasetError(source, "\(name)image \(image) holds \(value) at element \(index); pixels must be numbers")
                    }
                    raw8[index] = UInt8(max(0, min(255, (value * scale).rounded())))
                }
                let grey = channels >= 3 ? ImageProcessing.grey(fromInterleaved: raw8, channels: channels) : raw8
                pixels += try preprocessing.apply(grey, width: width, height: height, source: source.path)
            }
        }
        return ImageSet(height: preprocessing.size, width: preprocessing.size, pixels: pixels,
                        origin: "\(source.lastPathComponent) (\(count) images)")
    }

    /// Integer labels from NPY bytes.
    private static func integers(_ bytes: [UInt8], source: URL, member: String) throws -> [Int] {
        let header = try NumpyArray.header(of: bytes, file: source)
        guard header.elementSize != nil, header.shape.count == 1 else {
            throw DatasetError(source, "member \(member) has dtype '\(header.dtype)' and shape \(header.shape), expected one integer label per image")
        }
        let values = bytes.withUnsafeBytes { raw in (0..<header.shape[0]).map { header.value(raw, at: $0) } }
        // One class per image at most, so a label beyond the image count is a corrupt file, not a large data set.
        if let position = values.firstIndex(where: { !($0 >= 0 && $0 < Double(values.count) && $0 == $0.rounded()) }) {
            throw DatasetError(source, "member \(member) holds the label \(values[position]) at position \(position); labels must be whole numbers from 0 to \(values.count - 1)")
        }
        return values.map { Int($0) }
    }
}
