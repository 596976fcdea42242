import Foundation

/// A moment in UTC to the second, as the card stores it: seven packed BCD bytes `YYYYMMDDhhmmss`.
public struct CardTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The calendar date.
    public let date: CardDate
    public let hour: Int
    public let minute: Int
    public let second: Int

    /// Creates a timestamp; the time of day must exist (no leap seconds).
    public init(date: CardDate, hour: Int, minute: Int, second: Int) throws(CardDateError) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else {
            throw CardDateError(reason: "\(hour):\(minute):\(second) is not a time of day")
        }
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The first moment a card can store: 0001-01-01T00:00:00Z, as seconds since 1970.
    public static let earliestSeconds: Int64 = -62_135_596_800
    /// The last moment a card can store: 9999-12-31T23:59:59Z, as seconds since 1970.
    public static let latestSeconds: Int64 = 253_402_300_799

    /// The timestamp `seconds` after 1970-01-01T00:00:00Z, held to the years 0001–9999 a card can
    /// store (a moment outside them becomes the nearest one inside).
    public init(secondsSince1970 seconds: Int64) {
        let seconds = min(max(seconds, Self.earliestSeconds), Self.latestSeconds)
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        date = CardDate(unchecked: year, month, day)
        hour = rest / 3600
        minute = rest / 60 % 60
        second = rest % 60
    }

    /// The timestamp of `date`, to the second (rounded down), held to the years 0001–9999.
    public init(_ date: Date) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        self.init(
            secondsSince1970: seconds.isNaN
                ? 0 : Int64(min(max(seconds, Double(Self.earliestSeconds)), Double(Self.latestSeconds))))
    }

    /// Parses fourteen digits `YYYYMMDDhhmmss`.
    public init(digits: String) throws(CardDateError) {
        let utf8 = Array(digits.utf8)
        guard utf8.count == 14, utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw CardDateError(reason: "a timestamp of fourteen digits YYYYMMDDhhmmss expected")
        }
        func number(_ range: Range<Int>) -> Int { utf8[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        try self.init(
            date: try CardDate(yyyymmdd: String(decoding: utf8[0..<8], as: UTF8.self)), hour: number(8..<10),
            minute: number(10..<12), second: number(12..<14))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (UTC), the form times take in JSON.
    public init(iso text: some StringProtocol) throws(CardDateError) {
        let utf8 = Array(text.utf8)
        let separators: [(Int, UInt8)] = [(4, 0x2D), (7, 0x2D), (10, 0x54), (13, 0x3A), (16, 0x3A), (19, 0x5A)]
        guard utf8.count == 20, separators.allSatisfy({ utf8[$0.0] == $0.1 }) else {
            throw CardDateError(reason: "\"\(text.prefix(30))\" is not a time YYYY-MM-DDTHH:MM:SSZ")
        }
        let digits = utf8.enumerated().filter { index, _ in !separators.contains { $0.0 == index } }.map(\.element)
        try self.init(digits: String(decoding: digits, as: UTF8.self))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64 {
        Int64(Self.days(fromCivil: date.year, date.month, date.day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `YYYYMMDDhhmmss`.
    /// The same instant as a Foundation `Date`.
    public var foundationDate: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    public var digits: String {
        date.yyyymmdd + pad(hour) + pad(minute) + pad(second)
    }

    /// ISO 8601, `2026-11-29T08:00:00Z`.
    public var description: String { "\(date)T\(pad(hour)):\(pad(minute)):\(pad(second))Z" }

    private func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    public static func < (lhs: CardTimestamp, rhs: CardTimestamp) -> Bool {
        lhs.secondsSince1970 < rhs.secondsSince1970
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(iso: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // Howard Hinnant's days-from-civil and civil-from-days (proleptic Gregorian calendar).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension CardDate {
    /// Today in UTC+8 at `secondsSince1970` (a stored timestamp).
    public init(secondsSince1970 seconds: Int64) {
        self.init(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Days since 1970-01-01.
    public var daysSince1970: Int { CardTimestamp.days(fromCivil: year, month, day) }

    /// The platform's time zone for calendar dates: China Standard Time, UTC+8, no daylight saving.
    /// Decision, publication and expiry dates are days of the offices that set them.
    public static let platformUTCOffset: Int64 = 8 * 3_600

    /// The day `date` falls on in China Standard Time (UTC+8): "today" wherever the platform
    /// compares a day (Cards/FORMAT.md §2.4).
    public init(_ date: Date) {
        self = CardTimestamp(date.addingTimeInterval(TimeInterval(Self.platformUTCOffset))).date
    }

    /// Parses `YYYY-MM-DD`, the form dates take in JSON, import files and forms.
    public init(iso text: some StringProtocol) throws(CardDateError) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 10, utf8[4] == 0x2D, utf8[7] == 0x2D else {
            throw CardDateError(reason: "\"\(text.prefix(20))\" is not a date YYYY-MM-DD")
        }
        try self.init(yyyymmdd: String(decoding: utf8[0..<4] + utf8[5..<7] + utf8[8..<10], as: UTF8.self))
    }

    /// The date `days` days after this one; throws past the years 0001–9999.
    public func adding(days: Int) throws(CardDateError) -> CardDate {
        let (total, overflow) = daysSince1970.addingReportingOverflow(days)
        let earliest = CardTimestamp.days(fromCivil: 1, 1, 1)
        let latest = CardTimestamp.days(fromCivil: 9999, 12, 31)
        guard !overflow, (earliest...latest).contains(total) else {
            throw CardDateError(reason: "\(days) days after \(self) is past the years 0001–9999")
        }
        let (year, month, day) = CardTimestamp.civil(fromDays: total)
        return CardDate(unchecked: year, month, day)
    }

    /// The same day `months` months later, clamped to the month's last day (2024-08-31 + 6 →
    /// 2025-02-28); throws past the years 0001–9999.
    public func adding(months: Int) throws(CardDateError) -> CardDate {
        let (index, overflow) = (year * 12 + (month - 1)).addingReportingOverflow(months)
        guard !overflow, (12...(9999 * 12 + 11)).contains(index) else {
            throw CardDateError(reason: "\(months) months after \(self) is past the years 0001–9999")
        }
        let newYear = index / 12
        let newMonth = index % 12 + 1
        return CardDate(unchecked: newYear, newMonth, min(day, CardDate.daysInMonth(newMonth, of: newYear)))
    }
}
