/// A practitioner of a demo enterprise, with the full identity number the database keeps.
public struct DemoPractitioner: Sendable, Hashable {
    public var identity: PersonIdentifier
    public var name: String
    public var registrationNumber: String
    public var registrationType: String
}

/// A project a demo enterprise took part in.
public struct DemoProject: Sendable, Hashable {
    public var number: ProjectNumber
    public var name: String
    public var region: RegionCode
    public var role: ProjectRole
    public var contractAmount: UInt64
    public var completionDate: CardDate?
    public var awards: [String]
}

/// A published (or withdrawn) credit record of a demo enterprise.
public struct DemoRecord: Sendable, Hashable {
    public var record: CreditRecord
    public var withdrawn: Bool
}

/// Everything the demo data holds about one enterprise.
public struct DemoEnterprise: Sendable, Hashable {
    public var enterprise: Enterprise
    public var qualifications: [Qualification]
    public var practitioners: [DemoPractitioner]
    public var projects: [DemoProject]
    public var records: [DemoRecord]
    /// The serial of the enterprise's card.
    public var card: CardSerial

    /// The province (310000, 320000 or 330000) the enterprise is registered in.
    public var province: RegionCode { enterprise.registeredRegion.provinceCode }
}

/// Demo data for the credit database: any number of enterprises across Shanghai, Jiangsu and
/// Zhejiang with valid, unique identifiers (USCC with its organisation code, resident identity
/// numbers, registration, certificate, project and record numbers), qualifications, practitioners,
/// projects and good, bad and blacklist records whose publication windows end on both sides of the
/// reference date. Enterprise `i` depends only on the seed and `i`, so any slice can be generated
/// alone and the same seed gives the same data on every machine. Never real data.
public struct DemoDataset: Sendable {
    public let seed: UInt64
    public let count: Int
    /// The day the data is "as of": decisions lie in the five years before it.
    public let referenceDate: CardDate

    /// The largest dataset the identifier schemes keep unique.
    public static let maximumCount = 9_000_000

    /// The day the demo data is "as of" unless told otherwise.
    public static let defaultReferenceDate = CardDate(unchecked: 2026, 11, 1)

    /// A dataset of `count` enterprises (held to 0…``maximumCount``).
    public init(seed: UInt64, count: Int, referenceDate: CardDate = DemoDataset.defaultReferenceDate) {
        self.seed = seed
        self.count = min(max(count, 0), Self.maximumCount)
        self.referenceDate = referenceDate
    }

