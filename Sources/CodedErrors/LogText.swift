/// Outside text made safe to put into a log line or an error message: control characters (a
/// newline would forge a log line, an escape sequence would repaint a terminal), bidirectional
/// overrides and invisible characters are written as `\u{…}` escapes, and the text is cut to a
/// length, so nothing a client sends can change what a log or a message appears to say.
public enum LogText {
    /// `text` with every character that is not plainly visible escaped, at most `limit` characters
    /// (an ellipsis marks a cut).
    public static func escaped(_ text: some StringProtocol, limit: Int = 200) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            guard count < limit else {
                result += "…"
                break
            }
            if isHidden(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else if scalar == "\\" {
                result += "\\\\"
            } else {
                result.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return result
    }

    /// Whether a character would not show as itself: controls (C0, DEL, C1), format characters
    /// (bidirectional overrides and isolates, zero-width spaces and joiners, the byte-order mark),
    /// line and paragraph separators.
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
            return true
        default:
            return false
        }
    }
}
