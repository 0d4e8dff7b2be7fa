import Datasets

/// The attacker's background knowledge: a kind of auxiliary set drawn from the data (see `AuxiliaryKind`), or a
/// separate data set at a path.
public enum AuxiliarySource: Sendable, Hashable, CustomStringConvertible {
    case kind(AuxiliaryKind)
    case path(String)

    /// The kinds in the order the workbench cycles through them.
    public static let kinds: [AuxiliarySource] = AuxiliaryKind.allCases.map { .kind($0) }

    /// A kind's name, or the path.
    public var text: String {
        switch self {
        case .kind(let kind): kind.rawValue
        case .path(let path): path
        }
    }

    public var description: String { text }

    /// A kind's name or a path; the error names `option`.
    public init(parsing text: String, option: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw ConfigurationError("\(option) is empty: give \(AuxiliaryKind.allCases.map(\.rawValue).joined(separator: ", ")) or a path")
        }
        self = AuxiliaryKind(rawValue: trimmed).map(AuxiliarySource.kind) ?? .path(trimmed)
    }
}