    /// Enterprise `index` (0 ≤ index < count).
    /// Enterprise `index` (0 ≤ index < count). Every identifier is built valid; the generator throws
    /// only if that ever fails.
    public func enterprise(_ index: Int) throws(IdentifierError) -> DemoEnterprise {
        let index = min(max(index, 0), Self.maximumCount)
        var rng = SeededGenerator(
            seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(clamping: index) &* 0xD1B5_4A32_D192_ED03)
        let region = SyntheticData.prefectures[index % SyntheticData.prefectures.count]
        let province = String(region.prefix(2))
        let city = SyntheticData.cityNames[String(region.prefix(4))] ?? SyntheticData.cityNames[province] ?? "上海"
        let short = province == "31" ? "沪" : province == "32" ? "苏" : "浙"
        let authority = SyntheticData.authorities[province] ?? ""

        let (uscc, orgCode) = try Self.uscc(index: index, region: region)
        var enterprise = Enterprise(
            uscc: uscc,
            name:
                "\(city)\(Self.tradeName(index))\(SyntheticData.companyWords[index % SyntheticData.companyWords.count])有限公司",
            legalRepresentative: SyntheticData.personName(using: &rng), registeredRegion: try RegionCode(region),
            organizationCode: try OrganizationCode(orgCode))
        if index % 3 == 0 {
            // Older enterprises also carry their pre-2015 registration number.
            let digits = region + Self.digits(UInt64(index) % 100_000_000, width: 8)
            let checkDigit = CheckCharacters.mod11_10(digits.map(\.generatedDigit))
            enterprise.registrationNumber = try RegistrationNumber(digits + String(checkDigit))
        }

        var qualifications: [Qualification] = []
        for q in 0..<(1 + index % 3) {
            let (category, grades) = SyntheticData.categories[(index + q) % SyntheticData.categories.count]
            let from = referenceDate.shifted(days: -Int.random(in: 30...1_700, using: &rng))
            qualifications.append(
                Qualification(
                    category: category, grade: grades.pick(using: &rng),
                    certificateNumber: "D\(province)" + Self.digits(UInt64(index * 3 + q) % 10_000_000, width: 7)
                        + "\(q)",
                    validFrom: from, validUntil: from.shifted(months: 60), issuingAuthority: authority))
        }

        var practitioners: [DemoPractitioner] = []
        for p in 0..<(2 + index % 3) {
            let global = index * 4 + p
            let birth = CardDate(daysSince1970: -3_650 + global / 999 % 12_000)
            let sequence = Self.digits(UInt64(global % 999 + 1), width: 3)
            let home = SyntheticData.prefectures[(index + p) % SyntheticData.prefectures.count]
            let idBody = home + birth.yyyymmdd + sequence
            let idCheck = CheckCharacters.mod11_2(idBody.map(\.generatedDigit))
            practitioners.append(
                DemoPractitioner(
                    identity: try PersonIdentifier(
                        type: .residentIdentityCard, number: idBody + (idCheck == 10 ? "X" : String(idCheck))),
                    name: SyntheticData.personName(using: &rng),
                    registrationNumber: "\(short)1\(province)" + Self.digits(UInt64(global) % 1_000_000_000, width: 9),
                    registrationType: SyntheticData.registrations.pick(using: &rng)))
        }

        var projects: [DemoProject] = []
        for k in 0..<(1 + index % 4) {
            let global = index * 4 + k
            let county = SyntheticData.prefectures[(index + k) % SyntheticData.prefectures.count]
            let started = CardDate(daysSince1970: 10_957 + global / 9_000)  // from 2000-01-01
            let number = county + String(started.yyyymmdd.dropFirst(2)) + String(1_000 + global % 9_000)
            let completed = started.shifted(months: Int.random(in: 12...48, using: &rng))
            let countyCity =
                SyntheticData.cityNames[String(county.prefix(4))] ?? SyntheticData.cityNames[String(county.prefix(2))]
                ?? ""
            projects.append(
                DemoProject(
                    number: try ProjectNumber(number),
                    name: "\(countyCity)\(SyntheticData.projectKinds.pick(using: &rng))\(k + 1)号",
                    region: try RegionCode(county), role: ProjectRole.allCases.pick(using: &rng),
                    contractAmount: UInt64.random(in: 1_000_000...2_000_000_000, using: &rng),
                    completionDate: completed <= referenceDate ? completed : nil,
                    awards: Int.random(in: 0..<8, using: &rng) == 0
                        ? [SyntheticData.awards.pick(using: &rng)] : []))
        }

        var records: [DemoRecord] = []
        let recordCount = Int.random(in: 5...15, using: &rng)
        for r in 0..<recordCount {
            let roll = Int.random(in: 0..<100, using: &rng)
            let kind: RecordKind = roll < 75 ? .good : roll < 97 ? .bad : .blacklist
            let decided = referenceDate.shifted(days: -Int.random(in: 7...1_800, using: &rng))
            let months = kind == .good ? 36 : Int.random(in: 6...36, using: &rng)
            let code: BehaviourCode? =
                kind == .good ? nil : try BehaviourCode(SyntheticData.badCodes.pick(using: &rng))
            let from = decided.shifted(days: 7)
            records.append(
                DemoRecord(
                    record: CreditRecord(
                        recordNumber: try RecordNumber(
                            province + "0000" + Self.digits(UInt64(index * 16 + r), width: 10)),
                        kind: kind, behaviourCode: code,
                        decisionNumber:
                            "\(short)建\(kind == .good ? "奖" : "罚")〔\(decided.year)〕\(Int.random(in: 1...400, using: &rng))号",
                        authority: authority, authorityLevel: .province, decisionDate: decided, publishedFrom: from,
                        publishedUntil: from.shifted(months: months),
                        summary: code?.behaviourDescription ?? (kind == .good ? "获评年度文明工地" : "违反工程建设强制性标准")),
                    withdrawn: Int.random(in: 0..<100, using: &rng) == 0))
        }

        var serial: [UInt8] = [0xD0, UInt8(province) ?? 0]
        withUnsafeBytes(of: UInt32(clamping: index).bigEndian) { serial += $0 }
        serial += [0x00, 0x01]
        return DemoEnterprise(
            enterprise: enterprise, qualifications: qualifications, practitioners: practitioners, projects: projects,
            records: records, card: try CardSerial(bytes: serial))
    }

    /// The USCC of enterprise `index` registered in `region`, and its organisation code: unique for
    /// every index below 10⁸, because the organisation-code body is a bijection of the index.
    public static func uscc(index: Int, region: String) throws(IdentifierError) -> (USCC, String) {
        let body = digits((UInt64(clamping: index) &* 7_919 &+ 1_234_567) % 100_000_000, width: 8)
        let orgCheck = CheckCharacters.organizationCode(body.map(\.generatedDigit))
        let orgCode = body + (orgCheck == 10 ? "X" : String(orgCheck))
        let partial = "91" + region + orgCode
        let check = USCC.characterSet[CheckCharacters.uscc(partial.map { USCC.characterSet.firstIndex(of: $0) ?? 0 })]
        return (try USCC(partial + String(check)), orgCode)
    }

    /// A two-character trade name that differs between neighbouring indices.
    static func tradeName(_ index: Int) -> String {
        let words = Array("华建宏泰恒达中兴安盛信和通远鑫源金诚联合永嘉天成东方海纳")
        return String(words[index % words.count]) + String(words[(index / words.count + 7 * index) % words.count])
    }

    static func digits(_ value: UInt64, width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
