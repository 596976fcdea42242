/// The handbook's content as Swift values: what the credit database's current view of an
/// enterprise holds, and what a card carries of it.
///
/// Every value here has passed validation: identifiers through their types, text through
/// ``HandbookText``. Practitioners' identity numbers are held only masked.

/// The enterprise the handbook belongs to.
public struct Enterprise: Sendable, Hashable, Codable {
    /// The unified social credit identifier, the enterprise's key.
    public var uscc: USCC
    /// The registered name, 上海市第一建筑有限公司.
    public var name: String
    /// The legal representative (法定代表人).
    public var legalRepresentative: String
    /// The region of registration (注册属地).
    public var registeredRegion: RegionCode
    /// The organisation code from before 2015, if the enterprise had one.
    public var organizationCode: OrganizationCode?
    /// The 15-digit registration number from before 2015, if the enterprise had one.
    public var registrationNumber: RegistrationNumber?

    public init(
        uscc: USCC, name: String, legalRepresentative: String, registeredRegion: RegionCode,
        organizationCode: OrganizationCode? = nil, registrationNumber: RegistrationNumber? = nil
    ) {
        self.uscc = uscc
        self.name = name
        self.legalRepresentative = legalRepresentative
        self.registeredRegion = registeredRegion
        self.organizationCode = organizationCode
        self.registrationNumber = registrationNumber
    }
}

/// A qualification (资质): its natural key is the certificate number together with the category.
public struct Qualification: Sendable, Hashable, Codable {
    /// 建筑工程施工总承包.
    public var category: String
    /// 特级, 壹级, 甲级 …
    public var grade: String
    /// The certificate number, D131045678.
    public var certificateNumber: String
    public var validFrom: CardDate
    public var validUntil: CardDate
    /// The issuing authority, 上海市住房和城乡建设管理委员会.
    public var issuingAuthority: String

    public init(
        category: String, grade: String, certificateNumber: String, validFrom: CardDate, validUntil: CardDate,
        issuingAuthority: String
    ) {
        self.category = category
        self.grade = grade
        self.certificateNumber = certificateNumber
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.issuingAuthority = issuingAuthority
    }

    /// The key by which a card's and a view's qualifications are matched.
    public var naturalKey: String { certificateNumber + "/" + category }
}

/// A registered practitioner (注册执业人员) of the enterprise.
public struct Practitioner: Sendable, Hashable, Codable {
    public var name: String
    /// 一级注册建造师, 注册监理工程师 …
    public var registrationType: String
    /// The registration number, 沪1311234567890; the natural key.
    public var registrationNumber: String
    /// The identity document type.
    public var identityType: IdentityDocumentType
    /// The identity number, masked (`3101**********0018`); the full number never reaches a card.
    public var maskedIdentityNumber: String

    /// A practitioner whose identity number is masked from `identity`.
    public init(name: String, registrationType: String, registrationNumber: String, identity: PersonIdentifier) {
        self.init(
            name: name, registrationType: registrationType, registrationNumber: registrationNumber,
            identityType: identity.type,
            maskedIdentityNumber: identity.masked)
    }

    /// A practitioner as read from a card: the number already masked.
    public init(
        name: String, registrationType: String, registrationNumber: String, identityType: IdentityDocumentType,
        maskedIdentityNumber: String
    ) {
        self.name = name
        self.registrationType = registrationType
        self.registrationNumber = registrationNumber
        self.identityType = identityType
        self.maskedIdentityNumber = maskedIdentityNumber
    }
}

/// The part an enterprise played in a project.
public enum ProjectRole: UInt8, Sendable, Hashable, CaseIterable, Codable {
    case generalContractor = 1
    case subcontractor = 2
    case design = 3
    case survey = 4
    case supervision = 5
    case constructionUnit = 6
    case costConsulting = 7

    /// The name JSON, import files and forms use: `general-contractor`, `cost-consulting` …
    public var name: String {
        switch self {
        case .generalContractor: return "general-contractor"
        case .subcontractor: return "subcontractor"
        case .design: return "design"
        case .survey: return "survey"
        case .supervision: return "supervision"
        case .constructionUnit: return "construction-unit"
        case .costConsulting: return "cost-consulting"
        }
    }

    /// The role of that name.
    public init?(name: some StringProtocol) {
        guard let role = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = role
    }

    /// The Chinese name, 施工总承包.
    public var chineseName: String {
        switch self {
        case .generalContractor: return "施工总承包"
        case .subcontractor: return "专业分包"
        case .design: return "设计"
        case .survey: return "勘察"
        case .supervision: return "监理"
        case .constructionUnit: return "建设单位"
        case .costConsulting: return "造价咨询"
        }
    }
}

