import CardReader
import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816
import Logging
import Synchronization

/// What a licensing office signs and authenticates with.
public struct OfficeCredentials: Sendable {
    public let office: IssuingOffice
    public let key: PrivateKey
    public let certificate: Certificate
    /// The card-management master key (test material in Keys/; a real office keeps it in an HSM).
    public let masterKey: SymmetricKey
    /// How long a document is valid.
    public let validityMonths: Int

    public init(
        office: IssuingOffice, key: PrivateKey, certificate: Certificate, masterKey: SymmetricKey,
        validityMonths: Int = 12
    ) {
        self.office = office
        self.key = key
        self.certificate = certificate
        self.masterKey = masterKey
        self.validityMonths = validityMonths
    }
}

/// The outcome of an issuance.
public struct IssuanceResult: Sendable, Codable {
    public var journal: Int64
    public var document: DocumentNumber
    public var card: CardSerial
    public var profile: String
    public var uscc: USCC
    public var bytes: Int
    /// The database revision the view was taken at.
    public var viewRevision: UInt64
    /// The revision of the commit.
    public var revision: UInt64
    public var personalised: Bool
    public var superseded: [DocumentNumber]
}

/// What start-up did with one open journal entry.
public struct RecoveryOutcome: Sendable, Codable {
    public var journal: Int64
    public var card: CardSerial
    public var document: DocumentNumber
    public var outcome: JournalState
    public var note: String
}

/// Issues handbooks to cards in the readers of the service host, journalled (Docs/ARCHITECTURE.md §3): the
/// journal entry first, then personalisation if the card has no usable key, the tear-safe write
/// with read-back, then the database commit. `recover()` resolves what a crash left open.
public final class CardIssuer: Sendable {
    let store: any CreditStore
    let credentials: OfficeCredentials
    let clock: @Sendable () -> Date
    let logger: Logger
    /// Fault injection for the crash tests: the process kills itself with SIGKILL right after this
    /// point of an issuance. Only `handbook-issuer` sets it, from `HANDBOOK_CRASH_AT`.
    let crashPoint: CrashPoint?

    /// The points of an issuance where the crash tests stop the process.
    public enum CrashPoint: String, Sendable, CaseIterable {
        case opened, personalising, personalised, writing, written, committing
    }

    public init(
        store: any CreditStore, credentials: OfficeCredentials, logger: Logger = Logger(label: "handbook.issuance"),
        clock: @escaping @Sendable () -> Date = { Date() }, crashPoint: CrashPoint? = nil
    ) {
        self.store = store
        self.credentials = credentials
        self.logger = logger
        self.clock = clock
        self.crashPoint = crashPoint
    }

    private func reached(_ point: CrashPoint) {
        guard point == crashPoint else { return }
        logger.critical("HANDBOOK_CRASH_AT=\(point.rawValue): killing the process with SIGKILL")
        kill(getpid(), SIGKILL)
    }

    /// Readers with an issuance in progress in this process.
    let busy = BusyReaders()

