import Foundation

/// A weight or array file that cannot be used; the message names the file and, where there is one, the tensor.
public struct FileFormatError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ file: URL, _ problem: String) {
        description = "\(file.path): \(problem)"
    }
}
