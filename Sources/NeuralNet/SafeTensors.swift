import Foundation

/// A weight or array file that cannot be used; the message names the file and, where there is one, the tensor.
public struct FileFormatError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ file: URL, _ problem: String) {
        description = "\(file.path): \(problem)"
    }
}

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

    /// Reads every tensor of `file`, checking the header against the data before anything is returned.
    public static func read(_ file: URL) throws -> [String: StoredTensor] {
        let contents: Data
        do { contents = try Data(contentsOf: file) } catch {
            throw FileFormatError(file, "cannot be read (\(error.localizedDescription))")
        }
        guard contents.count >= 8 else { throw FileFormatError(file, "is \(contents.count) bytes, too short for a safetensors header") }
        let headerLength = contents.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(contents.count - 8) else {
            throw FileFormatError(file, "header length \(headerLength) is larger than the \(contents.count - 8) bytes after it")
        }
        let dataStart = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: contents.subdata(in: 8..<dataStart)) as? [String: Any] else {
            throw FileFormatError(file, "header is not a JSON object")
        }
        let dataSize = contents.count - dataStart
        var tensors: [String: StoredTensor] = [:]
        for (name, description) in header where name != "__metadata__" {
            guard let fields = description as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int],
                  offsets.count == 2 else {
                throw FileFormatError(file, "tensor '\(name)' has no valid dtype, shape and data_offsets in the header")
            }
            guard let elementSize = bytesPerElement[dtype] else {
                throw FileFormatError(file, "tensor '\(name)' has unknown dtype \(dtype)")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataSize else {
                throw FileFormatError(file, "tensor '\(name)' has data_offsets \(offsets) outside the \(dataSize) data bytes (file truncated?)")
            }
            let expected = Tensor.elementCount(shape) * elementSize
            guard offsets[1] - offsets[0] == expected else {
                throw FileFormatError(file, "tensor '\(name)' of shape \(shape) and dtype \(dtype) needs \(expected) bytes, the header gives \(offsets[1] - offsets[0])")
            }
            tensors[name] = StoredTensor(dtype: dtype, shape: shape,
                                         bytes: contents.subdata(in: (dataStart + offsets[0])..<(dataStart + offsets[1])))
        }
        return tensors
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

extension Layer {
    /// Saves the layer's state dict to a safetensors file.
    public func saveState(to file: URL, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateEntries, to: file, metadata: metadata)
    }

    /// Loads the layer's state dict from a safetensors file, strictly, as PyTorch's `load_state_dict(strict=True)`:
    /// every name must be present with the right shape and dtype and no other name may appear. Nothing is changed
    /// unless the whole file fits.
    public func loadState(from file: URL) throws {
        let stored = try SafeTensors.read(file)
        let entries = stateEntries
        let expected = Set(entries.map(\.name))
        if let extra = stored.keys.sorted().first(where: { !expected.contains($0) }) {
            throw FileFormatError(file, "has tensor '\(extra)', which this model does not have")
        }
        for entry in entries {
            guard let tensor = stored[entry.name] else {
                throw FileFormatError(file, "has no tensor '\(entry.name)'")
            }
            switch entry.value {
            case .floats(let target):
                guard tensor.dtype == "F32" else {
                    throw FileFormatError(file, "tensor '\(entry.name)' has dtype \(tensor.dtype), expected F32")
                }
                guard tensor.shape == target.shape else {
                    throw FileFormatError(file, "tensor '\(entry.name)' has shape \(tensor.shape), expected \(target.shape)")
                }
            case .counter:
                guard tensor.dtype == "I64", tensor.shape.isEmpty else {
                    throw FileFormatError(file, "tensor '\(entry.name)' should be an I64 scalar, is \(tensor.dtype) of shape \(tensor.shape)")
                }
            }
        }
        for entry in entries {
            let bytes = stored[entry.name]!.bytes
            switch entry.value {
            case .floats(let target):
                _ = bytes.withUnsafeBytes { $0.copyBytes(to: UnsafeMutableRawBufferPointer(start: target.pointer, count: target.count * 4)) }
            case .counter(let counter):
                counter.value = bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
            }
        }
    }
}
