import CodedErrors

/// The kinds of identifier the handbook validates.
public enum IdentifierKind: String, Sendable, Hashable, CaseIterable, Codable {
    case uscc = "USCC"
    case organizationCode = "organization code"
    case registrationNumber = "registration number"
    case residentIdentityNumber = "resident identity number"
    case residencePermitNumber = "residence permit number"
    case passportNumber = "passport number"
    case homeReturnPermitNumber = "Hong Kong/Macau home-return permit number"
    case taiwanCompatriotPermitNumber = "Taiwan compatriot permit number"
    case officerCardNumber = "military officer card number"
    case regionCode = "region code"
    case behaviourCode = "behaviour code"
    case documentNumber = "document number"
    case recordNumber = "credit record number"
    case projectNumber = "project number"
    case cardSerial = "card serial"
}

/// Why a string is not a valid identifier: which rule failed, and at which character.
///
/// The message never repeats the identifier itself: identity numbers are personal data and errors
/// end up in logs.
public struct IdentifierError: CodedError, Hashable {
    /// A stable code for each kind of failure.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case wrongLength = "ID_WRONG_LENGTH"
        case invalidCharacter = "ID_INVALID_CHARACTER"
        case checkCharacterMismatch = "ID_CHECK_CHARACTER_MISMATCH"
        case unknownCategory = "ID_UNKNOWN_CATEGORY"
        case unknownRegion = "ID_UNKNOWN_REGION"
        case invalidDate = "ID_INVALID_DATE"
        case invalidFormat = "ID_INVALID_FORMAT"
    }

    /// Which identifier was being validated.
    public let identifier: IdentifierKind
    /// What kind of failure this is.
    public let code: Code
    /// The 1-based character position where the rule failed, when it concerns one place.
    public let position: Int?
    /// The rule that failed, naming its standard: "GB 32100 check character (ISO 7064 MOD 31-3)".
    public let rule: String
    /// What was found and what was expected, without the identifier itself.
    public let detail: String

    /// Creates an error.
    public init(_ kind: IdentifierKind, _ code: Code, position: Int?, rule: String, detail: String) {
        self.identifier = kind
        self.code = code
        self.position = position
        self.rule = rule
        self.detail = detail
    }

    public var description: String {
        let place = position.map { " at position \($0)" } ?? ""
        return "invalid \(identifier.rawValue)\(place): \(rule): \(detail) [\(code.rawValue)]"
    }

    public var errorCode: String { code.rawValue }
    public var kind: ErrorKind { .invalidInput }
    public var message: String {
        "invalid \(identifier.rawValue)\(position.map { " at position \($0)" } ?? ""): \(rule): \(detail)"
    }
}

/// Something accepted but worth telling the user: a lenient acceptance or a local code.
public struct IdentifierWarning: Sendable, Hashable, CustomStringConvertible {
    /// A stable code.
    public let code: String
    /// What it means.
    public let message: String

    public var description: String { "\(message) [\(code)]" }
}

/// The 1-based character position of the character that starts at UTF-8 offset `offset` of `text`.
/// Validators walk bytes (identifiers are ASCII); positions in errors count characters.
func characterPosition(ofUTF8Offset offset: Int, in text: String) -> Int {
    String(decoding: text.utf8.prefix(offset), as: UTF8.self).count + 1
}

/// The character that starts at UTF-8 offset `offset` of `text`, for error messages.
func character(atUTF8Offset offset: Int, in text: String) -> String {
    let rest = String(decoding: text.utf8.dropFirst(offset), as: UTF8.self)
    return rest.first.map(String.init) ?? ""
}

/// The value of `text` as a number of exactly `count` ASCII digits, or the UTF-8 offset of the
/// first byte that is not a digit (or `count` itself when the length is wrong).
func asciiDigits(_ text: String, count: Int) -> Result<Int, DigitsFailure> {
    var value = 0
    var length = 0
    for byte in text.utf8 {
        guard length < count else { return .failure(.wrongLength) }
        guard byte >= 0x30 && byte <= 0x39 else { return .failure(.notADigit(length)) }
        value = value * 10 + Int(byte - 0x30)
        length += 1
    }
    return length == count ? .success(value) : .failure(.wrongLength)
}

enum DigitsFailure: Error {
    case wrongLength
    case notADigit(Int)
}
