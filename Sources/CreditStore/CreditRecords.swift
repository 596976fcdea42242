import HandbookCodec

/// Where a credit record is in the workflow of the seed: recorded by a city bureau (采集), approved by
/// the province (审核), published; or rejected, or withdrawn after publication.
public enum RecordStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case recorded
    case approved
    case published
    case rejected
    case withdrawn
}

/// A new credit record as a city bureau enters it. The store gives it its number: the recording
/// region's code and the next serial of that region (地区编号 + 流水号).
public struct RecordDraft: Sendable, Hashable, Codable {
    /// The region the record is made in (the bureau's own); it must be in the recorder's scope.
    public var region: RegionCode
    public var uscc: USCC
    public var kind: RecordKind
    /// Required for bad and blacklist records.
    public var behaviourCode: BehaviourCode?
    /// The project the behaviour happened on, if any.
    public var projectNumber: ProjectNumber?
    public var decisionNumber: String
    public var authority: String
    public var authorityLevel: AuthorityLevel
    public var decisionDate: CardDate
    /// How long the record is published once it is: 6–36 months for bad and blacklist, 36 for good.
    public var publicationMonths: Int
    public var summary: String

    public init(
        region: RegionCode, uscc: USCC, kind: RecordKind, behaviourCode: BehaviourCode?,
        projectNumber: ProjectNumber? = nil, decisionNumber: String, authority: String,
        authorityLevel: AuthorityLevel, decisionDate: CardDate, publicationMonths: Int, summary: String
    ) {
        self.region = region
        self.uscc = uscc
        self.kind = kind
        self.behaviourCode = behaviourCode
        self.projectNumber = projectNumber
        self.decisionNumber = decisionNumber
        self.authority = authority
        self.authorityLevel = authorityLevel
        self.decisionDate = decisionDate
        self.publicationMonths = publicationMonths
        self.summary = summary
    }
}

/// The fields an amendment may change (after 行政复议 changed the decision, say); nil keeps a field.
public struct RecordAmendment: Sendable, Hashable, Codable {
    public var behaviourCode: BehaviourCode?
    public var decisionNumber: String?
    public var authority: String?
    public var authorityLevel: AuthorityLevel?
    public var decisionDate: CardDate?
    public var summary: String?

    public init(
        behaviourCode: BehaviourCode? = nil, decisionNumber: String? = nil, authority: String? = nil,
        authorityLevel: AuthorityLevel? = nil, decisionDate: CardDate? = nil, summary: String? = nil
    ) {
        self.behaviourCode = behaviourCode
        self.decisionNumber = decisionNumber
        self.authority = authority
        self.authorityLevel = authorityLevel
        self.decisionDate = decisionDate
        self.summary = summary
    }

    /// Whether the amendment changes nothing.
    public var isEmpty: Bool {
        behaviourCode == nil && decisionNumber == nil && authority == nil && authorityLevel == nil
            && decisionDate == nil && summary == nil
    }
}

/// A credit record as the store holds it: the card's fields plus the workflow's.
public struct StoredRecord: Sendable, Hashable, Codable {
    public var recordNumber: RecordNumber
    public var uscc: USCC
    public var kind: RecordKind
    public var behaviourCode: BehaviourCode?
    public var projectNumber: ProjectNumber?
    public var decisionNumber: String
    public var authority: String
    public var authorityLevel: AuthorityLevel
    public var decisionDate: CardDate
    public var publicationMonths: Int
    /// Set when the record is published.
    public var publishedFrom: CardDate?
    /// The end of the publication window, shortened if a shortening was approved.
    public var publishedUntil: CardDate?
    public var summary: String
    public var status: RecordStatus
    /// Counts every change (amendment, shortening, status) from 1.
    public var version: Int

    /// The record as a card carries it, if it has been published.
    public var cardRecord: CreditRecord? {
        guard let publishedFrom, let publishedUntil else { return nil }
        return CreditRecord(
            recordNumber: recordNumber, kind: kind, behaviourCode: behaviourCode, decisionNumber: decisionNumber,
            authority: authority, authorityLevel: authorityLevel, decisionDate: decisionDate,
            publishedFrom: publishedFrom, publishedUntil: publishedUntil, summary: summary)
    }
}

/// One step of a record's history; the snapshot is the record as it stood after the step.
public struct RecordHistoryEntry: Sendable, Hashable, Codable {
    public var version: Int
    /// recorded, approved, published, rejected, withdrawn, amended, shortening-requested, shortened, imported.
    public var action: String
    public var account: String
    public var at: CardTimestamp
    public var reason: String?
    public var revision: UInt64
    public var snapshot: StoredRecord
}

/// An enterprise's application to shorten a bad record's publication after rectification.
public struct ShorteningRequest: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable { case pending, approved, rejected }
    public var id: Int64
    public var recordNumber: RecordNumber
    public var requestedUntil: CardDate
    public var reason: String
    public var status: Status
    /// Who filed it; they do not decide it (maker–checker).
    public var requestedBy: String
    public var decidedBy: String?
    /// Why it was refused, shown to whoever filed it.
    public var decisionReason: String?

    public init(
        id: Int64, recordNumber: RecordNumber, requestedUntil: CardDate, reason: String, status: Status,
        requestedBy: String, decidedBy: String? = nil, decisionReason: String? = nil
    ) {
        self.id = id
        self.recordNumber = recordNumber
        self.requestedUntil = requestedUntil
        self.reason = reason
        self.status = status
        self.requestedBy = requestedBy
        self.decidedBy = decidedBy
        self.decisionReason = decisionReason
    }
}

/// The publication rules of 建市[2007]9号 and 建市[2017]241号 (Docs/ARCHITECTURE.md §11.3).
public enum PublicationRules {
    /// Bad and blacklist records: 6 months to 3 years.
    public static let unfavourableMonths = 6...36
    /// Good records: 3 years.
    public static let favourableMonths = 36
    /// A shortened window never ends less than 3 months after it began.
    public static let minimumShortenedMonths = 3

    /// Checks a requested window length for a record kind.
    public static func check(months: Int, for kind: RecordKind) throws(StoreError) {
        if kind.isUnfavourable {
            guard unfavourableMonths.contains(months) else {
                throw StoreError(
                    .invalidInput,
                    "publicationMonths: a \(kind.chineseName) record is published 6 to 36 months; \(months) months was asked"
                )
            }
        } else if months != favourableMonths {
            throw StoreError(
                .invalidInput,
                "publicationMonths: a \(RecordKind.good.chineseName) record is published 36 months; \(months) months was asked"
            )
        }
    }
}
