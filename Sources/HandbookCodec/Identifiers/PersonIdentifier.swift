/// The identity documents a registered practitioner may be recorded with.
public enum IdentityDocumentType: String, Sendable, Hashable, CaseIterable, Codable {
    /// 居民身份证 (GB 11643): 18 characters with a MOD 11-2 check, or the old 15 digits.
    case residentIdentityCard = "resident-id"
    /// 港澳台居民居住证: like a resident identity number, prefix 810000, 820000 or 830000.
    case residencePermit = "residence-permit"
    /// 护照: Chinese passports of every kind, and Hong Kong and Macau SAR passports.
    case passport = "passport"
    /// 港澳居民来往内地通行证 (回乡证).
    case homeReturnPermit = "home-return-permit"
    /// 台湾居民来往大陆通行证 (台胞证).
    case taiwanCompatriotPermit = "taiwan-compatriot-permit"
    /// 军官证.
    case officerCard = "officer-card"

    var kind: IdentifierKind {
        switch self {
        case .residentIdentityCard: return .residentIdentityNumber
        case .residencePermit: return .residencePermitNumber
        case .passport: return .passportNumber
        case .homeReturnPermit: return .homeReturnPermitNumber
        case .taiwanCompatriotPermit: return .taiwanCompatriotPermitNumber
        case .officerCard: return .officerCardNumber
        }
    }
}

