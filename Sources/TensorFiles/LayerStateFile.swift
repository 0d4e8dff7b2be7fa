import Foundation
import NeuralNet

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
                try checkValues(of: tensor, named: entry.name, in: file)
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

    /// Refuses weights no trained model has: NaN or infinite values (which would surface much later as a loss of
    /// nan, far from the file), and a negative BatchNorm running variance (whose square root is taken).
    private func checkValues(of tensor: SafeTensors.StoredTensor, named name: String, in file: URL) throws {
        let values = tensor.bytes.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw FileFormatError(file, "tensor '\(name)' holds \(values[index]) at element \(index); weights must be finite numbers")
        }
        if name.hasSuffix("running_var"), let index = values.firstIndex(where: { $0 < 0 }) {
            throw FileFormatError(file, "tensor '\(name)' holds the negative variance \(values[index]) at element \(index)")
        }
    }
}
