import Foundation
import NeuralNet

/// Float arrays in NumPy's `.npy` format, the way users hand arrays to `invertlab infer` and read its answers.
public enum NumpyArray {
    /// What an NPY header says: the dtype (`<f4`, `|u1`, ...), the shape, and where the data starts.
    public struct Header: Sendable {
        public let dtype: String
        public let shape: [Int]
        public let dataOffset: Int

        /// Bytes per element of the dtypes invertlab reads, or nil for others.
        public var elementSize: Int? {
            ["<f4": 4, "<f8": 8, "|u1": 1, "<u1": 1, "|i1": 1, "<i4": 4, "<i8": 8, "<u2": 2, "<i2": 2, "|b1": 1][dtype]
        }

        /// The value of element `index` of `bytes` (the whole file) as a Double; `elementSize` must be non-nil.
        public func value(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Double {
            let offset = dataOffset + index * elementSize!
            switch dtype {
            case "<f4": return Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
            case "<f8": return Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            case "<i4": return Double(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
            case "<i8": return Double(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
            case "<u2": return Double(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            case "<i2": return Double(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
            case "|i1": return Double(bytes.load(fromByteOffset: offset, as: Int8.self))
            default: return Double(bytes[offset])
            }
        }
    }

    /// Parses the header of NPY `bytes` (from `file`, named in errors) and checks the data is all there.
    public static func header(of bytes: [UInt8], file: URL) throws -> Header {
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
              let text = String(bytes: bytes[(8 + lengthBytes)..<dataStart], encoding: .utf8) else {
            throw FileFormatError(file, "has an NPY header length \(headerLength) beyond the end of the file")
        }
        guard let descr = field("descr", in: text), let shapeText = field("shape", in: text) else {
            throw FileFormatError(file, "NPY header has no descr or shape: \(text)")
        }
        if field("fortran_order", in: text) == "True" {
            throw FileFormatError(file, "is in Fortran order; save it in C order (np.ascontiguousarray)")
        }
        let dimensions = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = dimensions.compactMap { Int($0) }
        guard shape.count == dimensions.count else { throw FileFormatError(file, "NPY header shape \(shapeText) is not a tuple of whole numbers") }
        let result = Header(dtype: descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")), shape: shape,
                            dataOffset: dataStart)
        // Sizes come from the file: checked before anything is allocated for them.
        guard let elements = CheckedSize.product(shape) else {
            throw FileFormatError(file, "NPY header shape \(shape) has a negative dimension or more elements than memory can hold")
        }
        if let size = result.elementSize {
            guard let needed = CheckedSize.product([elements, size]), bytes.count - dataStart == needed else {
                throw FileFormatError(file, "holds \(bytes.count - dataStart) data bytes, shape \(shape) of \(result.dtype) needs \(elements) x \(size)")
            }
        }
        return result
    }

    /// Reads a little-endian float32 or float64 array in C order as a Float32 tensor.
    public static func read(_ file: URL) throws -> Tensor {
        let bytes = [UInt8](try FileBytes.read(file))
        let header = try header(of: bytes, file: file)
        guard header.dtype == "<f4" || header.dtype == "<f8" else {
            throw FileFormatError(file, "has dtype '\(header.dtype)'; invertlab reads float32 or float64 (little-endian)")
        }
        let tensor = Tensor(zeros: header.shape)
        bytes.withUnsafeBytes { raw in
            for index in 0..<tensor.count { tensor[index] = Float(header.value(raw, at: index)) }
        }
        return tensor
    }

    /// Reads a one-dimensional array of class labels: integers (or floats holding whole numbers) from 0 up to
    /// below `classes`; the error names the file and the first bad element.
    public static func readLabels(_ file: URL, classes: Int) throws -> [Int] {
        let bytes = [UInt8](try FileBytes.read(file))
        let header = try header(of: bytes, file: file)
        guard header.elementSize != nil, header.dtype != "|b1" else {
            throw FileFormatError(file, "has dtype '\(header.dtype)'; labels must be integers or floats")
        }
        guard header.shape.count == 1 else {
            throw FileFormatError(file, "has shape \(header.shape); labels must be one-dimensional, one per image")
        }
        return try bytes.withUnsafeBytes { raw in
            try (0..<header.shape[0]).map { index in
                let value = header.value(raw, at: index)
                guard value.rounded() == value, value >= 0, value < Double(classes) else {
                    throw FileFormatError(file, "element \(index) is \(value); labels must be whole numbers from 0 to \(classes - 1)")
                }
                return Int(value)
            }
        }
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
