import CImageCodecs
import Foundation
import NeuralNet
import TensorFiles

/// A decoded greyscale image.
public struct GreyImage: Sendable {
    public let width: Int
    public let height: Int
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Decoding of PGM, PNG and JPEG files to grey, and PNG encoding, through Debian's libpng and libjpeg-turbo.
public enum ImageCodecs {
    /// The most pixels an image may declare: a header's size is checked against it before anything is allocated,
    /// so a few hundred bytes cannot ask for gigabytes.
    public static let maximumPixels = 64 << 20

    /// `width` x `height` pixels, when the size is positive and within `maximumPixels`; otherwise the error.
    static func checkedPixels(_ width: Int, _ height: Int, file: URL, format: String) throws -> Int {
        guard width > 0, height > 0, let pixels = CheckedSize.product([width, height]), pixels <= maximumPixels else {
            throw DatasetError(file, "declares a \(width) x \(height) \(format), over the \(maximumPixels >> 20) Mpx an image may have")
        }
        return pixels
    }

    /// Decodes a PGM, PNG or JPEG file, chosen by its first bytes, to grey.
    public static func decode(_ file: URL) throws -> GreyImage {
        let data = try FileBytes.read(file)
        let bytes = [UInt8](data.prefix(8))
        if bytes.count >= 2 && bytes[0] == UInt8(ascii: "P") && (bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "2")) {
            return try PortableGreyMap.decode(data, file: file)
        }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try decodePNG(data, file: file) }
        if bytes.starts(with: [0xFF, 0xD8]) { return try decodeJPEG(data, file: file) }
        throw DatasetError(file, "is not a PGM, PNG or JPEG image")
    }

    /// Decodes PNG bytes to 8-bit grey with libpng's simplified API (colour is converted by libpng).
    static func decodePNG(_ data: Data, file: URL) throws -> GreyImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let began = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard began != 0 else { throw DatasetError(file, "is not a readable PNG (\(message(of: image)))") }
        image.format = UInt32(PNG_FORMAT_GRAY)
        let count: Int
        do { count = try checkedPixels(Int(image.width), Int(image.height), file: file, format: "PNG") } catch {
            png_image_free(&image)
            throw error
        }
        var pixels = [UInt8](repeating: 0, count: count)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        png_image_free(&image)
        guard finished != 0 else { throw DatasetError(file, "is a damaged or truncated PNG (\(message(of: image)))") }
        return GreyImage(width: Int(image.width), height: Int(image.height), pixels: pixels)
    }

    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    /// Decodes JPEG bytes to 8-bit grey with libjpeg-turbo's TurboJPEG API.
    static func decodeJPEG(_ data: Data, file: URL) throws -> GreyImage {
        guard let decoder = tjInitDecompress() else { throw DatasetError(file, "libjpeg-turbo could not start") }
        defer { tjDestroy(decoder) }
        var (width, height, subsampling, colourspace): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        let header = data.withUnsafeBytes { bytes in
            tjDecompressHeader3(decoder, bytes.bindMemory(to: UInt8.self).baseAddress, UInt(bytes.count),
                                &width, &height, &subsampling, &colourspace)
        }
        guard header == 0, width > 0, height > 0 else {
            throw DatasetError(file, "is not a readable JPEG (\(String(cString: tjGetErrorStr2(decoder))))")
        }
        var pixels = [UInt8](repeating: 0, count: try checkedPixels(Int(width), Int(height), file: file, format: "JPEG"))
        let result = data.withUnsafeBytes { bytes in
            pixels.withUnsafeMutableBufferPointer { target in
                tjDecompress2(decoder, bytes.bindMemory(to: UInt8.self).baseAddress, UInt(bytes.count),
                              target.baseAddress, width, 0, height, Int32(TJPF_GRAY.rawValue), 0)
            }
        }
        // A truncated JPEG decodes with a warning; an unusable one fails. Both are refused.
        guard result == 0 else {
            throw DatasetError(file, "is a damaged or truncated JPEG (\(String(cString: tjGetErrorStr2(decoder))))")
        }
        return GreyImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// PNG bytes of an 8-bit grey image.
    public static func encodePNG(width: Int, height: Int, pixels: [UInt8]) throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_GRAY)
        var size = 0
        // The first call measures, the second writes.
        guard png_image_write_to_memory(&image, nil, &size, 0, pixels, 0, nil) != 0 else {
            throw DatasetError("PNG", "libpng cannot encode a \(width) x \(height) image")
        }
        var data = Data(count: size)
        let written = data.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, pixels, 0, nil) }
        guard written != 0 else { throw DatasetError("PNG", "libpng failed to encode a \(width) x \(height) image") }
        return data.prefix(size)
    }

    /// Writes a grey image as PNG, through a temporary file renamed into place.
    public static func writePNG(width: Int, height: Int, pixels: [UInt8], to file: URL) throws {
        do { try encodePNG(width: width, height: height, pixels: pixels).write(to: file, options: .atomic) } catch let error as DatasetError {
            throw error
        } catch {
            throw DatasetError(file, "cannot be written (\(error.localizedDescription))")
        }
    }
}

