/// A small, fast, seedable random generator (SplitMix64), so synthetic data is the same on every
/// machine for the same seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Synthetic but valid handbook data: identifiers that pass their checks, realistic names,
/// qualifications, practitioners, projects and records in the three provinces. Deterministic for a
/// given generator state. Used by tests, benchmarks and the demo; never real data.
public enum SyntheticData {
    public static let prefectures = [
        "310101", "310104", "310115", "310117", "320100", "320200", "320500", "320583", "321000", "330100", "330200",
        "330300", "330600", "330782",
    ]
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
    static let givenNames = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂")
    static let companyWords = ["建工", "建设", "城建", "市政", "路桥", "安装", "装饰", "基础工程", "水利", "园林"]
    static let cityNames: [String: String] = [
        "31": "上海", "3201": "南京", "3202": "无锡", "3205": "苏州", "3210": "扬州", "3301": "杭州", "3302": "宁波", "3303": "温州",
        "3306": "绍兴", "3307": "金华",
    ]
    static let categories = [
        ("建筑工程施工总承包", ["特级", "壹级", "贰级", "叁级"]), ("市政公用工程施工总承包", ["壹级", "贰级", "叁级"]),
        ("机电工程施工总承包", ["壹级", "贰级"]), ("地基基础工程专业承包", ["壹级", "贰级", "叁级"]),
        ("建筑装修装饰工程专业承包", ["壹级", "贰级"]), ("工程监理综合资质", ["甲级"]),
    ]
    static let registrations = ["一级注册建造师", "二级注册建造师", "注册监理工程师", "一级注册结构工程师", "注册造价工程师"]
    static let projectKinds = ["住宅小区", "综合楼", "轨道交通站点", "学校教学楼", "医院门诊楼", "道路改建工程", "桥梁工程", "产业园厂房"]
    static let awards = ["鲁班奖", "白玉兰奖", "扬子杯", "钱江杯", "国家优质工程奖"]
    static let authorities: [String: String] = ["31": "上海市住房和城乡建设管理委员会", "32": "江苏省住房和城乡建设厅", "33": "浙江省住房和城乡建设厅"]
    static let badCodes = [
        "D1-1-01", "D1-1-03", "D1-1-05", "D1-2-02", "D1-2-05", "D1-3-01", "D1-3-03", "D1-4-02", "D1-5-01",
    ]

    /// A valid USCC of an enterprise (type 91) registered in `region`.
    public static func uscc(region: String, using rng: inout some RandomNumberGenerator) throws(IdentifierError) -> USCC
    {
        let body = organizationCodeBody(using: &rng)
        let orgCheck = CheckCharacters.organizationCode(body.map(\.generatedDigit))
        let orgCode = body + (orgCheck == 10 ? "X" : String(orgCheck))
        let partial = "91" + region + orgCode
        let values = partial.map { USCC.characterSet.firstIndex(of: $0) ?? 0 }
        let check = USCC.characterSet[CheckCharacters.uscc(values)]
        return try USCC(partial + String(check))
    }

    /// A valid 18-digit resident identity number.
    public static func residentIdentity(region: String, using rng: inout some RandomNumberGenerator)
        throws(IdentifierError) -> PersonIdentifier
    {
        let birth = CardDate(daysSince1970: Int.random(in: -7300...10_000, using: &rng))
        let sequence = Int.random(in: 1...999, using: &rng)
        let body =
            region + birth.yyyymmdd + String(repeating: "0", count: 3 - String(sequence).count) + String(sequence)
        let check = CheckCharacters.mod11_2(body.map(\.generatedDigit))
        return try PersonIdentifier(type: .residentIdentityCard, number: body + (check == 10 ? "X" : String(check)))
    }

