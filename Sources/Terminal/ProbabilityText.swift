import Foundation

/// How a probability or confidence is written on screen, everywhere: four fixed decimals down to 1e-4, scientific
/// notation below that (so 5.7e-05 never reads as 5.7), and a plain 0 for zero.
public enum ProbabilityText {
    /// The smallest value written with fixed decimals.
    static let smallestFixed = 1e-4

    public static func format(_ value: Double) -> String {
        if value == 0 { return "0" }
        if !value.isFinite { return String(value) }
        // Rounding to four decimals would turn values just below 1e-4 into 0.0001; they take the other form.
        if abs(value) >= smallestFixed { return String(format: "%.4f", value) }
        return String(format: "%.1e", value)
    }
}
