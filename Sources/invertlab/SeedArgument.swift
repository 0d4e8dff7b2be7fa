import ArgumentParser

/// Parses a `--seed` value, with a message that gives the range where ArgumentParser would only say "invalid".
enum SeedArgument {
    static func parse(_ text: String) throws -> UInt64 {
        guard let seed = UInt64(text) else {
            throw ValidationError("--seed takes a whole number from 0 to \(UInt64.max), not '\(text)'")
        }
        return seed
    }
}
