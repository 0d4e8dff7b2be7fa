import Foundation

/// Data that cannot be used; the message names the file or folder and what is wrong with it.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    public let description: String

    /// An error about `path`.
    public init(_ path: String, _ problem: String) {
        description = "\(path): \(problem)"
    }

    /// An error about a file or folder.
    public init(_ url: URL, _ problem: String) {
        self.init(url.path, problem)
    }
}
