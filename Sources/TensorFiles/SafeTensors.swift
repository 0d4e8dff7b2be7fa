import Foundation
import NeuralNet

/// The safetensors format (8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
/// byte range, then the raw little-endian data), which PyTorch users open with `safetensors.torch.load_file`.
public enum SafeTensors {
    /// One tensor as stored in a file.
    public struct StoredTensor: Sendable {
        public let dtype: String
        public let shape: [Int]
        /// The raw bytes.
        public let bytes: Data
    }

    private static let bytesPerElement = ["F32": 4, "I64": 8, "F64": 8, "F16": 2, "BF16": 2, "I32": 4, "I8": 1,
                                          "U8": 1, "I16": 2, "BOOL": 1]

    /// The largest header the format allows (its specification caps it at 100 MB).
    private static let maximumHeaderLength: UInt64 = 100_000_000

    /// Reads every tensor of `file`, checking the header against the data before anything is returned: the tensors'
    /// byte ranges must tile the data exactly (no overlap, no gap, nothing after the last), and no JSON key may appear
    /// twice, since a parser would silently keep one of them.
    public static func read(_ file: URL) throws -> [String: StoredTensor] {
        let contents = try FileBytes.read(file)
        if let format = foreignFormat(contents) {
            throw FileFormatError(file, "is \(format), not a safetensors file; convert it with scripts/convert_pth.py")
        }
        guard contents.count >= 8 else { throw FileFormatError(file, "is \(contents.count) bytes, too short for a safetensors header") }
        let headerLength = contents.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(contents.count - 8), headerLength <= maximumHeaderLength else {
            throw FileFormatError(file, "is not a safetensors file: its header length \(headerLength) is larger than the \(contents.count - 8) bytes after it")
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = contents.subdata(in: 8..<dataStart)
        guard let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw FileFormatError(file, "is not a safetensors file: its header is not a JSON object")
        }
        if let duplicate = JSONKeys.firstDuplicate(in: [UInt8](headerBytes)) {
            throw FileFormatError(file, "header has the key '\(duplicate)' twice")
        }
        let dataSize = contents.count - dataStart
        var tensors: [String: StoredTensor] = [:]
        var ranges: [(name: String, range: Range<Int>)] = []
        for (name, description) in header where name != "__metadata__" {
            guard let fields = description as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int],
                  offsets.count == 2 else {
                throw FileFormatError(file, "tensor '\(name)' has no valid dtype, shape and data_offsets in the header")
            }
            guard let elementSize = bytesPerElement[dtype] else {
                throw FileFormatError(file, "tensor '\(name)' has unknown dtype \(dtype)")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw FileFormatError(file, "tensor '\(name)' has a negative dimension in its shape \(shape)")
            }
            guard let elements = CheckedSize.product(shape), let expected = CheckedSize.product([elements, elementSize]) else {
                throw FileFormatError(file, "tensor '\(name)' of shape \(shape) has more elements than memory can hold")
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataSize else {
                throw FileFormatError(file, "tensor '\(name)' has data_offsets \(offsets) outside the \(dataSize) data bytes (file truncated?)")
            }
            guard offsets[1] - offsets[0] == expected else {
                throw FileFormatError(file, "tensor '\(name)' of shape \(shape) and dtype \(dtype) needs \(expected) bytes, the header gives \(offsets[1] - offsets[0])")
            }
            ranges.append((name, offsets[0]..<offsets[1]))
            tensors[name] = StoredTensor(dtype: dtype, shape: shape,
                                         bytes: contents.subdata(in: (dataStart + offsets[0])..<(dataStart + offsets[1])))
        }
        try checkTiling(ranges, dataSize: dataSize, file: file)
        return tensors
    }

    /// Refuses tensors whose bytes overlap, bytes that belong to no tensor, and bytes after the last tensor.
    private static func checkTiling(_ ranges: [(name: String, range: Range<Int>)], dataSize: Int, file: URL) throws {
        var end = 0
        var previous = ""
        for (name, range) in ranges.sorted(by: { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }) {
            if range.lowerBound < end {
                throw FileFormatError(file, "tensors '\(previous)' and '\(name)' share data bytes (overlapping data_offsets)")
            }
            if range.lowerBound > end {
                throw FileFormatError(file, "data bytes \(end)..<\(range.lowerBound) belong to no tensor")
            }
            end = range.upperBound
            previous = name
        }
        if end < dataSize {
            throw FileFormatError(file, "has \(dataSize - end) bytes after the last tensor's data")
        }
    }

    /// What a file that is clearly something else is, judged by its first bytes: PyTorch's `torch.save` writes a
    /// zip archive (or, before 1.6, a bare pickle).
    private static func foreignFormat(_ contents: Data) -> String? {
        let start = [UInt8](contents.prefix(4))
        if start == [0x50, 0x4B, 0x03, 0x04] { return "a zip archive (a PyTorch .pth checkpoint?)" }
        if start.count >= 2, start[0] == 0x80, (2...5).contains(start[1]) { return "a Python pickle (a PyTorch .pth checkpoint?)" }
        return nil
    }

    /// Writes `entries` to `file` (float tensors as F32, counters as I64 scalars) through a temporary file renamed
    /// into place, so an interrupted write never leaves half a file.
    public static func write(_ entries: [StateEntry], to file: URL, metadata: [String: String] = [:]) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var payload = Data()
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            let start = payload.count
            switch entry.value {
            case .floats(let tensor):
                payload.append(UnsafeBufferPointer(start: tensor.pointer, count: tensor.count))
                header[entry.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [start, payload.count]]
            case .counter(let counter):
                withUnsafeBytes(of: counter.value.littleEndian) { payload.append(contentsOf: $0) }
                header[entry.name] = ["dtype": "I64", "shape": [Int](), "data_offsets": [start, payload.count]]
            }
        }
        var headerBytes = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Padding the header to a multiple of 8 keeps the data aligned, as the reference writer does.
        headerBytes.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))
        var contents = Data()
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { contents.append(contentsOf: $0) }
        contents.append(headerBytes)
        contents.append(payload)
        do { try contents.write(to: file, options: .atomic) } catch {
            throw FileFormatError(file, "cannot be written (\(error.localizedDescription))")
        }
    }
}
