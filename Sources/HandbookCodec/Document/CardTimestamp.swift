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

    /// The timestamp `seconds` after 1970-01-01T00:00:00Z.
    public init(secondsSince1970 seconds: Int64) {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        date = try! CardDate(year: year, month: month, day: day)
        hour = rest / 3600
        minute = rest / 60 % 60
        second = rest % 60
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

    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64 {
        Int64(Self.days(fromCivil: date.year, date.month, date.day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `YYYYMMDDhhmmss`.
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
        try self.init(digits: String(text.filter { $0.isNumber }))
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
    /// Days since 1970-01-01.
    public var daysSince1970: Int { CardTimestamp.days(fromCivil: year, month, day) }

    /// The date `days` days after this one.
    public func adding(days: Int) -> CardDate {
        let (year, month, day) = CardTimestamp.civil(fromDays: daysSince1970 + days)
        return try! CardDate(year: year, month: month, day: day)
    }

    /// The same day `months` months later, clamped to the month's last day (2024-08-31 + 6 → 2025-02-28).
    public func adding(months: Int) -> CardDate {
        let index = year * 12 + (month - 1) + months
        let newYear = index / 12
        let newMonth = index % 12 + 1
        return try! CardDate(year: newYear, month: newMonth, day: min(day, CardDate.daysInMonth(newMonth, of: newYear)))
    }
}