    /// Issues the current view of `uscc` to the card in `reader`.
    ///
    /// One issuance per reader at a time: a second one is refused at once (`409 READER_BUSY`), not
    /// queued behind the first. Across processes the journal (one open entry per card) and the
    /// exclusive PC/SC connection keep the same rule.
    /// `logger` is the request's, so that the issuance's lines carry its request id.
    public func issue(uscc: USCC, reader: String, by actor: Account, logger requestLogger: Logger? = nil)
        async throws -> IssuanceResult
    {
        // Authorised before any card is touched: the office's region, and an enterprise the
        // account sees (one of another region answers as unknown).
        try actor.authorise(.issueHandbook, in: credentials.office.region)
        let enterprise = try await store.enterprise(identifiedBy: uscc.value, by: actor)
        guard enterprise != nil else { throw StoreError(.notFound, "no enterprise \(uscc) in the database") }
        guard busy.take(reader) else {
            throw ServiceError(
                .conflict, "READER_BUSY", "an issuance to the card in \(reader) is in progress; wait for it to finish")
        }
        defer { busy.give(reader) }
        // Card I/O blocks inside pcsc-lite: it runs on the reader's executor, so the cooperative pool
        // goes on serving other requests while a card is written.
        let executor = CardExecutor.forReader(reader)
        let (connection, card, info, existingKey) = try await executor.run {
            context throws(CardError) -> (CardConnection, HandbookCard, CardInfo, PublicKey?) in
            // Exclusive for the whole issuance: no other application reaches the card meanwhile.
            let connection = try context.connect(reader: reader, exclusive: true)
            let card = HandbookCard(transport: connection)
            let info = try card.selectAndReadInfo()
            // A card whose current document names a key the card proves keeps that key: regenerating
            // it would leave the current document unauthenticatable until the new one is committed.
            var key: PublicKey?
            if let readout = try? card.read(), let bytes = readout.document,
                let document = try? HandbookDocument(decoding: bytes),
                let candidate = try? PublicKey(spkiDER: document.content.header.cardPublicKey),
                candidate.algorithm == self.credentials.key.algorithm,
                (try? card.internalAuthenticate(publicKey: candidate, serial: info.serial)) == true
            {
                key = candidate
            }
            return (connection, card, info, key)
        }
        func issueOnCard() async throws -> IssuanceResult {
            guard let profile = CardProfile.named(info.profileName) else {
                throw ServiceError(
                    .conflict, "CARD_UNKNOWN_PROFILE", "the card says it is a \(info.profileName); unknown profile")
            }
            var cardKey = existingKey

            let entry = try await store.openIssuance(
                card: info.serial, profile: profile.name, uscc: uscc, office: credentials.office.region, reader: reader,
                by: actor)
            var log = requestLogger ?? logger
            log[metadataKey: "journal"] = "\(entry.id)"
            log[metadataKey: "card"] = "\(info.serial)"
            log.info("issuance opened", metadata: ["document": "\(entry.documentNumber)", "uscc": "\(uscc)"])
            reached(.opened)
            do {
                let today = CardDate(clock())
                let found = try await store.currentView(of: uscc, on: today, by: actor)
                guard let view = found else { throw StoreError(.notFound, "no enterprise \(uscc)") }
                let personalised = cardKey == nil
                if cardKey == nil {
                    _ = try await store.advanceIssuance(
                        entry.id, to: .personalising, document: nil, viewRevision: nil, expiresOn: nil)
                    reached(.personalising)
                    let algorithm = credentials.key.algorithm
                    let masterKey = credentials.masterKey
                    cardKey = try await executor.run { _ throws(CardError) in
                        try card.personalise(algorithm: algorithm, masterKey: masterKey)
                    }
                    try await store.markPersonalised(info.serial)
                    log.info("card personalised")
                    reached(.personalised)
                }
                // Valid for the configured months, but never past the office certificate's end.
                let expires = min(
                    try today.adding(months: credentials.validityMonths), credentials.certificate.lastDocumentDay)
                guard let cardKey else {
                    throw StoreError(.internal, "the card has no authentication key after personalisation")
                }
                let document = try HandbookSigner.sign(
                    view: view.view,
                    issue: DocumentIssue(
                        documentNumber: entry.documentNumber, cardSerial: info.serial, cardPublicKey: cardKey,
                        issuedAt: clock(), expiresOn: expires, issuingOffice: credentials.office,
                        databaseRevision: view.revision, slotSize: profile.slotSize),
                    officeKey: credentials.key, officeCertificate: credentials.certificate)
                _ = try await store.advanceIssuance(
                    entry.id, to: .writing, document: document, viewRevision: view.revision, expiresOn: expires)
                reached(.writing)
                do {
                    let masterKey = credentials.masterKey
                    _ = try await executor.run { _ throws(CardError) in
                        try card.write(document: document, masterKey: masterKey)
                    }
                    reached(.written)
                } catch {
                    // The commit may or may not have reached the card: ask the card.
                    log.warning("write failed: \(error); reading the card to resolve")
                    let current = try await store.journalEntry(entry.id)
                    guard let current else { throw error }
                    let (cardInfo, readout) = try await executor.run {
                        _ throws(CardError) -> (CardInfo, CardReadout?) in
                        (try card.selectAndReadInfo(), try? card.read())
                    }
                    let resolved = try await resolve(current, info: cardInfo, readout: readout)
                    guard resolved.outcome == .committed else { throw error }
                    return try await result(entry, profile, document, view.revision, personalised, by: actor)
                }
                _ = try await store.advanceIssuance(
                    entry.id, to: .committing, document: nil, viewRevision: nil, expiresOn: nil)
                reached(.committing)
                let issued = try await store.commitIssuance(entry.id)
                log.info("issuance committed", metadata: ["revision": "\(issued.revision)"])
                return IssuanceResult(
                    journal: entry.id, document: entry.documentNumber, card: info.serial, profile: profile.name,
                    uscc: uscc, bytes: document.count, viewRevision: view.revision, revision: issued.revision,
                    personalised: personalised, superseded: issued.superseded)
            } catch {
                if let current = try? await store.journalEntry(entry.id), current.state == .open,
                    current.step != .writing && current.step != .committing
                {
                    try? await store.closeIssuance(entry.id, as: .abandoned, note: "failed before the write: \(error)")
                }
                log.error("issuance failed: \(error)")
                throw error
            }

        }
        // The card is released before the answer goes out: a client that reads the card as soon as
        // it has the answer finds it free (a disconnect left to a later task once raced it).
        let outcomeOfIssue: Result<IssuanceResult, any Error>
        do {
            outcomeOfIssue = .success(try await issueOnCard())
        } catch {
            outcomeOfIssue = .failure(error)
        }
        try? await executor.run { _ throws(CardError) in connection.disconnect() }
        return try outcomeOfIssue.get()
    }

