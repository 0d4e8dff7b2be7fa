/// What an attacker gets without inverting anything, graded beside every attack: an attack that does not beat these
/// has learnt nothing about the victims from their released vectors.
public enum Baseline: String, CaseIterable, Codable, Sendable {
    /// The auxiliary set's mean image, the same for every victim.
    case mean
    /// The auxiliary image whose released vector lies nearest (Euclidean) the victim's.
    case nearest
    /// A random auxiliary image (seeded).
    case random
}
