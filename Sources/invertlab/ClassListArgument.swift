import ArgumentParser

/// Parses `--classes`: class numbers and ranges, comma separated (`0-19`, `0,3,7-9`), in the order given.
enum ClassListArgument {
    static func parse(_ text: String) throws -> [Int] {
        var classes: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]),
                  low >= 0, low <= high, high - low < 100_000 else {
                throw ValidationError("--classes takes class numbers and ranges such as 0-19 or 0,3,7-9, not '\(text)'")
            }
            classes += Array(low...high)
        }
        guard Set(classes).count == classes.count else { throw ValidationError("--classes '\(text)' names a class twice") }
        return classes
    }
}
