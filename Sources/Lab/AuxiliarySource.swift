import Datasets
import Foundation

/// The attacker's background knowledge: a kind of auxiliary set drawn from the data (see `AuxiliaryKind`), `count`
/// images of such a set (less background knowledge of the same kind), or a separate data set at a path.
public enum AuxiliarySource: Sendable, Hashable, CustomStringConvertible {
    case kind(AuxiliaryKind)
    case sample(AuxiliaryKind, count: Int)
    case path(String)

    /// The kinds in the order the workbench cycles through them.
    public static let kinds: [AuxiliarySource] = AuxiliaryKind.allCases.map { .kind($0) }

    /// A kind's name, or the path.
    public var text: String {
        switch self {
        case .kind(let kind): kind.rawValue
        case .sample(let kind, let count): "\(kind.rawValue):\(count)"
        case .path(let path): path
        }
    }

    public var description: String { text }

    /// A kind's name, `KIND:N` for N of its images, or a path; the error names `option`.
    public init(parsing text: String, option: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw ConfigurationError("\(option) is empty: give \(AuxiliaryKind.allCases.map(\.rawValue).joined(separator: ", ")) or a path")
        }
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2, let kind = AuxiliaryKind(rawValue: parts[0]), !FileManager.default.fileExists(atPath: trimmed) {
            guard let count = Int(parts[1]), count >= 1 else {
                throw ConfigurationError("\(option) '\(trimmed)': \(kind.rawValue):N takes a whole number N ≥ 1 of its images")
            }
            self = .sample(kind, count: count)
            return
        }
        self = AuxiliaryKind(rawValue: trimmed).map(AuxiliarySource.kind) ?? .path(trimmed)
    }

    /// Refuses a path that does not exist, saying it is not a known kind either, so a misspelt kind is caught
    /// before anything trains.
    public func checkAvailable(option: String) throws {
        guard case .path(let path) = self, !FileManager.default.fileExists(atPath: path) else { return }
        throw ConfigurationError("\(option) '\(path)' is neither a known set (\(AuxiliaryKind.allCases.map(\.rawValue).joined(separator: ", "))) nor an existing path")
    }
}
