/// Sizes computed from numbers a file supplies, with every step checked: a negative dimension or a product past
/// `Int.max` gives nil instead of a trap or a wrapped value, so a parser can refuse the file before allocating.
public enum CheckedSize {
    /// The product of `factors`, or nil when one is negative or the product overflows.
    public static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            result = next
        }
        return result
    }
}
