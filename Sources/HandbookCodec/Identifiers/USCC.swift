/// A unified social credit identifier (统一社会信用代码, GB 32100-2015): the key of an enterprise.
///
/// Eighteen characters from a 31-character set: registering department, organisation type, the
/// GB/T 2260 code of the registering authority, the 9-character organisation code and a
/// MOD 31-3 check character. A value of this type has passed every rule (or, in lenient mode, every
/// rule but a check character the early pilot areas are known to get wrong; see ``warnings``).
public struct USCC: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 31 characters of GB 32100, in value order (no I, O, S, V, Z).
    public static let characterSet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    /// Department-and-type pairs (positions 1–2) that GB 32100 defines.
    public static let organisationTypes: Set<String> = [
        "11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49",
        "51", "52", "53", "59", "61", "62", "69", "71", "72", "79", "81", "89", "91", "92", "93",
        "A1", "A9", "N1", "N2", "N3", "N9", "Y1",
    ]

    /// How the check character is enforced.
    public enum Mode: Sendable, Hashable {
        /// Every rule, the check character included.
        case strict
        /// As strict, except that a code from a known early pilot area whose check character does
        /// not verify is accepted with a warning.
        case lenient
    }

    /// The 18 characters.
    public let value: String
    /// What lenient validation let through; empty for a code that passed every rule.
    public let warnings: [IdentifierWarning]

    private static let rule = "GB 32100"
    private static let values: [Character: Int] = Dictionary(
        uniqueKeysWithValues: characterSet.enumerated().map { ($1, $0) })

    /// Validates `text` as a USCC.
    public init(_ text: String, mode: Mode = .strict) throws(IdentifierError) {
        let characters = Array(text)
        guard characters.count == 18 else {
            throw IdentifierError(
                .uscc, .wrongLength, position: nil, rule: Self.rule,
                detail: "18 characters expected, found \(characters.count)")
        }
        var values: [Int] = []
        for (index, character) in characters.enumerated() {
            guard let value = Self.values[character] else {
                throw IdentifierError(
                    .uscc, .invalidCharacter, position: index + 1, rule: "\(Self.rule) character set",
                    detail: "a digit or an uppercase letter other than I, O, S, V, Z expected, found \"\(character)\"")
            }
            values.append(value)
        }
        let type = String(characters[0...1])
        guard Self.organisationTypes.contains(type) else {
            let position = Self.organisationTypes.contains { $0.first == characters[0] } ? 2 : 1
            throw IdentifierError(
                .uscc, .unknownCategory, position: position, rule: "\(Self.rule) department and organisation type",
                detail: "\"\(type)\" is not a registering department and type (enterprises are 91)")
        }
        for index in 2..<8 where characters[index].digitValue == nil {
            throw IdentifierError(
                .uscc, .invalidCharacter, position: index + 1, rule: "\(Self.rule) registering authority (GB/T 2260)",
                detail: "a digit expected, found \"\(characters[index])\"")
        }
        let region = String(characters[2..<8])
        guard RegionTable.isKnownAuthorityArea(region) else {
            throw IdentifierError(
                .uscc, .unknownRegion, position: 3, rule: "\(Self.rule) registering authority (GB/T 2260)",
                detail: "no province has the code \(region.prefix(2))0000")
        }
        let expected = CheckCharacters.uscc(values.prefix(17))
        var warnings: [IdentifierWarning] = []
        if expected != values[17] {
            let detail = "check character \"\(Self.characterSet[expected])\" expected, found \"\(characters[17])\""
            guard mode == .lenient, RegionTable.isUSCCPilotArea(region) else {
                throw IdentifierError(
                    .uscc, .checkCharacterMismatch, position: 18,
                    rule: "\(Self.rule) check character (ISO 7064 MOD 31-3)",
                    detail: detail)
            }
            warnings.append(
                IdentifierWarning(
                    code: "USCC_PILOT_AREA_CHECK",
                    message:
                        "accepted a USCC from an early pilot area whose check character does not verify (\(detail))"))
        }
        self.value = text
        self.warnings = warnings
    }

    /// The GB/T 2260 code of the registering authority (positions 3–8).
    public var registrationAuthorityArea: String { String(value.dropFirst(2).prefix(6)) }

    /// The department-and-type pair (positions 1–2); `91` for an enterprise.
    public var organisationType: String { String(value.prefix(2)) }

    /// The embedded organisation code (positions 9–17), when it passes GB 11714 on its own.
    public var organizationCode: OrganizationCode? {
        try? OrganizationCode(String(value.dropFirst(8).prefix(9)))
    }

    public var description: String { value }

    public static func < (lhs: USCC, rhs: USCC) -> Bool { lhs.value < rhs.value }

    public static func == (lhs: USCC, rhs: USCC) -> Bool { lhs.value == rhs.value }

    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