/// Netpbm's portable grey map (P5 binary, P2 text), the ORL faces' format.
enum PortableGreyMap {
    static func decode(_ data: Data, file: URL) throws -> GreyImage {
        let bytes = [UInt8](data)
        var position = 2
        /// The next header number, skipping whitespace and comments.
        func number() throws -> Int {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count && bytes[position] != 10 { position += 1 }
                } else if [9, 10, 13, 32].contains(bytes[position]) {
                    position += 1
                } else {
                    break
                }
            }
            var value = 0
            var digits = 0
            while position < bytes.count, (48...57).contains(bytes[position]), digits < 9 {
                value = value * 10 + Int(bytes[position] - 48)
                position += 1
                digits += 1
            }
            guard digits > 0 else { throw DatasetError(file, "has a damaged PGM header") }
            return value
        }
        let binary = bytes[1] == UInt8(ascii: "5")
        let width = try number(), height = try number(), maximum = try number()
        guard width > 0, height > 0, (1...65535).contains(maximum) else {
            throw DatasetError(file, "has a PGM header with size \(width) x \(height) and maximum \(maximum)")
        }
        let count = try ImageCodecs.checkedPixels(width, height, file: file, format: "PGM")
        let scale = 255 / Float(maximum)
        if binary { position += 1 }  // the single whitespace byte after the maximum
        let sampleBytes = maximum > 255 ? 2 : 1
        // Every sample takes at least a byte (two in text: a digit and a separator); checked before allocating.
        let needed = binary ? count * sampleBytes : 2 * count - 1
        guard bytes.count - position >= needed else {
            throw DatasetError(file, "is a truncated PGM: \(bytes.count - position) bytes of pixels, at least \(needed) expected")
        }
        var pixels = [UInt8](repeating: 0, count: count)
        func checked(_ sample: Int, at index: Int) throws -> Int {
            guard sample <= maximum else { throw DatasetError(file, "has PGM sample \(sample) at pixel \(index), above its maximum \(maximum)") }
            return sample
        }
        if binary {
            for index in 0..<count {
                let sample = try checked(sampleBytes == 1 ? Int(bytes[position + index])
                    : Int(bytes[position + 2 * index]) << 8 | Int(bytes[position + 2 * index + 1]), at: index)
                pixels[index] = UInt8(min(255, (Float(sample) * scale).rounded()))
            }
        } else {
            for index in 0..<count {
                guard let sample = try? number() else {
                    throw DatasetError(file, "is a truncated PGM: \(index) of \(count) pixels")
                }
                pixels[index] = UInt8(min(255, (Float(try checked(sample, at: index)) * scale).rounded()))
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }
}

/// Whole-file reading with transparent gunzip (zlib), for `.gz` data sets.
public enum CompressedFile {
    /// The most a gzipped file may inflate to: a small file that expands past it is refused as it is read, not after.
    static let maximumBytes = 2 << 30

    /// The bytes of `file`, decompressed when it starts with the gzip magic.
    public static func read(_ file: URL) throws -> [UInt8] {
        let data = try FileBytes.read(file)
        guard data.count >= 2, data[data.startIndex] == 0x1F, data[data.startIndex + 1] == 0x8B else { return [UInt8](data) }
        guard let handle = gzopen(file.path, "rb") else { throw DatasetError(file, "cannot be opened as gzip") }
        defer { gzclose(handle) }
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let read = chunk.withUnsafeMutableBytes { gzread(handle, $0.baseAddress, UInt32($0.count)) }
            if read < 0 { throw DatasetError(file, "is damaged gzip data") }
            if read == 0 { break }
            guard result.count + Int(read) <= maximumBytes else {
                throw DatasetError(file, "inflates to more than \(maximumBytes >> 30) GiB; invertlab reads gzipped data sets up to that")
            }
            result += chunk[0..<Int(read)]
        }
        // gzread stops quietly at a truncated end; zlib reports it through gzerror.
        var code: Int32 = 0
        _ = gzerror(handle, &code)
        if code != Z_OK && code != Z_STREAM_END { throw DatasetError(file, "is truncated or damaged gzip data") }
        return result
    }
}
