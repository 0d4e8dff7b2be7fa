import Foundation

/// Float arrays in NumPy's `.npy` format, the way users hand arrays to `invertlab infer` and read its answers.
public enum NumpyArray {
    /// Reads a little-endian float32 or float64 array in C order as a Float32 tensor.
    public static func read(_ file: URL) throws -> Tensor {
        let contents: Data
        do { contents = try Data(contentsOf: file) } catch {
            throw FileFormatError(file, "cannot be read (\(error.localizedDescription))")
        }
        let bytes = [UInt8](contents)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw FileFormatError(file, "is not an NPY file (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let lengthBytes = major == 1 ? 2 : 4
        guard (1...3).contains(major), bytes.count >= 8 + lengthBytes else {
            throw FileFormatError(file, "has unsupported NPY version \(major)")
        }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= bytes.count,
              let header = String(bytes: bytes[(8 + lengthBytes)..<dataStart], encoding: .utf8) else {
            throw FileFormatError(file, "has an NPY header length \(headerLength) beyond the end of the file")
        }
        guard let descr = field("descr", in: header), let shapeText = field("shape", in: header) else {
            throw FileFormatError(file, "NPY header has no descr or shape: \(header)")
        }
        if field("fortran_order", in: header) == "True" {
            throw FileFormatError(file, "is in Fortran order; save it in C order (np.ascontiguousarray)")
        }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = Tensor.elementCount(shape)
        let elementSize: Int
        switch descr {
        case "'<f4'", "'float32'": elementSize = 4
        case "'<f8'", "'float64'": elementSize = 8
        default: throw FileFormatError(file, "has dtype \(descr); invertlab reads float32 or float64 (little-endian)")
        }
        guard bytes.count - dataStart >= count * elementSize else {
            throw FileFormatError(file, "holds \(bytes.count - dataStart) data bytes, shape \(shape) needs \(count * elementSize)")
        }
        let tensor = Tensor(zeros: shape)
        contents.withUnsafeBytes { raw in
            for index in 0..<count {
                let offset = dataStart + index * elementSize
                tensor[index] = elementSize == 4
                    ? Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                    : Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
            }
        }
        return tensor
    }

    /// Writes `tensor` as a float32 NPY file (version 1.0), through a temporary file renamed into place.
    public static func write(_ tensor: Tensor, to file: URL) throws {
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // The header, with the 10 bytes before it and a closing newline, is padded to a multiple of 64.
        let padding = (64 - (10 + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var contents = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        contents.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        contents.append(contentsOf: Array(header.utf8))
        contents.append(UnsafeBufferPointer(start: tensor.pointer, count: tensor.count))
        do { try contents.write(to: file, options: .atomic) } catch {
            throw FileFormatError(file, "cannot be written (\(error.localizedDescription))")
        }
    }

    /// The text of `key`'s value in an NPY header dictionary.
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        let rest = header[keyRange.upperBound...].drop(while: { $0 == " " })
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }
}
