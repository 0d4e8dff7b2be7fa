import Datasets
import Foundation
import NeuralNet
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

    private func write(_ data: Data, _ name: String) throws -> URL {
        try data.write(to: file(name))
        return file(name)
    }
}