    private func result(
        _ entry: JournalEntry, _ profile: CardProfile, _ document: [UInt8], _ revision: UInt64, _ personalised: Bool,
        by actor: Account
    ) async throws -> IssuanceResult {
        let status = try await store.cardStatus(entry.cardSerial, by: actor)
        return IssuanceResult(
            journal: entry.id, document: entry.documentNumber, card: entry.cardSerial, profile: profile.name,
            uscc: entry.uscc, bytes: document.count, viewRevision: revision, revision: status?.revision ?? revision,
            personalised: personalised, superseded: [])
    }

    /// Resolves one open entry from what the card holds: its document → commit; anything else →
    /// abandoned (the tear-safe write leaves the card with its previous document).
    func resolve(_ entry: JournalEntry, info: CardInfo, readout: CardReadout?) async throws -> RecoveryOutcome {
        func outcome(_ state: JournalState, _ note: String) -> RecoveryOutcome {
            RecoveryOutcome(
                journal: entry.id, card: entry.cardSerial, document: entry.documentNumber, outcome: state, note: note)
        }
        guard info.serial == entry.cardSerial else {
            let note = "the card in \(entry.reader ?? "the reader") is \(info.serial), not \(entry.cardSerial)"
            try await store.closeIssuance(entry.id, as: .attention, note: note)
            return outcome(.attention, note)
        }
        if let expected = entry.document, let held = readout?.document, held == expected {
            _ = try await store.commitIssuance(entry.id)
            return outcome(.committed, "the card holds the new document: committed")
        }
        if entry.step == .personalising || entry.step == .opened, readout?.document == nil {
            try await store.markPersonalised(entry.cardSerial)
        }
        let note = "the card still holds its previous document; nothing was issued"
        try await store.closeIssuance(entry.id, as: .abandoned, note: note)
        return outcome(.abandoned, note)
    }

    /// Resolves every open journal entry (at start-up): by reading the card if it is in its reader,
    /// else flagging the entry for attention. Entries that never reached the write are abandoned.
    public func recover() async throws -> [RecoveryOutcome] {
        var outcomes: [RecoveryOutcome] = []
        for entry in try await store.openIssuances() {
            let outcome: RecoveryOutcome
            if entry.document == nil {
                // Nothing was written; a personalised card keeps its new key and gets a document next time.
                let note = "interrupted at \(entry.step.rawValue), before the write: the card keeps what it had"
                try await store.closeIssuance(entry.id, as: .abandoned, note: note)
                outcome = RecoveryOutcome(
                    journal: entry.id, card: entry.cardSerial, document: entry.documentNumber, outcome: .abandoned,
                    note: note)
            } else {
                do {
                    // The card's answer, read on the reader's executor; the journal, in the store.
                    let reader = entry.reader ?? ""
                    let (info, readout) = try await CardExecutor.forReader(reader).run {
                        context throws(CardError) -> (CardInfo, CardReadout?) in
                        let connection = try context.connect(reader: reader, exclusive: true)
                        defer { connection.disconnect() }
                        let card = HandbookCard(transport: connection)
                        let info = try card.selectAndReadInfo()
                        return (info, try? card.read())
                    }
                    outcome = try await resolve(entry, info: info, readout: readout)
                } catch let error as CardError {
                    let note =
                        "card \(entry.cardSerial) could not be read in \(entry.reader ?? "no reader") (\(error.code.rawValue)): put it back and run `handbook-issuer recover`"
                    try await store.closeIssuance(entry.id, as: .attention, note: note)
                    outcome = RecoveryOutcome(
                        journal: entry.id, card: entry.cardSerial, document: entry.documentNumber, outcome: .attention,
                        note: note)
                }
            }
            logger.notice(
                "recovered issuance \(outcome.journal): \(outcome.outcome.rawValue)",
                metadata: ["card": "\(outcome.card)", "note": "\(outcome.note)"])
            outcomes.append(outcome)
        }
        return outcomes
    }
}

