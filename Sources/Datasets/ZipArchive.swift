import CImageCodecs
import Foundation
import TensorFiles

/// The members of a ZIP file, enough to read NumPy's `.npz` archives: stored or deflated members, no ZIP64.
struct ZipArchive {
    let file: URL
    private let bytes: [UInt8]
    /// Member name → (compression method, compressed size, uncompressed size, local header offset).
    private var members: [String: (method: Int, compressed: Int, size: Int, offset: Int)] = [:]

    init(_ file: URL) throws {
        self.file = file
        bytes = [UInt8](try FileBytes.read(file))
        // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
        let searchStart = max(0, bytes.count - 65_557)
        guard let end = stride(from: bytes.count - 22, through: searchStart, by: -1).first(where: { word($0) == 0x0605_4B50 }) else {
            throw DatasetError(file, "is not a ZIP/NPZ archive (no end-of-directory record; truncated?)")
        }
        let entries = Int(half(end + 10))
        var position = Int(word(end + 16))
        for _ in 0..<entries {
            guard position + 46 <= bytes.count, word(position) == 0x0201_4B50 else {
                throw DatasetError(file, "has a damaged ZIP directory")
            }
            let nameLength = Int(half(position + 28))
            let extraLength = Int(half(position + 30))
            let commentLength = Int(half(position + 32))
            guard position + 46 + nameLength <= bytes.count else { throw DatasetError(file, "has a damaged ZIP directory") }
            let name = String(decoding: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            let compressed = Int(word(position + 20)), size = Int(word(position + 24))
            guard compressed != 0xFFFF_FFFF, size != 0xFFFF_FFFF else {
                throw DatasetError(file, "member \(name) needs ZIP64, which invertlab does not read")
            }
            members[name] = (Int(half(position + 10)), compressed, size, Int(word(position + 42)))
            position += 46 + nameLength + extraLength + commentLength
        }
    }

    var names: [String] { members.keys.sorted() }

    /// The uncompressed bytes of member `name`.
    func read(_ name: String) throws -> [UInt8] {
        guard let member = members[name] else { throw DatasetError(file, "has no member \(name)") }
        let header = member.offset
        guard header + 30 <= bytes.count, word(header) == 0x0403_4B50 else {
            throw DatasetError(file, "member \(name) has a damaged local header")
        }
        let start = header + 30 + Int(half(header + 26)) + Int(half(header + 28))
        guard start + member.compressed <= bytes.count else {
            throw DatasetError(file, "member \(name) runs past the end of the file (truncated?)")
        }
        let stored = Array(bytes[start..<(start + member.compressed)])
        switch member.method {
        case 0:
            guard member.size == member.compressed else {
                throw DatasetError(file, "member \(name) is stored uncompressed but declares \(member.size) bytes for \(member.compressed)")
            }
            return stored
        case 8:
            // Deflate cannot expand data more than 1032-fold, so a larger declared size is a lie told to make the
            // reader allocate; it is refused before any allocation.
            guard let bound = CheckedSize.product([member.compressed, 1032]), member.size <= bound + 64 else {
                throw DatasetError(file, "member \(name) declares \(member.size) bytes, more than its \(member.compressed) compressed bytes can hold")
            }
            return try inflate(stored, size: member.size, name: name)
        default: throw DatasetError(file, "member \(name) uses ZIP compression method \(member.method)")
        }
    }

    /// Raw-deflate decompression with zlib.
    private func inflate(_ input: [UInt8], size: Int, name: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError(file, "zlib could not start on member \(name)")
        }
        defer { inflateEnd(&stream) }
        var input = input
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                return zlib_inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else {
            throw DatasetError(file, "member \(name) is damaged deflate data")
        }
        return output
    }

    private func word(_ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    private func half(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
}

/// zlib's `inflate`, under a name that does not clash with this file's method.
private func zlib_inflate(_ stream: UnsafeMutablePointer<z_stream>, _ flush: Int32) -> Int32 {
    inflate(stream, flush)
}
