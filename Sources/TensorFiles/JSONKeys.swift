/// A scan of JSON text for keys repeated within one object, which JSON parsers accept silently (keeping one of the
/// values) but which make a header mean two things.
enum JSONKeys {
    /// The first key that appears twice in the same object of `text`, or nil. Expects text a JSON parser accepted.
    static func firstDuplicate(in text: [UInt8]) -> String? {
        var keysPerObject: [Set<[UInt8]>] = []
        var index = 0
        while index < text.count {
            switch text[index] {
            case UInt8(ascii: "{"):
                keysPerObject.append([])
                index += 1
            case UInt8(ascii: "}"):
                if !keysPerObject.isEmpty { keysPerObject.removeLast() }
                index += 1
            case UInt8(ascii: "\""):
                let (string, next) = rawString(in: text, from: index)
                index = next
                while index < text.count, [0x20, 0x09, 0x0A, 0x0D].contains(text[index]) { index += 1 }
                if index < text.count, text[index] == UInt8(ascii: ":"), !keysPerObject.isEmpty {
                    if keysPerObject[keysPerObject.count - 1].insert(string).inserted == false {
                        return String(decoding: string, as: UTF8.self)
                    }
                }
            default:
                index += 1
            }
        }
        return nil
    }

    /// The bytes of the string starting at the quote `start` (escapes kept as written, so two spellings of one key
    /// with different escapes count as different) and the index after its closing quote.
    private static func rawString(in text: [UInt8], from start: Int) -> ([UInt8], Int) {
        var index = start + 1
        while index < text.count, text[index] != UInt8(ascii: "\"") {
            index += text[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        return (Array(text[(start + 1)..<min(index, text.count)]), index + 1)
    }
}
