import Foundation

/// Where a data set comes from, as a user names it: an embedded generator or a path whose format is detected.
public enum DataSource: Sendable, Equatable, CustomStringConvertible {
    /// The embedded synthetic faces.
    case syntheticFaces
    /// The embedded non-face patterns.
    case syntheticPatterns
    /// A file or folder in one of the supported formats.
    case path(String)

    /// `synthetic-faces`, `synthetic-patterns`, or a path.
    public init(spec: String) {
        switch spec {
        case "synthetic-faces": self = .syntheticFaces
        case "synthetic-patterns": self = .syntheticPatterns
        default: self = .path(spec)
        }
    }

    /// Whether the images are drawn by an embedded generator, whose seed decides who is in them.
    public var isGenerated: Bool {
        if case .path = self { false } else { true }
    }

    public var description: String {
        switch self {
        case .syntheticFaces: "synthetic-faces"
        case .syntheticPatterns: "synthetic-patterns"
        case .path(let path): path
        }
    }

    /// How to load: image size and crop, what to do with unreadable images, and the embedded generators' settings.
    public struct Options: Sendable {
        public var preprocessing: Preprocessing
        public var badImages: ImageFolderLoader.BadImages = .fail
        public var seed: UInt64 = 2019
        /// Synthetic faces: how many people and photos of each; the first `frontalIdentities` mostly face forward.
        public var syntheticIdentities = 100
        public var syntheticPhotos = 30
        public var frontalIdentities = 40
        /// Synthetic patterns: how many images.
        public var syntheticPatternCount = 3000

        public init(size: Int, crop: CropRectangle? = nil) {
            preprocessing = Preprocessing(size: size, crop: crop)
        }
    }

    /// Loads the set. A folder is read as MNIST-format IDX files, CIFAR-10 batches, CelebA parts, a `facescrub.npz`
    /// or an image folder, by what it holds; a file by its extension.
    public func load(_ options: Options) throws -> ImageSet {
        let size = options.preprocessing.size
        switch self {
        case .syntheticFaces:
            return SyntheticFaces.generate(identities: options.syntheticIdentities, imagesPerIdentity: options.syntheticPhotos,
                                           size: size, seed: options.seed, frontalIdentities: options.frontalIdentities)
        case .syntheticPatterns:
            return SyntheticPatterns.generate(count: options.syntheticPatternCount, size: size, seed: options.seed)
        case .path(let path):
            return try DataSource.load(URL(fileURLWithPath: path), options)
        }
    }

    private static func load(_ url: URL, _ options: Options) throws -> ImageSet {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isFolder) else { throw DatasetError(url, "does not exist") }
        let preprocessing = options.preprocessing
        if !isFolder.boolValue {
            let name = url.lastPathComponent.lowercased()
            if name.hasSuffix(".npz") { return try NumpyImageLoader.loadFaceScrub(url, preprocessing: preprocessing) }
            if name.hasSuffix(".npy") { return try NumpyImageLoader.loadImages(url, preprocessing: preprocessing) }
            if name.hasSuffix(".csv") || name.hasSuffix(".csv.gz") { return try MNISTSubsetLoader.load(url, preprocessing: preprocessing) }
            if name.hasSuffix(".bin") { return try CIFARLoader.load([url], preprocessing: preprocessing) }
            if name.contains("idx3-ubyte") {
                return try IDXLoader.load(images: url, labels: labelsFile(for: url), preprocessing: preprocessing)
            }
            throw DatasetError(url, "is not a format invertlab reads (.npz, .npy, .csv[.gz], CIFAR .bin, IDX, or a folder)")
        }
        let names: [String]
        do { names = try manager.contentsOfDirectory(atPath: url.path).sorted() } catch {
            throw DatasetError(url, "cannot be listed (\(error.localizedDescription))")
        }
        if names.isEmpty { throw DatasetError(url, "is an empty folder") }
        let idxImages = names.filter { $0.contains("idx3-ubyte") }
        if !idxImages.isEmpty {
            // Training images first, then the test images, as one set.
            var set: ImageSet?
            for name in idxImages.sorted(by: { $0.hasPrefix("train") && !$1.hasPrefix("train") }) {
                let images = url.appendingPathComponent(name)
                let part = try IDXLoader.load(images: images, labels: try labelsFile(for: images), preprocessing: preprocessing)
                set = set.map { $0.appending(part, origin: "") } ?? part
            }
            set!.origin = "\(url.lastPathComponent) IDX (\(set!.count) images)"
            return set!
        }
        let batches = names.filter { $0.hasSuffix(".bin") && ($0.hasPrefix("data_batch") || $0.hasPrefix("test_batch")) }
        if !batches.isEmpty {
            return try CIFARLoader.load(batches.map { url.appendingPathComponent($0) }, preprocessing: preprocessing)
        }
        if names.contains(where: { $0.hasPrefix("celebA_64_") && $0.hasSuffix(".npy") }) {
            return try NumpyImageLoader.loadCelebAParts(in: url, preprocessing: preprocessing)
        }
        if names.contains("facescrub.npz") {
            return try NumpyImageLoader.loadFaceScrub(url.appendingPathComponent("facescrub.npz"), preprocessing: preprocessing)
        }
        return try ImageFolderLoader.load(url, preprocessing: preprocessing, badImages: options.badImages)
    }

    /// `train-labels-idx1-ubyte.gz` beside `train-images-idx3-ubyte.gz`.
    private static func labelsFile(for images: URL) throws -> URL {
        let name = images.lastPathComponent.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
        let labels = images.deletingLastPathComponent().appendingPathComponent(name)
        guard name != images.lastPathComponent, FileManager.default.fileExists(atPath: labels.path) else {
            throw DatasetError(images, "has no labels file \(name) beside it")
        }
        return labels
    }
}
