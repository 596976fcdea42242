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
    /// The region the card belongs to: its enterprise's, or for a card not yet issued the region of
    /// the office that registered it.
    public var region: RegionCode?
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
    /// The region the change belongs to (who may read the entry); nil for platform-wide changes.
    public var region: String?
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
/// their workflow, cards and documents, the issuance journal and the audit log.
///
/// Every change increments the database revision and appends an entry to the hash-chained audit
/// log in the same transaction. Every operation a request can reach names the acting account and
/// is refused unless the account's role may take the action (``Action``) and the object lies in the
/// account's regions — something of another region answers exactly as if it did not exist. The
/// operations without an account are the system's own (login, recovery of issuances).
/// ``SQLCreditStore`` is the embedded implementation.
public protocol CreditStore: Sendable {
    /// The current database revision.
    func revision() async throws(StoreError) -> UInt64

    // MARK: Accounts

    /// Creates an account. The first account of a database must be an admin and needs no actor;
    /// after that, an admin creates accounts only inside its own regions.
    func createAccount(
        name: String, role: Role, scope: RegionScope, passwordHash: String?, by actor: Account?
    ) async throws(StoreError) -> Account
    /// The account of that login name (system: login and session checks).
    func account(named name: String) async throws(StoreError) -> Account?
    /// The stored password hash of an account (system: login).
    func passwordHash(ofAccount name: String) async throws(StoreError) -> String?
    /// The accounts an admin manages: those inside its regions.
    func accounts(by actor: Account) async throws(StoreError) -> [Account]
    /// Disables or enables an account inside the admin's regions.
    func setDisabled(_ disabled: Bool, account name: String, by actor: Account) async throws(StoreError) -> Account
    /// Changes an account's role or regions (nil keeps it); never to regions the admin does not hold.
    func updateAccount(_ name: String, role: Role?, scope: RegionScope?, by actor: Account) async throws(StoreError)
        -> Account
    /// Replaces an account's password hash (a reset by an admin of its regions).
    func setPasswordHash(_ hash: String, account name: String, by actor: Account) async throws(StoreError)

    // MARK: Enterprises

    /// The enterprise with that USCC, organisation code or registration number, if the actor sees it.
    func enterprise(identifiedBy key: String, by actor: Account) async throws(StoreError) -> Enterprise?
    /// Enterprises in the actor's regions whose name starts with `prefix`, at most `limit`.
    func enterprises(namePrefix prefix: String, limit: Int, by actor: Account) async throws(StoreError)
        -> [Enterprise]

    // MARK: The record workflow

    /// Records a new credit record (采集); it waits for approval.
    func record(_ draft: RecordDraft, by actor: Account) async throws(StoreError) -> StoredRecord
    /// Approves a recorded record (审核); never by whoever recorded or amended it.
    func approve(_ number: RecordNumber, by actor: Account) async throws(StoreError) -> StoredRecord
    /// Rejects a recorded record, with the reason the recorder sees.
    func reject(_ number: RecordNumber, reason: String, by actor: Account) async throws(StoreError) -> StoredRecord
    /// Publishes an approved record: its window starts `on` (near today) and lasts its months.
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
    /// Refuses a shortening, with the reason whoever filed it sees.
    func rejectShortening(_ requestID: Int64, reason: String, by actor: Account) async throws(StoreError)
        -> ShorteningRequest
    /// The shortening requests of a record, oldest first.
    func shorteningRequests(of number: RecordNumber, by actor: Account) async throws(StoreError)
        -> [ShorteningRequest]
    /// A record as it stands, if the actor sees it.
    func creditRecord(_ number: RecordNumber, by actor: Account) async throws(StoreError) -> StoredRecord?
    /// Records of the actor's regions by state, enterprise or recorder (work lists: the approval
    /// queue, a recorder's own records, an enterprise's records in every state).
    func creditRecords(_ query: WorkListQuery, by actor: Account) async throws(StoreError) -> [RecordListItem]
    /// Shortening requests waiting for a decision in the actor's regions, oldest first.
    func pendingShortenings(limit: Int, by actor: Account) async throws(StoreError) -> [ShorteningRequest]
    /// Every step of a record's history, oldest first.
    func history(of number: RecordNumber, by actor: Account) async throws(StoreError) -> [RecordHistoryEntry]