/// A project of the enterprise's performance record (业绩).
public struct Project: Sendable, Hashable, Codable {
    public var projectNumber: ProjectNumber
    public var name: String
    public var role: ProjectRole
    /// The contract amount in yuan.
    public var contractAmount: UInt64
    /// The date of completion acceptance (竣工验收), if completed.
    public var completionDate: CardDate?
    /// Awards the project received (鲁班奖, 白玉兰奖 …).
    public var awards: [String]

    public init(
        projectNumber: ProjectNumber, name: String, role: ProjectRole, contractAmount: UInt64,
        completionDate: CardDate?,
        awards: [String] = []
    ) {
        self.projectNumber = projectNumber
        self.name = name
        self.role = role
        self.contractAmount = contractAmount
        self.completionDate = completionDate
        self.awards = awards
    }
}

/// Whether a credit record tells for or against the enterprise.
public enum RecordKind: UInt8, Sendable, Hashable, CaseIterable, Codable {
    /// 良好行为记录.
    case good = 1
    /// 不良行为记录.
    case bad = 2
    /// 黑名单.
    case blacklist = 3

    /// Bad records and blacklist entries: never left off a card.
    public var isUnfavourable: Bool { self != .good }

    /// The name JSON, import files, forms and the database use: `good`, `bad`, `blacklist`.
    public var name: String {
        switch self {
        case .good: return "good"
        case .bad: return "bad"
        case .blacklist: return "blacklist"
        }
    }

    /// The kind of that name.
    public init?(name: some StringProtocol) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    /// The English name.
    public var englishName: String {
        switch self {
        case .good: return "good behaviour"
        case .bad: return "bad behaviour"
        case .blacklist: return "blacklist"
        }
    }

    /// The Chinese name.
    public var chineseName: String {
        switch self {
        case .good: return "良好行为"
        case .bad: return "不良行为"
        case .blacklist: return "黑名单"
        }
    }
}

/// The level of the authority that took a decision (实施部门级别).
public enum AuthorityLevel: UInt8, Sendable, Hashable, CaseIterable, Codable {
    case ministry = 0
    case province = 1
    case city = 2
    case county = 3

    /// The name JSON, import files and forms use: `ministry`, `province`, `city`, `county`.
    public var name: String {
        switch self {
        case .ministry: return "ministry"
        case .province: return "province"
        case .city: return "city"
        case .county: return "county"
        }
    }

    /// The level of that name.
    public init?(name: some StringProtocol) {
        guard let level = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }

    /// The Chinese name.
    public var chineseName: String {
        switch self {
        case .ministry: return "部级"
        case .province: return "省级"
        case .city: return "地市级"
        case .county: return "区县级"
        }
    }
}

/// A published credit record; its natural key is the record number.
public struct CreditRecord: Sendable, Hashable, Codable {
    public var recordNumber: RecordNumber
    public var kind: RecordKind
    /// The behaviour code of the 认定标准 (required for bad and blacklist records).
    public var behaviourCode: BehaviourCode?
    /// The decision document number (决定文号), 沪建罚〔2024〕12号.
    public var decisionNumber: String
    /// The deciding authority (实施部门).
    public var authority: String
    public var authorityLevel: AuthorityLevel
    public var decisionDate: CardDate
    /// The publication window (发布有效期).
    public var publishedFrom: CardDate
    public var publishedUntil: CardDate
    /// What the decision was about (决定内容), in short.
    public var summary: String

    public init(
        recordNumber: RecordNumber, kind: RecordKind, behaviourCode: BehaviourCode?, decisionNumber: String,
        authority: String,
        authorityLevel: AuthorityLevel, decisionDate: CardDate, publishedFrom: CardDate, publishedUntil: CardDate,
        summary: String
    ) {
        self.recordNumber = recordNumber
        self.kind = kind
        self.behaviourCode = behaviourCode
        self.decisionNumber = decisionNumber
        self.authority = authority
        self.authorityLevel = authorityLevel
        self.decisionDate = decisionDate
        self.publishedFrom = publishedFrom
        self.publishedUntil = publishedUntil
        self.summary = summary
    }
}

/// The current view of an enterprise: everything a card could carry, before the capacity planner
/// chooses what fits. The service computes it from the database; the verifier compares a card with it.
public struct HandbookView: Sendable, Hashable, Codable {
    public var enterprise: Enterprise
    public var qualifications: [Qualification]
    public var practitioners: [Practitioner]
    public var projects: [Project]
    public var creditRecords: [CreditRecord]