/// The readers an issuance of this process is using.
final class BusyReaders: Sendable {
    private let readers = Mutex<Set<String>>([])

    func take(_ reader: String) -> Bool { readers.withLock { $0.insert(reader).inserted } }
    func give(_ reader: String) { _ = readers.withLock { $0.remove(reader) } }
}

/// What a reader of the service host holds, as an official sees it before an issuance.
public struct ReaderProbe: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// No card in the reader.
        case empty
        /// A handbook card with no committed document (new, or personalised only).
        case blank
        /// A handbook card carrying a document.
        case handbook
        /// A card that does not answer as a handbook card.
        case unreadable
    }

    public var reader: String
    public var state: State
    public var serial: CardSerial?
    public var profile: String?
    public var uscc: USCC?
    public var enterpriseName: String?
    public var document: DocumentNumber?
    public var problem: String?
}

extension CardIssuer {
    /// What `reader` holds, read through a shared connection on the reader's executor (never on
    /// the cooperative pool); a reader with an issuance in progress is not touched.
    public func probe(reader: String) async -> ReaderProbe {
        var probe = ReaderProbe(reader: reader, state: .empty)
        guard busy.take(reader) else {
            probe.state = .unreadable
            probe.problem = "an issuance to this reader is in progress"
            return probe
        }
        defer { busy.give(reader) }
        do {
            let readout = try await CardExecutor.forReader(reader).run {
                context throws(CardError) -> (present: Bool, readout: CardReadout?) in
                let states = try context.waitForChange([reader: nil], timeoutMilliseconds: 0)
                guard states.first(where: { $0.reader == reader })?.hasCard == true else { return (false, nil) }
                let connection = try context.connect(reader: reader)
                defer { connection.disconnect() }
                do throws(CardReadError) {
                    return (true, try HandbookCard(transport: connection).read())
                } catch {
                    switch error {
                    case .transport(let failure): throw failure
                    case .content(let failure): throw CardError(.protocolViolation, "\(failure)")
                    }
                }
            }
            guard readout.present, let card = readout.readout else { return probe }
            probe.serial = card.info.serial
            probe.profile = card.info.profileName
            guard let bytes = card.document else {
                probe.state = .blank
                return probe
            }
            probe.state = .handbook
            if let document = try? HandbookDocument(decoding: bytes) {
                probe.uscc = document.content.enterprise.uscc
                probe.enterpriseName = document.content.enterprise.name
                probe.document = document.content.header.documentNumber
            }
        } catch {
            probe.state = .unreadable
            probe.problem = "\(error)"
        }
        return probe
    }

    /// What a card of `profile` issued now would hold of `view`: the capacity planner's choice,
    /// with a header of the real sizes (the office's key standing in for the card's own).
    public func plan(view: HandbookView, profile: CardProfile) throws -> HandbookContent {
        let header = DocumentHeader(
            documentNumber: try DocumentNumber(region: credentials.office.region, serial: 9_999_999_999),
            cardSerial: try CardSerial(hex: "0000000000000000"), issuedAt: CardTimestamp(clock()),
            expiresOn: credentials.certificate.lastDocumentDay, issuingOffice: credentials.office,
            databaseRevision: UInt64(Int64.max), cardPublicKey: credentials.certificate.publicKey.spkiDER)
        return try CapacityPlanner.plan(
            view: view, header: header, slotSize: profile.slotSize,
            signatureLength: CapacityPlanner.signatureLength(
                certificateLength: credentials.certificate.derEncoded.count))
    }

    /// The office this issuer signs for.
    public var office: IssuingOffice { credentials.office }
}