/// An organisation code (组织机构代码, GB 11714-1997): eight body characters and a check character,
/// printed `XXXXXXXX-X`. Used as an alias of enterprises registered before 2015.
public struct OrganizationCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The nine characters without the hyphen.
    public let value: String

    private static let rule = "GB 11714"

    /// Validates nine characters, with or without the hyphen before the check character.
    public init(_ text: String) throws(IdentifierError) {
        var characters = Array(text)
        if characters.count == 10 && characters[8] == "-" {
            characters.remove(at: 8)
        }
        guard characters.count == 9 else {
            throw IdentifierError(
                .organizationCode, .wrongLength, position: nil, rule: Self.rule,
                detail: "9 characters (XXXXXXXX-X) expected, found \(characters.count)")
        }
        var values: [Int] = []
        for (index, character) in characters.prefix(8).enumerated() {
            guard let ascii = character.asciiValue,
                let value = (0x30...0x39).contains(ascii)
                    ? Int(ascii - 0x30) : (0x41...0x5A).contains(ascii) ? Int(ascii - 0x41 + 10) : nil
            else {
                throw IdentifierError(
                    .organizationCode, .invalidCharacter, position: index + 1, rule: "\(Self.rule) character set",
                    detail: "a digit or an uppercase letter expected, found \"\(character)\"")
            }
            values.append(value)
        }
        let expected = CheckCharacters.organizationCode(values)
        let expectedCharacter: Character = expected == 10 ? "X" : Character(String(expected))
        guard characters[8] == expectedCharacter else {
            throw IdentifierError(
                .organizationCode, .checkCharacterMismatch, position: text.count, rule: "\(Self.rule) check character",
                detail: "check character \"\(expectedCharacter)\" expected, found \"\(characters[8])\"")
        }
        value = String(characters)
    }

    /// `XXXXXXXX-X`.
    public var description: String { value.prefix(8) + "-" + value.suffix(1) }

    public static func < (lhs: OrganizationCode, rhs: OrganizationCode) -> Bool { lhs.value < rhs.value }
}

/// A 15-digit business registration number (工商注册号, GS 15-2006), used before 2015: a 6-digit
/// registering-authority code, an 8-digit sequence and an ISO 7064 MOD 11,10 check digit.
public struct RegistrationNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 15 digits.
    public let value: String

    private static let rule = "GS 15-2006"

    /// Validates 15 digits.
    public init(_ text: String) throws(IdentifierError) {
        let characters = Array(text)
        guard characters.count == 15 else {
            throw IdentifierError(
                .registrationNumber, .wrongLength, position: nil, rule: Self.rule,
                detail: "15 digits expected, found \(characters.count) characters")
        }
        var digits: [Int] = []
        for (index, character) in characters.enumerated() {
            guard let digit = character.digitValue else {
                throw IdentifierError(
                    .registrationNumber, .invalidCharacter, position: index + 1, rule: Self.rule,
                    detail: "a digit expected, found \"\(character)\"")
            }
            digits.append(digit)
        }
        let area = String(characters.prefix(6))
        guard RegionTable.isKnownAuthorityArea(area) else {
            throw IdentifierError(
                .registrationNumber, .unknownRegion, position: 1,
                rule: "\(Self.rule) registering authority (GB/T 2260)",
                detail: "no province has the code \(area.prefix(2))0000")
        }
        let expected = CheckCharacters.mod11_10(digits.prefix(14))
        guard digits[14] == expected else {
            throw IdentifierError(
                .registrationNumber, .checkCharacterMismatch, position: 15,
                rule: "\(Self.rule) check digit (ISO 7064 MOD 11,10)",
                detail: "check digit \(expected) expected, found \(digits[14])")
        }
        value = text
    }

    /// The registering authority's area code (positions 1–6).
    public var authorityArea: String { String(value.prefix(6)) }

    public var description: String { value }

    public static func < (lhs: RegistrationNumber, rhs: RegistrationNumber) -> Bool { lhs.value < rhs.value }
}
