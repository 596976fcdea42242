/// One row of the GB/T 2260 table shipped with the codec (`Resources/region-codes.tsv`).
public struct RegionEntry: Sendable, Hashable {
    /// The administrative level of a division.
    public enum Level: String, Sendable, Hashable {
        case province, prefecture, county
    }

    /// Six digits.
    public let code: String
    /// The Chinese name, 苏州市.
    public let name: String
    /// The English name, Suzhou.
    public let englishName: String
    /// The level.
    public let level: Level
    /// The first year the code was valid.
    public let validFrom: Int
    /// The last year the code was valid, or `nil` if it still is.
    public let validUntil: Int?
}

/// A GB/T 2260 administrative division code: six digits whose first two name a province.
///
/// A code is valid when its province exists and, in Shanghai, Jiangsu and Zhejiang — whose every
/// prefecture and county-level division in use since 2005 the table lists, abolished ones included —
/// when the table lists the whole code. Elsewhere only the province is checked (``entry`` is `nil`
/// for such a code below the province).
public struct RegionCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The six digits.
    public let code: String

    /// Validates six digits.
    public init(_ text: String) throws(IdentifierError) {
        let number: Int
        switch asciiDigits(text, count: 6) {
        case .success(let value):
            number = value
        case .failure(.wrongLength):
            throw IdentifierError(
                .regionCode, .wrongLength, position: nil, rule: "GB/T 2260",
                detail: "6 digits expected, found \(text.count) characters")
        case .failure(.notADigit(let offset)):
            throw IdentifierError(
                .regionCode, .invalidCharacter, position: characterPosition(ofUTF8Offset: offset, in: text),
                rule: "GB/T 2260",
                detail: "a digit expected, found \"\(character(atUTF8Offset: offset, in: text))\"")
        }
        guard let province = RegionTable.province(ofNumber: number) else {
            throw IdentifierError(
                .regionCode, .unknownRegion, position: 1, rule: "GB/T 2260 province",
                detail: "no province has the code \(text.prefix(2))0000")
        }
        if RegionTable.listsEveryDivision(ofNumber: number), RegionTable.byNumber[number] == nil {
            let prefecture = number / 100 * 100
            guard RegionTable.byNumber[prefecture] != nil else {
                throw IdentifierError(
                    .regionCode, .unknownRegion, position: 3, rule: "GB/T 2260 prefecture",
                    detail: "\(province.name) has no prefecture with the code \(prefecture)")
            }
            throw IdentifierError(
                .regionCode, .unknownRegion, position: 5, rule: "GB/T 2260 county",
                detail: "\(province.name) has no division with the code \(text) in the table (GB/T 2260, 2023 edition)")
        }
        code = text
    }

    /// A code already known to be valid (a part of one that was validated).
    init(validated code: String) { self.code = code }

    /// The table row of this exact code, if the table lists it.
    public var entry: RegionEntry? { RegionTable.entries[code] }

    /// The province the code belongs to (validation made sure the table lists it).
    public var province: RegionEntry {
        RegionTable.province(ofCode: code)
            ?? RegionEntry(
                code: provinceCode.code, name: provinceCode.code, englishName: provinceCode.code, level: .province,
                validFrom: 0, validUntil: nil)
    }

    /// The prefix this code shares with every code it covers: 32 for 320000, 3205 for 320500, the
    /// whole code for a county.
    public var coveringPrefix: Substring {
        var prefix = Substring(code)
        while prefix.count > 2, prefix.hasSuffix("00") { prefix = prefix.dropLast(2) }
        return prefix
    }

    /// Whether `other` lies inside this region: a province covers its prefectures and counties, a
    /// prefecture its counties, a county itself.
    public func covers(_ other: RegionCode) -> Bool { other.code.hasPrefix(coveringPrefix) }

    /// The code of the province: 320000 for 320583.
    public var provinceCode: RegionCode { RegionCode(validated: String(code.prefix(2)) + "0000") }

    /// The prefecture the code belongs to, if the table lists it.
    public var prefecture: RegionEntry? { RegionTable.entries[String(code.prefix(4)) + "00"] }

    /// The most specific name the table knows: the code's own, else its prefecture's, else its province's.
    public var name: String { (entry ?? prefecture ?? province).name }

    /// Every row of the table.
    public static var table: [RegionEntry] {
        RegionTable.entries.values.sorted { $0.code < $1.code }
    }

    public var description: String { code }

    public static func < (lhs: RegionCode, rhs: RegionCode) -> Bool { lhs.code < rhs.code }
}

/// The region table and the USCC pilot-area list, read once from the embedded resource files.
enum RegionTable {
    static let entries: [String: RegionEntry] = {
        var entries: [String: RegionEntry] = [:]
        for fields in ResourceFile.rows(PackageResources.region_codes_tsv, columns: 6) {
            guard let level = RegionEntry.Level(rawValue: fields[3]), let from = Int(fields[4]) else {
                preconditionFailure("Resources/region-codes.tsv: bad row \(fields)")
            }
            entries[fields[0]] = RegionEntry(
                code: fields[0], name: fields[1], englishName: fields[2], level: level, validFrom: from,
                validUntil: Int(fields[5]))
        }
        return entries
    }()

    /// The same rows by the code's numeric value, for validation without string work.
    static let byNumber: [Int: RegionEntry] = Dictionary(
        uniqueKeysWithValues: entries.values.compactMap { entry in Int(entry.code).map { ($0, entry) } })

    static func province(ofNumber number: Int) -> RegionEntry? {
        byNumber[number / 10_000 * 10_000].flatMap { $0.level == .province ? $0 : nil }
    }

    /// Whether the table lists every division of the province of `number` (Shanghai, Jiangsu, Zhejiang).
    static func listsEveryDivision(ofNumber number: Int) -> Bool {
        (31...33).contains(number / 10_000)
    }

    static let pilotPrefixes: [String] = ResourceFile.rows(PackageResources.uscc_pilot_areas_tsv, columns: 3).map {
        $0[0]
    }

    /// The three provinces whose every prefecture is listed.
    static let fullyListedProvinces: Set<String> = ["31", "32", "33"]

    static func province(ofCode code: String) -> RegionEntry? {
        entries[String(code.prefix(2)) + "0000"].flatMap { $0.level == .province ? $0 : nil }
    }

    static func listsEveryPrefecture(ofCode code: String) -> Bool {
        fullyListedProvinces.contains(String(code.prefix(2)))
    }

    /// Whether `code` may be a registering authority's area: a listed province's, or 100000 (national).
    static func isKnownAuthorityArea(_ code: String) -> Bool {
        code == "100000" || province(ofCode: code) != nil
    }

    static func isUSCCPilotArea(_ code: String) -> Bool {
        pilotPrefixes.contains { code.hasPrefix($0) }
    }
}

/// Tab-separated resource files: `#` comments, one row per line.
enum ResourceFile {
    static func rows(_ bytes: [UInt8], columns: Int) -> [[String]] {
        String(decoding: bytes, as: UTF8.self)
            .split(separator: "\n")
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { line in
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                precondition(fields.count == columns, "resource row with \(fields.count) of \(columns) fields: \(line)")
                return fields
            }
    }
}