    // MARK: Views and cards

    /// The current view of an enterprise as of `day`: what a card issued now would carry.
    func currentView(of uscc: USCC, on day: CardDate, by actor: Account) async throws(StoreError) -> RevisionedView?
    /// Registers a blank card for the office of `region`.
    func registerCard(_ serial: CardSerial, profile: String, region: RegionCode, by actor: Account)
        async throws(StoreError)
    /// What the database says about a card, if the actor sees it.
    func cardStatus(_ serial: CardSerial, by actor: Account) async throws(StoreError) -> CardStatusReport?
    /// A card's state, the state of `document` (by default the card's current document) and the
    /// current view of the card's enterprise as of `day`, in one snapshot; nil when the actor does
    /// not see the card. A document of another card, or of an enterprise the actor does not see,
    /// is answered as unknown.
    func cardReference(_ serial: CardSerial, document: DocumentNumber?, on day: CardDate, by actor: Account)
        async throws(StoreError) -> CardReference?

    // MARK: Issuance (a journal entry first, the database commit last)

    /// Opens an issuance: checks the issuer's region against the office's and the enterprise's,
    /// that the card is not revoked and has no other open issuance, registers an unknown card,
    /// reserves the next document number of `office`, and records the entry.
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
    /// The entries still open or flagged for attention, oldest first (system: recovery).
    func openIssuances() async throws(StoreError) -> [JournalEntry]
    /// One journal entry (system: the issuer following its own issuance).
    func journalEntry(_ id: Int64) async throws(StoreError) -> JournalEntry?
    /// One journal entry, if the actor sees its enterprise.
    func journalEntry(_ id: Int64, by actor: Account) async throws(StoreError) -> JournalEntry?
    /// The issuance journal of a card, newest first (at most 100 entries).
    func journal(of card: CardSerial, by actor: Account) async throws(StoreError) -> [JournalEntry]
    /// The cards of an enterprise the actor sees.
    func cards(of uscc: USCC, by actor: Account) async throws(StoreError) -> [CardStatusReport]
    /// Revokes a card (and the document it carries).
    func revokeCard(_ serial: CardSerial, reason: String, by actor: Account) async throws(StoreError)
        -> CardStatusReport
    /// Revokes one document.
    func revokeDocument(_ number: DocumentNumber, reason: String, by actor: Account) async throws(StoreError)
    /// Keeps a verifier's proof of check of a card of the actor's regions; it gets an audit entry.
    func recordCheck(_ check: CheckRecord, by actor: Account) async throws(StoreError) -> StoredCheck
    /// The newest proofs of check of the actor's regions, over every card.
    func recentChecks(limit: Int, by actor: Account) async throws(StoreError) -> [StoredCheck]
    /// The proofs of check of a card, newest first.
    func checks(of card: CardSerial, limit: Int, by actor: Account) async throws(StoreError) -> [StoredCheck]

    // MARK: Data exchange

    /// Imports one JSON Lines file (Docs/IMPORT-FORMAT.md) whole or not at all; every row is
    /// authorised against the region of what it creates and of what it changes.
    func importFile(
        at url: URL, by actor: Account, progress: (@Sendable (ImportProgress) -> Void)?
    ) async throws(StoreError) -> ImportSummary
    /// Writes a region's package lines (views, cards, documents) into `sink`, read at one snapshot;
    /// `actor` nil is the service itself, building the packages it serves.
    func exportPackage(region: RegionCode, on day: CardDate, by actor: Account?, into sink: any PackageSink)
        async throws(StoreError)

    // MARK: Audit

    /// Audit entries of the actor's regions with ids above `after`, oldest first, at most `limit`.
    func auditEntries(after: Int64, limit: Int, by actor: Account) async throws(StoreError) -> [AuditEntry]
    /// Audit entries of the actor's regions matching the query, newest first.
    func auditEntries(_ query: AuditQuery, by actor: Account) async throws(StoreError) -> [AuditEntry]
    /// Walks the whole audit chain.
    func verifyAuditChain(by actor: Account) async throws(StoreError) -> AuditVerification
}
