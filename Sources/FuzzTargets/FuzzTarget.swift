import Datasets
import Foundation
import Lab
import TensorFiles

/// One parser as a fuzz target: `run` hands it arbitrary bytes the way a user would hand it a file. A thrown error is
/// the right answer to bad bytes; a crash, a hang or an allocation beyond the fuzzer's limit is a finding.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case safetensors, npy, npz, idx, pgm, png, jpeg, csv, cifar, preset

    /// The file name the bytes are written under; loaders choose their format by it, as they do for a user's file.
    var fileName: String {
        switch self {
        case .safetensors: "input.safetensors"
        case .npy: "input.npy"
        case .npz: "input.npz"
        case .idx: "input-images-idx3-ubyte"
        case .pgm: "input.pgm"
        case .png: "input.png"
        case .jpeg: "input.jpg"
        case .csv: "input.csv"
        case .cifar: "input.bin"
        case .preset: "input.json"
        }
    }

    /// Feeds `bytes` to the parser through a file in `scratch`; returns the error the parser gave, if any.
    @discardableResult
    public func run(_ bytes: [UInt8], scratch: URL) -> Error? {
        let file = scratch.appendingPathComponent(fileName)
        let preprocessing = Preprocessing(size: 32)
        do {
            try Data(bytes).write(to: file)
            switch self {
            case .safetensors:
                _ = try SafeTensors.read(file)
            case .npy:
                // Two parsers of the same format: the arrays `infer` reads (floats only) and image arrays.
                _ = try? NumpyArray.read(file)
                _ = try NumpyImageLoader.loadImages(file, preprocessing: preprocessing)
            case .npz:
                _ = try NumpyImageLoader.loadFaceScrub(file, preprocessing: preprocessing)
            case .idx:
                let labels = scratch.appendingPathComponent("input-labels-idx1-ubyte")
                try Data(FuzzTarget.labelsFile(matching: try CompressedFile.read(file))).write(to: labels)
                _ = try IDXLoader.load(images: file, labels: labels, preprocessing: preprocessing)
            case .pgm, .png, .jpeg:
                _ = try ImageCodecs.decode(file)
            case .csv:
                _ = try MNISTSubsetLoader.load(file, preprocessing: preprocessing)
            case .cifar:
                _ = try CIFARLoader.load([file], preprocessing: preprocessing)
            case .preset:
                try ExperimentConfig.load(preset: file).validate()
            }
            return nil
        } catch {
            return error
        }
    }

    /// A labels file with as many labels as an images header declares (up to 65536, so the pixels get parsed too),
    /// or one label when the header cannot be read.
    static func labelsFile(matching images: [UInt8]) -> [UInt8] {
        let declared = images.count >= 8 ? images[4..<8].reduce(0) { $0 << 8 | Int($1) } : 1
        let count = declared <= 65536 ? declared : 1
        let header: [UInt8] = [0, 0, 8, 1, UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        return header + (0..<count).map { UInt8($0 % 10) }
    }

    /// A folder of its own for this process's scratch files.
    public static func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-fuzz-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
