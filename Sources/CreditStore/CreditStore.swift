import Foundation
import HandbookCodec

/// The view of an enterprise as of a day, with the database revision it was read at.
public struct RevisionedView: Sendable, Hashable, Codable {
    public var view: HandbookView
    /// The database revision the whole view was read at (one snapshot).
    public var revision: UInt64
    /// The day publication windows and validity were applied for.
    public var asOf: CardDate
}

/// What the database says about a card.
public struct CardStatusReport: Sendable, Hashable, Codable {
    public var serial: CardSerial
    public var profile: String
    public var state: CardState
    public var uscc: USCC?
    /// The region the card's enterprise is registered in.
    public var registeredRegion: RegionCode?
    /// The document the card should carry, and its state.
    public var document: DocumentNumber?
    public var documentState: DocumentState?
    /// The revision the card's document was built from.
    public var viewRevision: UInt64?
    /// The database revision this answer was read at.
    public var revision: UInt64
}

/// A row of the audit log.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var id: Int64
    public var at: CardTimestamp
    public var account: String
    public var action: String
    public var subject: String
    /// JSON with the operation's particulars.
    public var detail: String
    public var revision: UInt64
    /// Hex SHA-256 of the previous entry (zeros for the first).
    public var previousHash: String
    /// Hex SHA-256 over the previous hash and this entry's fields.
    public var hash: String
}

/// What walking the audit chain found.
public struct AuditVerification: Sendable, Hashable, Codable {
    public var entries: Int
    /// The hash of the last entry (hex): anchor it elsewhere (packages carry it) to detect truncation.
    public var head: String
    /// The first entry that does not hash to what it says, or does not follow its predecessor.
    public var firstBrokenEntry: Int64?
    public var problem: String?

    public var isIntact: Bool { firstBrokenEntry == nil }
}

/// What an import did.
public struct ImportSummary: Sendable, Hashable, Codable {
    public var file: String
    public var entity: ImportEntity
    public var rows: Int
    public var inserted: Int
    public var updated: Int
    public var unchanged: Int
    /// The revision after the import (unchanged when nothing changed).
    public var revision: UInt64
}

/// Progress through an import file, reported every few thousand rows.
public struct ImportProgress: Sendable {
    public var file: String
    public var bytesRead: Int
    public var totalBytes: Int
    public var rows: Int
    /// True once the file has been read; applying it follows.
    public var finishedReading: Bool
}

/// The credit database: enterprises, practitioners, projects, qualifications, credit records and
/// their workflow, cards and documents, the issuance journal and the audit log (DESIGN.md §6).
///
/// Every change increments the database revision and appends an entry to the hash-chained audit
/// log in the same transaction. Every operation names the acting account and is refused unless the
/// account's role and regions allow it. ``SQLiteCreditStore`` is the embedded implementation; the
/// interface is what a PostgreSQL implementation would satisfy.
public protocol CreditStore: Sendable {
    /// The current database revision.
    func revision() async throws(StoreError) -> UInt64

    // MARK: Accounts

    /// Creates an account. The first account of a database must be an admin and needs no actor.
    func createAccount(
        name: String, role: Role, scope: RegionScope, passwordHash: String?, by actor: Account?
    ) async throws(StoreError) -> Account
    /// The account of that login name.
    func account(named name: String) async throws(StoreError) -> Account?
    /// The stored password hash of an account, for the service's login.
    func passwordHash(ofAccount name: String) async throws(StoreError) -> String?
    /// Every account.
    func accounts() async throws(StoreError) -> [Account]
    /// Disables or enables an account.
    func setDisabled(_ disabled: Bool, account name: String, by actor: Account) async throws(StoreError) -> Account

    // MARK: Enterprises

    /// The enterprise with that USCC, organisation code or registration number.
    func enterprise(identifiedBy key: String) async throws(StoreError) -> Enterprise?
    /// Enterprises whose name starts with `prefix`, at most `limit`.
    func enterprises(namePrefix prefix: String, limit: Int) async throws(StoreError) -> [Enterprise]

    // MARK: The record workflow

