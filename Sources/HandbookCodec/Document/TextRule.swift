/// The rule every text of the handbook follows, wherever it enters (a form, an import row, a card):
/// not empty; no white space at either end (any Unicode `White_Space` character — U+0020, U+00A0,
/// U+2003, U+3000 …); nothing that does not show as itself — control characters (C0, DEL, C1),
/// format characters (bidirectional overrides and isolates, zero-width spaces and joiners, the
/// byte-order mark), line and paragraph separators. Two texts that look alike are then equal, and
/// a text shows exactly what it says on a card, a screen or a page (Cards/FORMAT.md §2.1).
public enum TextRule {
    /// Why `text` breaks the rule, or nil when it keeps it. `maximumCharacters` and
    /// `maximumBytes` (UTF-8) bound its length when given.
    public static func problem(_ text: String, maximumCharacters: Int? = nil, maximumBytes: Int? = nil) -> String? {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return "empty" }
        if let maximumBytes, text.utf8.count > maximumBytes { return "longer than \(maximumBytes) bytes" }
        if let maximumCharacters, text.count > maximumCharacters {
            return "longer than \(maximumCharacters) characters"
        }
        if first.properties.isWhitespace || last.properties.isWhitespace {
            return "white space at the start or the end"
        }
        if let hidden = text.unicodeScalars.first(where: isHidden) {
            return
                "contains the invisible character U+\(hex(hidden.value)) (controls, bidirectional and zero-width characters are refused)"
        }
        return nil
    }

    /// Whether a character does not show as itself: controls, format characters, line and
    /// paragraph separators.
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate: return true
        default: return false
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension CardDate {
    /// 2005-01-01: the platform's credit records begin here (the seed notice's 采集起始时间).
    public static let platformStart = CardDate(unchecked: 2005, 1, 1)
}
