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
}

/// Why a string is not a valid identifier: which rule failed, and at which character.
///
/// The message never repeats the identifier itself: identity numbers are personal data and errors
/// end up in logs.
public struct IdentifierError: Error, Sendable, Hashable, CustomStringConvertible {
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
    public let kind: IdentifierKind
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
        self.kind = kind
        self.code = code
        self.position = position
        self.rule = rule
        self.detail = detail
    }

    public var description: String {
        let place = position.map { " at position \($0)" } ?? ""
        return "invalid \(kind.rawValue)\(place): \(rule): \(detail) [\(code.rawValue)]"
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