    /// A view of one enterprise with the given numbers of items.
    public static func view(
        qualifications: Int, practitioners: Int, projects: Int, goodRecords: Int, badRecords: Int, blacklist: Int = 0,
        using rng: inout some RandomNumberGenerator
    ) throws(IdentifierError) -> HandbookView {
        let region = prefectures.pick(using: &rng)
        let province = String(region.prefix(2))
        let city = cityNames[String(region.prefix(4))] ?? cityNames[province] ?? "上海"
        let name = "\(city)\(surnames.pick(using: &rng))氏\(companyWords.pick(using: &rng))集团有限公司"
        let enterprise = Enterprise(
            uscc: try uscc(region: region, using: &rng), name: name, legalRepresentative: personName(using: &rng),
            registeredRegion: try RegionCode(region))
        let authority = authorities[province] ?? ""
        var view = HandbookView(enterprise: enterprise)
        for index in 0..<qualifications {
            let (category, grades) = categories[index % categories.count]
            let from = CardDate(daysSince1970: Int.random(in: 16_000...20_000, using: &rng))
            view.qualifications.append(
                Qualification(
                    category: category, grade: grades.pick(using: &rng),
                    certificateNumber: "D\(province)\(String(Int.random(in: 1_000_000...9_999_999, using: &rng)))",
                    validFrom: from, validUntil: from.shifted(months: 60), issuingAuthority: authority))
        }
        for _ in 0..<practitioners {
            let identity = try residentIdentity(region: prefectures.pick(using: &rng), using: &rng)
            view.practitioners.append(
                Practitioner(
                    name: personName(using: &rng), registrationType: registrations.pick(using: &rng),
                    registrationNumber:
                        "\(province == "31" ? "沪" : province == "32" ? "苏" : "浙")1\(province)\(Int.random(in: 10_000_000...99_999_999, using: &rng))",
                    identity: identity))
        }
        for index in 0..<projects {
            let county = prefectures.pick(using: &rng)
            let started = CardDate(daysSince1970: Int.random(in: 12_000...20_000, using: &rng))
            let number = county + String(started.yyyymmdd.dropFirst(2)) + String(1000 + index % 9000)
            let completed =
                Bool.random(using: &rng) ? started.shifted(months: Int.random(in: 12...48, using: &rng)) : nil
            view.projects.append(
                Project(
                    projectNumber: try ProjectNumber(number),
                    name:
                        "\(cityNames[String(county.prefix(4))] ?? cityNames[String(county.prefix(2))] ?? "")\(projectKinds.pick(using: &rng))\(index + 1)号",
                    role: ProjectRole.allCases.pick(using: &rng),
                    contractAmount: UInt64.random(in: 1_000_000...2_000_000_000, using: &rng),
                    completionDate: completed,
                    awards: Int.random(in: 0..<10, using: &rng) == 0 ? [awards.pick(using: &rng)] : []))
        }
        var serial: UInt64 = UInt64.random(in: 1...1_000_000, using: &rng)
        func record(_ kind: RecordKind) throws(IdentifierError) -> CreditRecord {
            serial += 1
            let decided = CardDate(daysSince1970: Int.random(in: 19_000...20_400, using: &rng))
            let months = kind == .good ? 36 : Int.random(in: 6...36, using: &rng)
            let code: BehaviourCode? = kind == .good ? nil : try BehaviourCode(badCodes.pick(using: &rng))
            return CreditRecord(
                recordNumber: try RecordNumber(region: try RegionCode(province + "0000"), serial: serial), kind: kind,
                behaviourCode: code,
                decisionNumber:
                    "\(province == "31" ? "沪" : province == "32" ? "苏" : "浙")建\(kind == .good ? "奖" : "罚")〔\(decided.year)〕\(Int.random(in: 1...400, using: &rng))号",
                authority: authority, authorityLevel: .province, decisionDate: decided,
                publishedFrom: decided.shifted(days: 7),
                publishedUntil: decided.shifted(days: 7).shifted(months: months),
                summary: code?.behaviourDescription ?? (kind == .good ? "获评年度文明工地" : "违反工程建设强制性标准"))
        }
        for kind in Array(repeating: RecordKind.good, count: goodRecords)
            + Array(repeating: .bad, count: badRecords) + Array(repeating: .blacklist, count: blacklist)
        {
            view.creditRecords.append(try record(kind))
        }
        return view
    }

    public static func personName(using rng: inout some RandomNumberGenerator) -> String {
        String(surnames.pick(using: &rng)) + String(givenNames.pick(using: &rng))
            + (Bool.random(using: &rng) ? String(givenNames.pick(using: &rng)) : "")
    }

    static func organizationCodeBody(using rng: inout some RandomNumberGenerator) -> String {
        String((0..<8).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
    }

}

extension CardDate {
    /// The date `days` days after 1970-01-01, held to the years 0001–9999.
    public init(daysSince1970 days: Int) {
        let earliest = CardTimestamp.days(fromCivil: 1, 1, 1)
        let latest = CardTimestamp.days(fromCivil: 9999, 12, 31)
        let (year, month, day) = CardTimestamp.civil(fromDays: min(max(days, earliest), latest))
        self.init(unchecked: year, month, day)
    }

    /// For generated data, whose dates lie decades inside the range: `adding(days:)`, held to the range.
    func shifted(days: Int) -> CardDate { (try? adding(days: days)) ?? self }

    /// For generated data: `adding(months:)`, held to the range.
    func shifted(months: Int) -> CardDate { (try? adding(months: months)) ?? self }
}

extension Array {
    /// An element chosen by `rng` from a table the generator knows to be non-empty.
    func pick(using rng: inout some RandomNumberGenerator) -> Element {
        self[Int(rng.next() % UInt64(Swift.max(count, 1)))]
    }
}

extension Character {
    /// The value of a digit the generator wrote itself.
    var generatedDigit: Int { wholeNumberValue ?? 0 }
}
