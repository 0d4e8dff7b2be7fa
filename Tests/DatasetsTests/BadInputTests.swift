import Datasets
import Foundation
import NeuralNet
import TensorFiles
import XCTest

/// Every kind of bad input gets an error naming the file and the problem, or is skipped and counted on request.
final class BadInputTests: TemporaryFolderTestCase {
    private let options = DataSource.Options(size: 8)

    func testMissingAndEmptyFolders() throws {
        assertFails(["nowhere", "does not exist"]) { _ = try DataSource.path(self.file("nowhere").path).load(self.options) }
        try FileManager.default.createDirectory(at: file("empty"), withIntermediateDirectories: true)
        assertFails(["empty", "empty folder"]) { _ = try DataSource.path(self.file("empty").path).load(self.options) }
        try Data("notes".utf8).write(to: file("empty/readme.txt"))
        assertFails(["empty", "no PGM, PNG or JPEG"]) { _ = try DataSource.path(self.file("empty").path).load(self.options) }
    }

    /// A folder `faces/a` holding copies of the fixture PNG plus `extra` written as given.
    private func faceFolder(extra: Data, named name: String) throws -> URL {
        let classFolder = file("faces/a")
        try FileManager.default.createDirectory(at: classFolder, withIntermediateDirectories: true)
        for index in 0..<2 {
            try FileManager.default.copyItem(at: try DatasetFixtures.url("folder/alice/0.png"),
                                             to: classFolder.appendingPathComponent("\(index).png"))
        }
        try extra.write(to: classFolder.appendingPathComponent(name))
        return file("faces")
    }

    func testFileThatIsNotAnImage() throws {
        let faces = try faceFolder(extra: Data("hello".utf8), named: "fake.png")
        assertFails(["fake.png", "not a PGM, PNG or JPEG"]) { _ = try ImageFolderLoader.load(faces, preprocessing: Preprocessing(size: 8)) }
        let skipped = try ImageFolderLoader.load(faces, preprocessing: Preprocessing(size: 8), badImages: .skip)
        XCTAssertEqual(skipped.count, 2)
        XCTAssert(skipped.origin.contains("1 unreadable skipped"))
    }

    func testTruncatedPGMPNGAndJPEG() throws {
        let pgm = Data("P5\n4 4\n255\n".utf8) + Data([1, 2, 3])
        assertFails(["short.pgm", "truncated PGM"]) { _ = try ImageCodecs.decode(try self.write(pgm, "short.pgm")) }
        let png = try Data(contentsOf: try DatasetFixtures.url("folder/alice/2.png"))
        assertFails(["cut.png", "PNG"]) { _ = try ImageCodecs.decode(try self.write(png.prefix(png.count / 2), "cut.png")) }
        let jpeg = try Data(contentsOf: try DatasetFixtures.url("folder/alice/1.jpg"))
        assertFails(["cut.jpg", "JPEG"]) { _ = try ImageCodecs.decode(try self.write(jpeg.prefix(jpeg.count / 2), "cut.jpg")) }
        assertFails(["header.pgm", "PGM header"]) { _ = try ImageCodecs.decode(try self.write(Data("P5\nx".utf8), "header.pgm")) }
    }

    func testImagesOfMixedSizes() throws {
        let large = try ImageCodecs.encodePNG(width: 20, height: 20, pixels: Array(repeating: 9, count: 400))
        let faces = try faceFolder(extra: large, named: "9.png")
        assertFails(["9.png", "20 x 20", "12 x 10"]) { _ = try ImageFolderLoader.load(faces, preprocessing: Preprocessing(size: 8)) }
        XCTAssertEqual(try ImageFolderLoader.load(faces, preprocessing: Preprocessing(size: 8), badImages: .skip).count, 2)
    }

