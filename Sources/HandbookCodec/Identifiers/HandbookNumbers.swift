/// The number of a handbook document: the GB/T 2260 code of the issuing office's region and a
/// ten-digit serial (地区编号 + 流水号), sixteen digits in all: `3100000000000042`.
public struct DocumentNumber: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The sixteen digits.
    public let value: String

    /// Validates sixteen digits whose first six are a region code.
    public init(_ text: String) throws(IdentifierError) {
        try validateDigits(text, count: 16, kind: .documentNumber, rule: "region code (6) + serial (10)")
        _ = try regionPrefix(text, kind: .documentNumber)
        value = text
    }

    /// Composes a number from a region and a serial below 10¹⁰.
    public init(region: RegionCode, serial: UInt64) throws(IdentifierError) {
        guard serial < 10_000_000_000 else {
            throw IdentifierError(
                .documentNumber, .wrongLength, position: 7, rule: "serial of 10 digits",
                detail: "serial \(serial) is too large")
        }
        let digits = String(serial)
        try self.init(region.code + String(repeating: "0", count: 10 - digits.count) + digits)
    }

    /// The issuing region (validated with the number).
    public var region: RegionCode { RegionCode(validated: String(value.prefix(6))) }

    /// The serial within the region (ten digits, validated with the number).
    public var serial: UInt64 { UInt64(value.dropFirst(6)) ?? 0 }

    public var description: String { value }

    public static func < (lhs: DocumentNumber, rhs: DocumentNumber) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// The number of a credit record: the recording region's GB/T 2260 code and a serial of 4–20
/// digits or uppercase letters (national person records carry `RY`): `3100002024000123`.
public struct RecordNumber: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The whole number.
    public let value: String

    /// Validates a region code followed by a serial.
    public init(_ text: String) throws(IdentifierError) {
        let utf8 = text.utf8
        guard (10...26).contains(utf8.count) else {
            throw IdentifierError(
                .recordNumber, .wrongLength, position: nil, rule: "region code (6) + serial (4–20)",
                detail: "10–26 characters expected, found \(text.count)")
        }
        _ = try regionPrefix(text, kind: .recordNumber)
        for (offset, byte) in utf8.enumerated().dropFirst(6)
        where !((0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte)) {
            throw IdentifierError(
                .recordNumber, .invalidCharacter, position: characterPosition(ofUTF8Offset: offset, in: text),
                rule: "serial of digits and uppercase letters",
                detail: "found \"\(character(atUTF8Offset: offset, in: text))\"")
        }
        value = text
    }

    /// Composes a number from a region and a numeric serial.
    public init(region: RegionCode, serial: UInt64) throws(IdentifierError) {
        let digits = String(serial)
        try self.init(region.code + String(repeating: "0", count: max(0, 10 - digits.count)) + digits)
    }

    /// The recording region (validated with the number).
    public var region: RegionCode { RegionCode(validated: String(value.prefix(6))) }

    public var description: String { value }

    public static func < (lhs: RecordNumber, rhs: RecordNumber) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A 16-digit project number of the national platform: a GB/T 2260 county code, a date `YYMMDD`
/// and a four-digit sequence (Docs/ARCHITECTURE.md §11.1), `3101151211210104`.
public struct ProjectNumber: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The sixteen digits.
    public let value: String

    /// Validates sixteen digits with a region prefix and a real date in positions 7–12.
    public init(_ text: String) throws(IdentifierError) {
        try validateDigits(text, count: 16, kind: .projectNumber, rule: "county code (6) + YYMMDD + sequence (4)")
        _ = try regionPrefix(text, kind: .projectNumber)
        let date = Array(text.utf8)[6..<12].map { Int($0 - 0x30) }
        let month = date[2] * 10 + date[3]
        let day = date[4] * 10 + date[5]
        // The two-digit year is ambiguous; any year must allow the month and day (29 February in a leap year).
        guard (1...12).contains(month), (1...CardDate.daysInMonth(month, of: 2000)).contains(day) else {
            throw IdentifierError(
                .projectNumber, .invalidDate, position: 9, rule: "YYMMDD in positions 7–12",
                detail: "month \(month) day \(day) does not exist")
        }
        value = text
    }

    public var description: String { value }

    public static func < (lhs: ProjectNumber, rhs: ProjectNumber) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A card's serial number: 8 bytes written when the card is made, printed as 16 hex digits.
public struct CardSerial: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The serial's bytes.
    public let bytes: [UInt8]

    /// The length every card serial has.
    public static let length = 8

    /// Wraps eight bytes.
    public init(bytes: [UInt8]) throws(IdentifierError) {
        guard bytes.count == Self.length else {
            throw IdentifierError(
                .cardSerial, .wrongLength, position: nil, rule: "card serial",
                detail: "\(Self.length) bytes expected, found \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Parses 16 hexadecimal digits.
    public init(hex: String) throws(IdentifierError) {
        let characters = Array(hex)
        guard characters.count == 2 * Self.length else {
            throw IdentifierError(
                .cardSerial, .wrongLength, position: nil, rule: "card serial",
                detail: "\(2 * Self.length) hex digits expected, found \(characters.count)")
        }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let byte = UInt8(String(characters[index...index + 1]), radix: 16) else {
                throw IdentifierError(
                    .cardSerial, .invalidCharacter, position: index + 1, rule: "card serial",
                    detail: "hex digits expected")
            }
            bytes.append(byte)
        }
        try self.init(bytes: bytes)
    }

    /// Uppercase hexadecimal.
    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined()
    }

    public static func < (lhs: CardSerial, rhs: CardSerial) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public init(from decoder: any Decoder) throws {
        try self.init(hex: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

private func validateDigits(_ text: String, count: Int, kind: IdentifierKind, rule: String) throws(IdentifierError) {
    switch asciiDigits(text, count: count) {
    case .success:
        return
    case .failure(.wrongLength):
        throw IdentifierError(
            kind, .wrongLength, position: nil, rule: rule,
            detail: "\(count) digits expected, found \(text.count) characters")
    case .failure(.notADigit(let offset)):
        throw IdentifierError(
            kind, .invalidCharacter, position: characterPosition(ofUTF8Offset: offset, in: text), rule: rule,
            detail: "a digit expected, found \"\(character(atUTF8Offset: offset, in: text))\"")
    }
}

private func regionPrefix(_ text: String, kind: IdentifierKind) throws(IdentifierError) -> RegionCode {
    do {
        return try RegionCode(String(decoding: text.utf8.prefix(6), as: UTF8.self))
    } catch {
        throw IdentifierError(
            kind, error.code, position: error.position, rule: "region code in positions 1–6 (GB/T 2260)",
            detail: error.detail)
    }
}
