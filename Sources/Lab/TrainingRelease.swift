/// How the vectors the attacker's inversion model trains on are released. The paper's truncation alignment is
/// `likeVictims`: the attacker trains on vectors released as the victims' are; `fixed(.full)` is the earlier,
/// unaligned approach.
public enum TrainingRelease: Sendable, Hashable, CustomStringConvertible {
    /// Released under the victims' policy, whatever it is now.
    case likeVictims
    /// Released under one policy, whatever the victims get.
    case fixed(ReleasePolicy)

    /// The text of `likeVictims` in options and JSON.
    public static let likeVictimsText = "victims"

    /// The policy the training vectors go through when the victims' is `victims`.
    public func policy(victims: ReleasePolicy) -> ReleasePolicy {
        switch self {
        case .likeVictims: victims
        case .fixed(let policy): policy
        }
    }

    public var description: String {
        switch self {
        case .likeVictims: "like the victims'"
        case .fixed(let policy): policy.description
        }
    }

    /// `victims` or a policy's text.
    public var text: String {
        switch self {
        case .likeVictims: TrainingRelease.likeVictimsText
        case .fixed(let policy): policy.text
        }
    }

    /// Parses `victims` or a release policy; the error names `option`.
    public init(parsing text: String, option: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == TrainingRelease.likeVictimsText {
            self = .likeVictims
        } else if trimmed == "aligned" {
            // The word now names only an auxiliary set; say what replaced it here.
            throw ConfigurationError("\(option) 'aligned' is now 'victims' (train on vectors released like the victims'); 'aligned' names an auxiliary set")
        } else {
            do { self = .fixed(try ReleasePolicy(parsing: trimmed, option: option)) } catch {
                throw ConfigurationError("\(option) '\(text)': not victims, or \(ReleasePolicy.textForms)")
            }
        }
    }
}