    func testWrongIDXMagicAndSizes() throws {
        try Data([0, 0, 8, 1, 0, 0, 0, 1, 5]).write(to: file("train-labels-idx1-ubyte"))
        try Data([0, 0, 8, 9, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0]).write(to: file("train-images-idx3-ubyte"))
        assertFails(["train-images-idx3-ubyte", "magic 0x00000809"]) {
            _ = try IDXLoader.load(images: self.file("train-images-idx3-ubyte"), labels: self.file("train-labels-idx1-ubyte"),
                                   preprocessing: Preprocessing(size: 1))
        }
        try Data([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0]).write(to: file("train-images-idx3-ubyte"))
        assertFails(["train-images-idx3-ubyte", "declares sizes [2, 1, 1]"]) {
            _ = try IDXLoader.load(images: self.file("train-images-idx3-ubyte"), labels: self.file("train-labels-idx1-ubyte"),
                                   preprocessing: Preprocessing(size: 1))
        }
        try Data([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]).write(to: file("train-images-idx3-ubyte"))
        assertFails(["train-labels-idx1-ubyte", "1 labels for the 2 images"]) {
            _ = try IDXLoader.load(images: self.file("train-images-idx3-ubyte"), labels: self.file("train-labels-idx1-ubyte"),
                                   preprocessing: Preprocessing(size: 1))
        }
        let gz = try write(Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2]), "broken.gz")
        assertFails(["broken.gz"]) { _ = try IDXLoader.load(images: gz, labels: gz, preprocessing: Preprocessing(size: 1)) }
    }

    func testNumpyWithUnsupportedDtypeOrShape() throws {
        try NumpyArray.write(Tensor(zeros: [3, 8]), to: file("flat.npy"))
        assertFails(["flat.npy", "shape [3, 8]"]) { _ = try NumpyImageLoader.loadImages(self.file("flat.npy"), preprocessing: Preprocessing(size: 8)) }
        var complexArray = try Data(contentsOf: file("flat.npy"))
        complexArray.replaceSubrange(20..<23, with: Data("<c8".utf8))
        try complexArray.write(to: file("complex.npy"))
        assertFails(["complex.npy", "<c8"]) { _ = try NumpyImageLoader.loadImages(self.file("complex.npy"), preprocessing: Preprocessing(size: 8)) }
        let archive = try Data(contentsOf: try DatasetFixtures.url("facescrub_stored.npz"))
        assertFails(["cut.npz"]) { _ = try NumpyImageLoader.loadFaceScrub(try self.write(archive.prefix(900), "cut.npz"), preprocessing: Preprocessing(size: 8)) }
    }

    func testCSVRowOfTheWrongLength() throws {
        try "1,2,3\n".write(to: file("short.csv"), atomically: true, encoding: .utf8)
        assertFails(["short.csv", "row 1 has 3 values, expected 785"]) {
            _ = try MNISTSubsetLoader.load(self.file("short.csv"), preprocessing: Preprocessing(size: 28))
        }
    }

    func testCIFARFileOfTheWrongSize() throws {
        try Data(count: 3000).write(to: file("data_batch_1.bin"))
        assertFails(["data_batch_1.bin", "3,073-byte"]) { _ = try DataSource.path(self.folder.path).load(self.options) }
    }

    /// A big-endian 32-bit word.
    private func word(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }

    /// The CRC-32 PNG chunks carry (IEEE polynomial, reflected).
    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// Headers that declare sizes the file cannot back: refused, naming the file, before anything is allocated for
    /// them (each of these used to crash or to allocate gigabytes).
    func testHeadersDeclaringHugeOrWrappingSizesAreRefused() throws {
        // PGM: 100,000,000 x 100,000,000 in a 30-byte file; 6,000 x 6,000 with two bytes of pixels; a sample above
        // its maximum.
        assertFails(["huge.pgm", "declares a 100000000 x 100000000 PGM"]) {
            _ = try ImageCodecs.decode(try self.write(Data("P5\n100000000 100000000\n255\n".utf8) + Data([1]), "huge.pgm"))
        }
        assertFails(["big.pgm", "truncated PGM"]) {
            _ = try ImageCodecs.decode(try self.write(Data("P5\n6000 6000\n255\n".utf8) + Data([1, 2]), "big.pgm"))
        }
        assertFails(["over.pgm", "sample 9 at pixel 1, above its maximum 7"]) {
            _ = try ImageCodecs.decode(try self.write(Data("P2\n2 1\n7\n3 9\n".utf8), "over.pgm"))
        }
        // PNG: a valid 60000 x 60000 header and an empty data chunk.
        let ihdr: [UInt8] = Array("IHDR".utf8) + word(60000) + word(60000) + [8, 0, 0, 0, 0]
        let idat: [UInt8] = Array("IDAT".utf8)
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + word(13) + ihdr + word(crc32(ihdr))
                       + word(0) + idat + word(crc32(idat)))
        assertFails(["huge.png", "declares a 60000 x 60000 PNG"]) { _ = try ImageCodecs.decode(try self.write(png, "huge.png")) }
        // JPEG: the fixture with its frame header rewritten to 65000 x 65000.
        var jpeg = [UInt8](try Data(contentsOf: try DatasetFixtures.url("folder/alice/1.jpg")))
        let frame = try XCTUnwrap((0..<jpeg.count - 1).first { jpeg[$0] == 0xFF && (0xC0...0xC2).contains(jpeg[$0 + 1]) })
        jpeg.replaceSubrange((frame + 5)..<(frame + 9), with: [0xFD, 0xE8, 0xFD, 0xE8])
        assertFails(["huge.jpg", "declares a 65000 x 65000 JPEG"]) { _ = try ImageCodecs.decode(try self.write(Data(jpeg), "huge.jpg")) }
        // IDX: 4 x 2^31 x 2^31 wraps a 64-bit product.
        try Data([0, 0, 8, 1] + word(4) + [0, 1, 2, 3]).write(to: file("wrap-labels-idx1-ubyte"))
        try Data([0, 0, 8, 3] + word(4) + word(1 << 31) + word(1 << 31) + [0, 0]).write(to: file("wrap-images-idx3-ubyte"))
        assertFails(["wrap-images-idx3-ubyte", "declares sizes [4, 2147483648, 2147483648]"]) {
            _ = try IDXLoader.load(images: self.file("wrap-images-idx3-ubyte"), labels: self.file("wrap-labels-idx1-ubyte"),
                                   preprocessing: Preprocessing(size: 1))
        }
    }

    /// An NPY file of float32 with `shape` in its header and `dataBytes` zero bytes of data.
    private func numpy(shape: String, dataBytes: Int) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let length = header.utf8.count
        return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8))
            + Data(count: dataBytes)
    }

    func testNumpyShapesThatOverflowGoNegativeOrDisagreeAreRefused() throws {
        XCTAssertEqual(try NumpyArray.read(try write(numpy(shape: "(2, 4, 4)", dataBytes: 128), "good.npy")).shape, [2, 4, 4])
        for (shape, fragment) in [("(4611686018427387904, 4, 32, 32)", "more elements than memory can hold"),
                                  ("(-1, 4, 4)", "negative dimension"), ("(4, 2147483648, 2147483648)", "more elements than memory"),
                                  ("(1, 4, 4)", "holds 128 data bytes"), ("(2, x, 4)", "not a tuple of whole numbers")] {
            assertFails(["bad.npy", fragment]) { _ = try NumpyArray.read(try self.write(self.numpy(shape: shape, dataBytes: 128), "bad.npy")) }
        }
    }

    func testIDXWithNoImagesIsRefusedAndGapsInItsLabelsAreNamed() throws {
        try Data([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]).write(to: file("empty-images-idx3-ubyte"))
        try Data([0, 0, 8, 1, 0, 0, 0, 0]).write(to: file("empty-labels-idx1-ubyte"))
        assertFails(["empty-images-idx3-ubyte", "holds no images"]) {
            _ = try IDXLoader.load(images: self.file("empty-images-idx3-ubyte"), labels: self.file("empty-labels-idx1-ubyte"),
                                   preprocessing: Preprocessing(size: 1))
        }
        try Data([0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]).write(to: file("gap-images-idx3-ubyte"))
        try Data([0, 0, 8, 1, 0, 0, 0, 4, 0, 0, 0, 200]).write(to: file("gap-labels-idx1-ubyte"))
        // Loading takes any labels (a few images cut from a set need not hold every class); a split of the private
        // classes then names the gap.
        let gapped = try IDXLoader.load(images: file("gap-images-idx3-ubyte"), labels: file("gap-labels-idx1-ubyte"),
                                        preprocessing: Preprocessing(size: 1))
        assertFails(["gap-images-idx3-ubyte", "no image has label 1 although the labels go up to 200"]) {
            _ = try PaperSplit(gapped, privateClasses: 2, seed: 1)
        }
    }

    func testAClassFolderWithoutImagesIsNamedNotDropped() throws {
        let pgm = Data("P5\n2 2\n255\n".utf8) + Data([0, 64, 128, 255])
        for name in ["a", "b", "c"] {
            try FileManager.default.createDirectory(at: file("faces/\(name)"), withIntermediateDirectories: true)
        }
        for name in ["a", "c"] { try pgm.write(to: file("faces/\(name)/1.pgm")) }
        try Data("notes".utf8).write(to: file("faces/b/readme.txt"))
        // Dropping b would make c class 1: the labels of every later class would shift.
        assertFails(["faces/b", "holds no PGM, PNG or JPEG images"]) {
            _ = try ImageFolderLoader.load(self.file("faces"), preprocessing: Preprocessing(size: 2))
        }
        try pgm.write(to: file("faces/b/1.pgm"))
        XCTAssertEqual(try ImageFolderLoader.load(file("faces"), preprocessing: Preprocessing(size: 2)).classNames ?? [], ["a", "b", "c"])
    }

    func testNaNImagesAreRefused() throws {
        let images = Tensor(zeros: [2, 4, 4])
        images[21] = .nan
        try NumpyArray.write(images, to: file("nan.npy"))
        assertFails(["nan.npy", "image 1 holds nan at element 5"]) {
            _ = try NumpyImageLoader.loadImages(self.file("nan.npy"), preprocessing: Preprocessing(size: 4))
        }
    }

    func testNPZLabelsThatAreNegativeOrHugeAreRefused() throws {
        // The stored fixture's actor labels, replaced in place by values no data set of its size can have.
        let archive = try Data(contentsOf: try DatasetFixtures.url("facescrub_stored.npz"))
        let member = try XCTUnwrap(archive.range(of: Data("actor_labels.npy".utf8), options: [], in: 0..<archive.count))
        let header = try XCTUnwrap(archive.range(of: Data([0x93] + Array("NUMPY".utf8)), options: [], in: member.upperBound..<archive.count))
        let headerLength = Int(archive[header.lowerBound + 8]) | Int(archive[header.lowerBound + 9]) << 8
        let dataStart = header.lowerBound + 10 + headerLength
        let descr = String(decoding: archive[header.lowerBound..<dataStart], as: UTF8.self)
        XCTAssert(descr.contains("<i8"), "the fixture's labels are int64: \(descr)")
        for (value, fragment) in [(Int64(-1), "label -1.0 at position 0"), (Int64(1_000_000_000), "label 1000000000.0 at position 0")] {
            var changed = archive
            withUnsafeBytes(of: value.littleEndian) { changed.replaceSubrange(dataStart..<(dataStart + 8), with: $0) }
            assertFails(["labels.npz", "actor_labels", fragment]) {
                _ = try NumpyImageLoader.loadFaceScrub(try self.write(changed, "labels.npz"), preprocessing: Preprocessing(size: 8))
            }
        }
    }

    private func write(_ data: Data, _ name: String) throws -> URL {
        try data.write(to: file(name))
        return file(name)
    }
}
