import CImageCodecs
import Foundation

/// Writes a labelled image set as a gzipped pair of MNIST-format IDX files, the compact form a data set ships in
/// (`Assets/datasets`): images (magic 0x00000803, N x H x W bytes) and labels (magic 0x00000801, N bytes), each
/// written to a temporary name and renamed into place.
public enum IDXWriter {
    /// Writes `set` as `<prefix>-images-idx3-ubyte.gz` and `<prefix>-labels-idx1-ubyte.gz` in `folder`.
    public static func write(_ set: ImageSet, to folder: URL, prefix: String) throws {
        guard let labels = set.labels else { throw DatasetError(folder, "gets a labelled set only; \(set.origin) has no labels") }
        guard labels.allSatisfy({ (0...255).contains($0) }) else {
            throw DatasetError(folder, "IDX labels are bytes; \(set.origin) has labels outside 0...255")
        }
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw DatasetError(folder, "cannot be created (\(error.localizedDescription))")
        }
        try writeGzip(header(magic: 0x0803, sizes: [set.count, set.height, set.width]) + set.pixels,
                      to: folder.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz"))
        try writeGzip(header(magic: 0x0801, sizes: [set.count]) + labels.map { UInt8($0) },
                      to: folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz"))
    }

    /// The big-endian magic and sizes that open an IDX file.
    private static func header(magic: UInt32, sizes: [Int]) -> [UInt8] {
        ([magic] + sizes.map { UInt32($0) }).flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } }
    }

    private static func writeGzip(_ bytes: [UInt8], to file: URL) throws {
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).partial")
        guard let handle = gzopen(temporary.path, "wb9") else { throw DatasetError(file, "cannot be written") }
        let written = bytes.withUnsafeBytes { gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
        guard gzclose(handle) == Z_OK, written == bytes.count else {
            try? FileManager.default.removeItem(at: temporary)
            throw DatasetError(file, "could not be written in full")
        }
        guard rename(temporary.path, file.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw DatasetError(file, "could not be put in place")
        }
    }
}
