import Foundation
import HandbookCodec

/// Where an issuance stands. The journal records each step before the step touches the card.
public enum IssuanceStep: String, Sendable, Hashable, CaseIterable, Codable {
    /// The entry exists, the document number is reserved; the card is untouched.
    case opened
    /// The card is being personalised (its key pair generated).
    case personalising
    /// The signed document is in the journal and is being written to the card.
    case writing
    /// The card holds the new document; the database commit follows.
    case committing
}

/// How an issuance ended, or that it has not.
public enum JournalState: String, Sendable, Hashable, Codable {
    case open
    case committed
    /// Given up; the card kept what it had.
    case abandoned
    /// Could not be resolved without a person (the card was not in its reader at start-up).
    case attention
}

/// One issuance in the journal.
public struct JournalEntry: Sendable, Hashable, Codable {
    public var id: Int64
    public var cardSerial: CardSerial
    public var uscc: USCC
    public var documentNumber: DocumentNumber
    public var reader: String?
    public var state: JournalState
    public var step: IssuanceStep
    public var cardProfile: String?
    /// Set from the `writing` step on: what goes onto the card.
    public var document: [UInt8]?
    public var viewRevision: UInt64?
    public var expiresOn: CardDate?
    public var account: String
    public var openedAt: CardTimestamp
    public var note: String?
}

/// A document the database recorded as issued.
public struct IssuedDocument: Sendable, Hashable, Codable {
    public var documentNumber: DocumentNumber
    public var cardSerial: CardSerial
    public var uscc: USCC
    public var viewRevision: UInt64
    /// The database revision of the commit.
    public var revision: UInt64
    /// The enterprise's documents that this one superseded.
    public var superseded: [DocumentNumber]
}

/// A proof of check that a verifier sends after checking a card.
public struct CheckRecord: Sendable, Hashable, Codable {
    public var checkedAt: CardTimestamp
    public var cardSerial: CardSerial
    public var documentNumber: DocumentNumber?
    /// The verdict's stable name (`current`, `outdated`, `revoked` …).
    public var verdict: String
    /// The database revision the card was compared against.
    public var comparedRevision: UInt64?
    public var detail: String?

    public init(
        checkedAt: CardTimestamp, cardSerial: CardSerial, documentNumber: DocumentNumber?, verdict: String,
        comparedRevision: UInt64?, detail: String?
    ) {
        self.checkedAt = checkedAt
        self.cardSerial = cardSerial
        self.documentNumber = documentNumber
        self.verdict = verdict
        self.comparedRevision = comparedRevision
        self.detail = detail
    }
}

/// A stored proof of check.
public struct StoredCheck: Sendable, Hashable, Codable {
    public var id: Int64
    public var check: CheckRecord
    public var account: String
    public var receivedAt: CardTimestamp
}