    /// Records a new credit record (采集); it waits for approval.
    func record(_ draft: RecordDraft, by actor: Account) async throws(StoreError) -> StoredRecord
    /// Approves a recorded record (审核).
    func approve(_ number: RecordNumber, by actor: Account) async throws(StoreError) -> StoredRecord
    /// Rejects a recorded record.
    func reject(_ number: RecordNumber, reason: String, by actor: Account) async throws(StoreError) -> StoredRecord
    /// Publishes an approved record: its window starts `on` and lasts its months.
    func publish(_ number: RecordNumber, on day: CardDate, by actor: Account) async throws(StoreError) -> StoredRecord
    /// Withdraws a record (the decision was revoked); it leaves every view, its history stays.
    func withdraw(_ number: RecordNumber, reason: String, by actor: Account) async throws(StoreError) -> StoredRecord
    /// Amends a record's decision fields; the previous version stays in the history.
    func amend(_ number: RecordNumber, _ amendment: RecordAmendment, reason: String, by actor: Account)
        async throws(StoreError) -> StoredRecord
    /// Files an enterprise's application to shorten a published bad record's window.
    func requestShortening(_ number: RecordNumber, until: CardDate, reason: String, by actor: Account)
        async throws(StoreError) -> ShorteningRequest
    /// Approves a shortening: the window then ends on the requested day (never < 3 months).
    func approveShortening(_ requestID: Int64, by actor: Account) async throws(StoreError) -> StoredRecord
    /// A record as it stands.
    func creditRecord(_ number: RecordNumber) async throws(StoreError) -> StoredRecord?
    /// Every step of a record's history, oldest first.
    func history(of number: RecordNumber) async throws(StoreError) -> [RecordHistoryEntry]

    // MARK: Views and cards

    /// The current view of an enterprise as of `day`: what a card issued now would carry.
    func currentView(of uscc: USCC, on day: CardDate) async throws(StoreError) -> RevisionedView?
    /// Registers a blank card.
    func registerCard(_ serial: CardSerial, profile: String, by actor: Account) async throws(StoreError)
    /// What the database says about a card.
    func cardStatus(_ serial: CardSerial) async throws(StoreError) -> CardStatusReport?

    // MARK: Issuance (DESIGN.md §6: a journal entry first, the database commit last)

    /// Opens an issuance: checks the issuer's region against the enterprise's, that the card is not
    /// revoked and has no other open issuance, registers an unknown card, reserves the next document
    /// number of `office`, and records the entry.
    func openIssuance(
        card: CardSerial, profile: String, uscc: USCC, office: RegionCode, reader: String?, by actor: Account
    ) async throws(StoreError) -> JournalEntry
    /// Records the next step; from `writing` on, with the signed document and what it was built from.
    func advanceIssuance(
        _ id: Int64, to step: IssuanceStep, document: [UInt8]?, viewRevision: UInt64?, expiresOn: CardDate?
    ) async throws(StoreError) -> JournalEntry
    /// Commits a written document: the document row, the enterprise's earlier documents superseded,
    /// the card issued with it, the journal entry closed — one transaction.
    func commitIssuance(_ id: Int64) async throws(StoreError) -> IssuedDocument
    /// Closes an entry without a new document (the card kept what it had), or flags it for a person.
    func closeIssuance(_ id: Int64, as state: JournalState, note: String) async throws(StoreError)
    /// Records that a card was personalised but carries no document of this database yet.
    func markPersonalised(_ card: CardSerial) async throws(StoreError)
    /// The entries still open or flagged for attention, oldest first.
    func openIssuances() async throws(StoreError) -> [JournalEntry]
    /// One journal entry.
    func journalEntry(_ id: Int64) async throws(StoreError) -> JournalEntry?
    /// Revokes a card (and the document it carries).
    func revokeCard(_ serial: CardSerial, reason: String, by actor: Account) async throws(StoreError)
        -> CardStatusReport
    /// Revokes one document.
    func revokeDocument(_ number: DocumentNumber, reason: String, by actor: Account) async throws(StoreError)
    /// Keeps a verifier's proof of check.
    func recordCheck(_ check: CheckRecord, by actor: Account) async throws(StoreError) -> StoredCheck
    /// The proofs of check of a card, newest first.
    func checks(of card: CardSerial, limit: Int) async throws(StoreError) -> [StoredCheck]

    // MARK: Data exchange

    /// Imports one JSON Lines file (Docs/IMPORT-FORMAT.md) whole or not at all.
    func importFile(
        at url: URL, by actor: Account, progress: (@Sendable (ImportProgress) -> Void)?
    ) async throws(StoreError) -> ImportSummary
    /// Writes a region's package lines (views, cards, documents) to `write`, read at one snapshot.
    /// Returns the header fields the snapshot gives: revision and audit head.
    func exportPackageLines(
        region: RegionCode, on day: CardDate, by actor: Account,
        writeHeader: (UInt64, String) throws -> Void,
        write: (DataPackageLine) throws -> Void
    ) async throws(StoreError)

    // MARK: Audit

    /// Audit entries with ids above `after`, oldest first, at most `limit`.
    func auditEntries(after: Int64, limit: Int) async throws(StoreError) -> [AuditEntry]
    /// Walks the whole audit chain.
    func verifyAuditChain() async throws(StoreError) -> AuditVerification
}
