import Datasets
import Foundation
import NeuralNet
import XCTest

/// Each loader on small files written here or committed as fixtures, and on the real data beside the checkout.
final class LoaderTests: TemporaryFolderTestCase {
    func testImageFolderWithPNGJPEGAndColour() throws {
        let set = try ImageFolderLoader.load(try DatasetFixtures.url("folder"), preprocessing: Preprocessing(size: 8))
        XCTAssertEqual(set.count, 6)
        XCTAssertEqual(set.labels, [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(set.classNames, ["alice", "bob"])
        XCTAssertEqual([set.height, set.width], [8, 8])
        // The gradients run dark to light left to right, in PNG and JPEG alike.
        for index in 0..<set.count {
            let row = Array(set.image(index).prefix(8))
            XCTAssertLessThan(row.first!, row.last!)
        }
    }

    func testORLFacesLoadAsFortyPeople() throws {
        let set = try DataSource.path(try DatasetFixtures.orl().path).load(DataSource.Options(size: 64))
        XCTAssertEqual(set.count, 400)
        XCTAssertEqual(set.classCount, 40)
        XCTAssertEqual(set.classNames?.prefix(3), ["s1", "s2", "s3"])
        XCTAssertEqual(set.labels?.filter { $0 == 39 }.count, 10)
        let split = try PaperSplit(set, privateClasses: 20, seed: 1)
        XCTAssertEqual(split.classifierTrain.count + split.classifierTest.count + split.heldOut.count, 200)
        XCTAssertEqual(split.generic?.count, 200)
    }

    func testTheShippedORLCopyHoldsTheOriginalsAt64Pixels() throws {
        let originals = try DataSource.path(try DatasetFixtures.orl().path).load(DataSource.Options(size: 64))
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Assets/datasets/orl-faces")
        let copy = try DataSource.path(shipped.path).load(DataSource.Options(size: 64))
        XCTAssertEqual(copy.pixels, originals.pixels)
        XCTAssertEqual(copy.labels, originals.labels)
    }

    func testIDXWriterRoundTrip() throws {
        let set = ImageSet(height: 2, width: 2, pixels: (0..<12).map { UInt8($0 * 21) }, labels: [4, 0, 255], origin: "three")
        try IDXWriter.write(set, to: folder, prefix: "small")
        let read = try DataSource.path(folder.path).load(DataSource.Options(size: 2))
        XCTAssertEqual(read.pixels, set.pixels)
        XCTAssertEqual(read.labels, [4, 0, 255])
        XCTAssertThrowsError(try IDXWriter.write(ImageSet(height: 1, width: 1, pixels: [0], origin: "unlabelled"), to: folder,
                                                 prefix: "bad")) { XCTAssert("\($0)".contains("has no labels"), "\($0)") }
    }

    func testIDXPlainAndGzipped() throws {
        var images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]
        images += [0, 255, 255, 0, 10, 10, 10, 10]
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 2, 7, 3]
        try Data(images).write(to: file("train-images-idx3-ubyte"))
        try Data(labels).write(to: file("train-labels-idx1-ubyte"))
        let set = try DataSource.path(folder.path).load(DataSource.Options(size: 2))
        XCTAssertEqual(set.pixels, [0, 255, 255, 0, 10, 10, 10, 10])
        XCTAssertEqual(set.labels, [7, 3])

        try gzip(file("train-images-idx3-ubyte"))
        try gzip(file("train-labels-idx1-ubyte"))
        let zipped = try IDXLoader.load(images: file("train-images-idx3-ubyte.gz"), labels: file("train-labels-idx1-ubyte.gz"),
                                        preprocessing: Preprocessing(size: 1))
        XCTAssertEqual(zipped.pixels, [128, 10])
    }

    func testFashionMNISTFromTheDebianPackage() throws {
        let folder = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
        guard FileManager.default.fileExists(atPath: folder.path) else { throw XCTSkip("make data installs Fashion-MNIST") }
        let set = try IDXLoader.load(images: folder.appendingPathComponent("t10k-images-idx3-ubyte.gz"),
                                     labels: folder.appendingPathComponent("t10k-labels-idx1-ubyte.gz"),
                                     preprocessing: Preprocessing(size: 32))
        XCTAssertEqual(set.count, 10_000)
        XCTAssertEqual(set.classCount, 10)
    }

    func testMNISTSubsetCSV() throws {
        let row = (Array(repeating: "0", count: 783) + ["255", "7"]).joined(separator: ",")
        try (row + "\n" + row + "\n").write(to: file("mnist.csv"), atomically: true, encoding: .utf8)
        let set = try MNISTSubsetLoader.load(file("mnist.csv"), preprocessing: Preprocessing(size: 28))
        XCTAssertEqual(set.labels, [7, 7])
        XCTAssertEqual(set.image(0).last, 255)
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("data/mnist/mnist_5k.csv.gz")
        if FileManager.default.fileExists(atPath: shipped.path) {
            let subset = try DataSource.path(shipped.path).load(DataSource.Options(size: 32))
            XCTAssertEqual(subset.count, 5000)
            XCTAssertEqual(subset.classCount, 10)
        }
    }

    func testFaceScrubArchivesStoredAndDeflated() throws {
        for name in ["facescrub_stored.npz", "facescrub_deflated.npz"] {
            let set = try DataSource.path(try DatasetFixtures.url(name).path).load(DataSource.Options(size: 8))
            XCTAssertEqual(set.count, 7)
            // Actresses' classes follow the actors'.
            XCTAssertEqual(set.labels, [0, 0, 1, 1, 2, 3, 3])
        }
    }

    func testFloatImagesInUnitRangeAndCelebAParts() throws {
        let floats = try NumpyImageLoader.loadImages(try DatasetFixtures.url("celeb_floats.npy"), preprocessing: Preprocessing(size: 8))
        XCTAssertEqual(floats.count, 5)
        XCTAssertGreaterThan(floats.pixels.max()!, 200)
        try FileManager.default.copyItem(at: try DatasetFixtures.url("celeb_floats.npy"), to: file("celebA_64_1.npy"))
        try FileManager.default.copyItem(at: try DatasetFixtures.url("celeb_floats.npy"), to: file("celebA_64_2.npy"))
        let celeb = try DataSource.path(folder.path).load(DataSource.Options(size: 4))
        XCTAssertEqual(celeb.count, 10)
        XCTAssertNil(celeb.labels)
    }

    func testCIFARBatchesBecomeGrey() throws {
        var record = [UInt8](repeating: 0, count: 3073)
        record[0] = 3
        for pixel in 0..<1024 { record[1 + pixel] = 255 }  // pure red
        try Data(record + record).write(to: file("data_batch_1.bin"))
        let set = try DataSource.path(folder.path).load(DataSource.Options(size: 32))
        XCTAssertEqual(set.labels, [3, 3])
        XCTAssert(set.pixels.allSatisfy { $0 == 76 })
        XCTAssertEqual(set.classNames?[3], "cat")
    }

    /// Writes `url.gz` with zlib, as gzip does.
    private func gzip(_ url: URL) throws {
        let task = Process()
        task.executableURL = URL(fileURLWithPath: "/bin/gzip")
        task.arguments = ["-kf", url.path]
        try task.run()
        task.waitUntilExit()
        XCTAssertEqual(task.terminationStatus, 0)
    }
}