/// A person's identity document: its type and a number that passed that type's rules.
///
/// Only resident identity numbers and residence-permit numbers carry a check character; the other
/// documents are checked for their format (Docs/ARCHITECTURE.md §11.1). The full number is personal data: cards
/// and screens show ``masked``.
public struct PersonIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The document type.
    public let type: IdentityDocumentType
    /// The number, normalised (a final `x` becomes `X`).
    public let number: String

    /// Validates `number` as a document of `type`.
    public init(type: IdentityDocumentType, number: String) throws(IdentifierError) {
        self.type = type
        switch type {
        case .residentIdentityCard:
            self.number = try Self.validateResidentNumber(number, kind: .residentIdentityNumber)
        case .residencePermit:
            self.number = try Self.validateResidentNumber(number, kind: .residencePermitNumber)
        case .passport, .homeReturnPermit, .taiwanCompatriotPermit, .officerCard:
            guard Self.formatName(of: number, type: type) != nil else {
                throw IdentifierError(
                    type.kind, .invalidFormat, position: nil, rule: "format of \(type.rawValue) numbers",
                    detail: Self.expectedFormats(type))
            }
            self.number = number
        }
    }

    /// For an 18-character resident identity or residence-permit number, the date of birth.
    public var birthDate: CardDate? {
        let characters = Array(number)
        let digits: String
        switch characters.count {
        case 18: digits = String(characters[6..<14])
        case 15: digits = "19" + String(characters[6..<12])
        default: return nil
        }
        guard type == .residentIdentityCard || type == .residencePermit else { return nil }
        return try? CardDate(yyyymmdd: digits)
    }

    /// The number with its middle hidden, as cards and screens show it: `3101**********0018`.
    ///
    /// Numbers of 12 or more characters keep 4 at each end; shorter ones keep a quarter at each end.
    public var masked: String {
        Self.mask(number)
    }

    /// Masks any identity number: the first and last `keep` characters stay, the rest become `*`.
    public static func mask(_ number: String) -> String {
        let characters = Array(number)
        let keep = characters.count >= 12 ? 4 : characters.count / 4
        guard characters.count > 2 * keep else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(keep)) + String(repeating: "*", count: characters.count - 2 * keep)
            + String(characters.suffix(keep))
    }

    /// Whether a number of `type` can have `count` characters.
    static func hasLength(_ count: Int, _ type: IdentityDocumentType) -> Bool {
        switch type {
        case .residentIdentityCard: return count == 15 || count == 18
        case .residencePermit: return count == 18
        case .passport: return (8...9).contains(count)
        case .homeReturnPermit: return (9...11).contains(count)
        case .taiwanCompatriotPermit: return (8...13).contains(count)
        case .officerCard: return (7...13).contains(count)
        }
    }

    /// Why `masked` is not the mask of a number of `type` (``mask(_:)``: the first and last four
    /// characters of a number of 12 or more shown, of a shorter one the first and last quarter, every
    /// other character `*`), or nil when it is one. A full number, or one with too few characters
    /// hidden, is refused: a card never carries more of a number than the mask shows.
    public static func maskProblem(_ masked: String, type: IdentityDocumentType) -> String? {
        let characters = Array(masked)
        let shape = "the mask of a \(type.rawValue) number (its first and last characters shown, the rest *)"
        guard hasLength(characters.count, type) else {
            return "\(shape) expected: \(characters.count) characters is no such number's length"
        }
        let keep = characters.count >= 12 ? 4 : characters.count / 4
        let shown = characters.prefix(keep) + characters.suffix(keep)
        let hidden = characters.dropFirst(keep).dropLast(keep)
        guard hidden.allSatisfy({ $0 == "*" }), !shown.contains("*") else {
            return "\(shape) expected: exactly the characters \(keep + 1)–\(characters.count - keep) are *"
        }
        let allowed: (Character) -> Bool
        switch type {
        case .residentIdentityCard, .residencePermit:
            allowed = { $0.isASCII && ($0.isNumber || $0 == "X") }
        case .passport, .homeReturnPermit, .taiwanCompatriotPermit:
            allowed = { $0.isASCII && ($0.isNumber || $0.isUppercase || $0 == "(" || $0 == ")") }
        case .officerCard:
            allowed = { !$0.isWhitespace && $0 != "*" }
        }
        guard shown.allSatisfy(allowed) else {
            return "\(shape) expected: a shown character is not one such numbers have"
        }
        return nil
    }

    /// The type and the masked number; never the full number.
    public var description: String { "\(type.rawValue):\(masked)" }

    private static func validateResidentNumber(_ text: String, kind: IdentifierKind) throws(IdentifierError) -> String {
        let rule = kind == .residentIdentityNumber ? "GB 11643" : "GB 11643 (residence permit)"
        var characters = Array(text)
        if characters.last == "x" { characters[characters.count - 1] = "X" }
        guard characters.count == 18 || (characters.count == 15 && kind == .residentIdentityNumber) else {
            let expected =
                kind == .residentIdentityNumber ? "18 characters (or 15 digits before 1999)" : "18 characters"
            throw IdentifierError(
                kind, .wrongLength, position: nil, rule: rule, detail: "\(expected) expected, found \(characters.count)"
            )
        }
        var digits: [Int] = []
        for (index, character) in characters.enumerated() {
            if let digit = character.digitValue {
                digits.append(digit)
            } else if !(index == 17 && character == "X") {
                throw IdentifierError(
                    kind, .invalidCharacter, position: index + 1, rule: rule,
                    detail: index == 17
                        ? "a digit or X expected, found \"\(character)\"" : "a digit expected, found \"\(character)\"")
            }
        }
        let prefix = String(characters.prefix(2))
        if kind == .residencePermitNumber {
            guard ["810000", "820000", "830000"].contains(String(characters.prefix(6))) else {
                throw IdentifierError(
                    kind, .unknownRegion, position: 1, rule: rule,
                    detail: "810000 (Hong Kong), 820000 (Macau) or 830000 (Taiwan) expected as the first six digits")
            }
        } else {
            guard !["81", "82", "83"].contains(prefix), RegionTable.province(ofCode: prefix + "0000") != nil else {
                throw IdentifierError(
                    kind, .unknownRegion, position: 1, rule: "\(rule) address code (GB/T 2260)",
                    detail: "no province issues resident identity cards with the code \(prefix)0000")
            }
        }
        let dateDigits = characters.count == 18 ? String(characters[6..<14]) : "19" + String(characters[6..<12])
        do {
            _ = try CardDate(yyyymmdd: dateDigits)
        } catch {
            throw IdentifierError(kind, .invalidDate, position: 7, rule: "\(rule) date of birth", detail: error.reason)
        }
        if characters.count == 18 {
            let expected = CheckCharacters.mod11_2(digits.prefix(17))
            let expectedCharacter: Character = expected == 10 ? "X" : Character(String(expected))
            guard characters[17] == expectedCharacter else {
                throw IdentifierError(
                    kind, .checkCharacterMismatch, position: 18, rule: "\(rule) check character (ISO 7064 MOD 11-2)",
                    detail: "check character \"\(expectedCharacter)\" expected, found \"\(characters[17])\"")
            }
        }
        return String(characters)
    }

    /// The name of the format `number` matches, or `nil`.
    static func formatName(of number: String, type: IdentityDocumentType) -> String? {
        switch type {
        case .passport:
            if number.wholeMatch(of: #/(14|15)[0-9]{7}|G[0-9]{8}/#) != nil { return "ordinary (old)" }
            if number.wholeMatch(of: #/E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}/#) != nil { return "ordinary e-passport" }
            if number.wholeMatch(of: #/PE?[0-9]{7}/#) != nil { return "public affairs" }
            if number.wholeMatch(of: #/S[0-9]{7,8}|SE[0-9]{7}/#) != nil { return "service" }
            if number.wholeMatch(of: #/D[0-9]{7,8}|DE[0-9]{7}/#) != nil { return "diplomatic" }
            if number.wholeMatch(of: #/K[0-9]{8}/#) != nil { return "Hong Kong SAR" }
            if number.wholeMatch(of: #/MA[0-9]{7}/#) != nil { return "Macau SAR" }
            return nil
        case .homeReturnPermit:
            if number.wholeMatch(of: #/[HM][0-9]{8}/#) != nil { return "card (2013–)" }
            if number.wholeMatch(of: #/[HM][0-9]{10}/#) != nil { return "card (old, with reissue count)" }
            if number.wholeMatch(of: #/[HM]A[0-9A-Z]{7}/#) != nil { return "non-Chinese-citizen" }
            return nil
        case .taiwanCompatriotPermit:
            if number.wholeMatch(of: #/[0-9]{8}/#) != nil { return "card (2015–)" }
            if number.wholeMatch(of: #/[0-9]{10}(\([A-Z]\))?/#) != nil { return "booklet" }
            if number.wholeMatch(of: #/[0-9A-Z]{10,12}/#) != nil { return "one-time permit" }
            return nil
        case .officerCard:
            if number.wholeMatch(of: #/\p{Script=Han}字第[0-9A-Za-z]{4,8}号?/#) != nil { return "officer card" }
            return nil
        case .residentIdentityCard, .residencePermit:
            return nil
        }
    }

    private static func expectedFormats(_ type: IdentityDocumentType) -> String {
        switch type {
        case .passport:
            return
                "14/15 + 7 digits, G/E + 8 digits, E + letter + 7 digits, P/PE/SE/DE + 7 digits, S/D + 7–8 digits, K + 8 digits or MA + 7 digits expected"
        case .homeReturnPermit: return "H or M + 8 or 10 digits, or HA/MA + 7 characters expected"
        case .taiwanCompatriotPermit:
            return "8 digits, 10 digits with an optional (letter), or 10–12 characters expected"
        case .officerCard: return "one Chinese character + 字第 + 4–8 digits or letters + 号 expected"
        case .residentIdentityCard, .residencePermit: return "18 characters expected"
        }
    }
}
