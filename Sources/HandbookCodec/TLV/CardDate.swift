import CodedErrors

/// A calendar date as the card stores it: year, month and day, no time and no time zone.
///
/// Only real Gregorian dates can be constructed (no 30 February, no year 0).
public struct CardDate: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or throws when it does not exist.
    public init(year: Int, month: Int, day: Int) throws(CardDateError) {
        guard (1...9999).contains(year) else { throw CardDateError(reason: "year \(year) is not in 0001–9999") }
        guard (1...12).contains(month) else { throw CardDateError(reason: "month \(month) is not in 01–12") }
        let last = CardDate.daysInMonth(month, of: year)
        guard (1...last).contains(day) else {
            throw CardDateError(
                reason: "day \(day) does not exist in \(year)-\(month < 10 ? "0" : "")\(month) (it has \(last) days)")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// A date the caller has computed from a valid one (year, month and day in range).
    init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses eight ASCII digits, `YYYYMMDD`.
    public init(yyyymmdd text: some StringProtocol) throws(CardDateError) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 8, utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw CardDateError(reason: "\"\(text)\" is not eight digits YYYYMMDD")
        }
        func number(_ range: Range<Int>) -> Int { utf8[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        try self.init(year: number(0..<4), month: number(4..<6), day: number(6..<8))
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days of `month` in `year`.
    public static func daysInMonth(_ month: Int, of year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYYMMDD`.
    public var yyyymmdd: String {
        pad(year, 4) + pad(month, 2) + pad(day, 2)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: width - digits.count) + digits
    }

    public static func < (lhs: CardDate, rhs: CardDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(iso: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A date that does not exist or is not written as one.
public struct CardDateError: CodedError, Hashable {
    /// What is wrong with the date.
    public let reason: String
    public var description: String { "invalid date: \(reason)" }
    public var errorCode: String { "DATE_INVALID" }
    public var kind: ErrorKind { .invalidInput }
    public var message: String { "invalid date: \(reason)" }

    public init(reason: String) { self.reason = reason }
}