    public init(
        enterprise: Enterprise, qualifications: [Qualification] = [], practitioners: [Practitioner] = [],
        projects: [Project] = [], creditRecords: [CreditRecord] = []
    ) {
        self.enterprise = enterprise
        self.qualifications = qualifications
        self.practitioners = practitioners
        self.projects = projects
        self.creditRecords = creditRecords
    }

    /// Totals over every project, kept on the card even when projects are left out.
    public var performance: PerformanceSummary {
        PerformanceSummary(
            projectCount: UInt32(clamping: projects.count),
            totalContractAmount: projects.reduce(0) { $0 &+ $1.contractAmount })
    }
}

/// Totals of the enterprise's performance record.
public struct PerformanceSummary: Sendable, Hashable, Codable {
    public var projectCount: UInt32
    /// The sum of all contract amounts, in yuan.
    public var totalContractAmount: UInt64

    public init(projectCount: UInt32, totalContractAmount: UInt64) {
        self.projectCount = projectCount
        self.totalContractAmount = totalContractAmount
    }
}

/// How many items of each section the capacity planner left off the card.
public struct OmittedCounts: Sendable, Hashable, Codable {
    public var practitioners: UInt32
    public var projects: UInt32
    public var goodRecords: UInt32

    public init(practitioners: UInt32 = 0, projects: UInt32 = 0, goodRecords: UInt32 = 0) {
        self.practitioners = practitioners
        self.projects = projects
        self.goodRecords = goodRecords
    }

    /// Whether the card holds the whole view.
    public var isComplete: Bool { practitioners == 0 && projects == 0 && goodRecords == 0 }
}

/// The licensing office that issued a document.
public struct IssuingOffice: Sendable, Hashable, Codable {
    public var region: RegionCode
    public var name: String

    public init(region: RegionCode, name: String) {
        self.region = region
        self.name = name
    }
}

/// What identifies a document and binds it to one card.
public struct DocumentHeader: Sendable, Hashable, Codable {
    /// The format version this header was written in.
    public var formatVersion: UInt8
    public var documentNumber: DocumentNumber
    /// The serial of the one card this document belongs on.
    public var cardSerial: CardSerial
    public var issuedAt: CardTimestamp
    /// The last day the document is valid.
    public var expiresOn: CardDate
    public var issuingOffice: IssuingOffice
    /// The credit database revision the view was taken at.
    public var databaseRevision: UInt64
    /// The card's authentication public key (DER SubjectPublicKeyInfo), generated on the card.
    public var cardPublicKey: [UInt8]

    public init(
        formatVersion: UInt8 = HandbookFormat.version, documentNumber: DocumentNumber, cardSerial: CardSerial,
        issuedAt: CardTimestamp, expiresOn: CardDate, issuingOffice: IssuingOffice, databaseRevision: UInt64,
        cardPublicKey: [UInt8]
    ) {
        self.formatVersion = formatVersion
        self.documentNumber = documentNumber
        self.cardSerial = cardSerial
        self.issuedAt = issuedAt
        self.expiresOn = expiresOn
        self.issuingOffice = issuingOffice
        self.databaseRevision = databaseRevision
        self.cardPublicKey = cardPublicKey
    }
}

/// The signed part of a document: header, the chosen part of the view, totals and omissions.
public struct HandbookContent: Sendable, Hashable, Codable {
    public var header: DocumentHeader
    public var enterprise: Enterprise
    public var qualifications: [Qualification]
    public var practitioners: [Practitioner]
    public var performance: PerformanceSummary
    public var projects: [Project]
    public var creditRecords: [CreditRecord]
    public var omitted: OmittedCounts

    public init(
        header: DocumentHeader, enterprise: Enterprise, qualifications: [Qualification], practitioners: [Practitioner],
        performance: PerformanceSummary, projects: [Project], creditRecords: [CreditRecord], omitted: OmittedCounts
    ) {
        self.header = header
        self.enterprise = enterprise
        self.qualifications = qualifications
        self.practitioners = practitioners
        self.performance = performance
        self.projects = projects
        self.creditRecords = creditRecords
        self.omitted = omitted
    }
}

/// The signature part of a document.
public struct HandbookSignature: Sendable, Hashable {
    /// The signature algorithm's OID (ecdsa-with-SHA256 or SM2-with-SM3).
    public var algorithm: OID
    /// The signer's X.509 certificate, DER.
    public var certificate: [UInt8]
    /// The signature value, DER (r, s).
    public var value: [UInt8]

    public init(algorithm: OID, certificate: [UInt8], value: [UInt8]) {
        self.algorithm = algorithm
        self.certificate = certificate
        self.value = value
    }
}
