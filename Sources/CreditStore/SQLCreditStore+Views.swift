import CodedErrors
import Foundation
import HandbookCodec

extension SQLCreditStore {
    public func currentView(of uscc: USCC, on day: CardDate, by actor: Account) async throws(StoreError)
        -> RevisionedView?
    {
        try actor.require(.readView)
        return try await read { db in
            guard let view = try Self.view(db, uscc: uscc.value, on: day),
                actor.sees(view.view.enterprise.registeredRegion)
            else { return nil }
            return view
        }
    }

    /// The view of one enterprise in the caller's read transaction: qualifications valid on `day`,
    /// active registrations, every project the enterprise took part in, and the published records
    /// whose (possibly shortened) window contains `day`.
    static func view(_ db: any SQLSession, uscc: String, on day: CardDate) throws -> RevisionedView? {
        guard let enterprise = try enterprise(db, uscc: uscc) else { return nil }
        let today = day.description
        var view = HandbookView(enterprise: enterprise)
        for row in try SQLRow.fetchAll(
            db,
            sql: """
                SELECT * FROM qualifications
                WHERE uscc = ? AND status = 'valid' AND valid_from <= ? AND valid_until >= ?
                ORDER BY certificate_number, category
                """, arguments: [uscc, today, today])
        {
            view.qualifications.append(
                Qualification(
                    category: try row["category"], grade: try row["grade"],
                    certificateNumber: try row["certificate_number"],
                    validFrom: try date(row["valid_from"]), validUntil: try date(row["valid_until"]),
                    issuingAuthority: try row["issuing_authority"]))
        }
        for row in try SQLRow.fetchAll(
            db,
            sql: """
                SELECT r.registration_number, r.registration_type, p.name, p.identity_type, p.identity_number
                FROM registrations r JOIN practitioners p ON p.id = r.practitioner_id
                WHERE r.uscc = ? AND r.status = 'active' AND (r.valid_until IS NULL OR r.valid_until >= ?)
                ORDER BY r.registration_number
                """, arguments: [uscc, today])
        {
            guard let type = IdentityDocumentType(rawValue: try row["identity_type"]) else {
                throw StoreError(.database, "a practitioner of \(uscc) has an identity type the program does not know")
            }
            let identity = try PersonIdentifier(type: type, number: row["identity_number"])
            view.practitioners.append(
                Practitioner(
                    name: try row["name"], registrationType: try row["registration_type"],
                    registrationNumber: try row["registration_number"], identity: identity))
        }
        var awards: [String: [String]] = [:]
        for row in try SQLRow.fetchAll(
            db,
            sql: """
                SELECT a.project_number, a.name FROM awards a
                JOIN project_participants pp ON pp.project_number = a.project_number
                WHERE pp.uscc = ? ORDER BY a.project_number, a.name
                """, arguments: [uscc])
        {
            let name: String = try row["name"]
            let project: String = try row["project_number"]
            if !(awards[project]?.contains(name) ?? false) { awards[project, default: []].append(name) }
        }
        for row in try SQLRow.fetchAll(
            db,
            sql: """
                SELECT pp.project_number, p.name, pp.role, pp.contract_amount, pp.completion_date
                FROM project_participants pp JOIN projects p ON p.project_number = pp.project_number
                WHERE pp.uscc = ? ORDER BY pp.project_number, pp.role
                """, arguments: [uscc])
        {
            let number: String = try row["project_number"]
            let completion: String? = try row["completion_date"]
            let role: Int64 = try row["role"]
            guard let projectRole = UInt8(exactly: role).flatMap(ProjectRole.init(rawValue:)) else {
                throw StoreError(.database, "project \(number) has a role the program does not know")
            }
            view.projects.append(
                Project(
                    projectNumber: try ProjectNumber(number), name: try row["name"], role: projectRole,
                    contractAmount: UInt64(clamping: try row["contract_amount"] as Int64),
                    completionDate: try completion.map(date), awards: awards[number] ?? []))
        }
        for row in try SQLRow.fetchAll(
            db,
            sql: """
                SELECT * FROM credit_records
                WHERE uscc = ? AND status = 'published' AND published_from <= ? AND published_until >= ?
                ORDER BY record_number
                """, arguments: [uscc, today, today])
        {
            if let record = try record(row).cardRecord { view.creditRecords.append(record) }
        }
        return RevisionedView(view: view, revision: try currentRevision(db), asOf: day)
    }

    public func registerCard(_ serial: CardSerial, profile: String, region: RegionCode, by actor: Account)
        async throws(StoreError)
    {
        try actor.authorise(.registerCard, in: region)
        guard CardProfile.named(profile) != nil else {
            throw StoreError(
                .invalidInput,
                "unknown card profile \(LogText.escaped(profile, limit: 40)); known: \(CardProfile.all.map(\.name).joined(separator: ", "))"
            )
        }
        try await write { db in
            try self.requireCurrent(actor, db)
            guard
                try Int.fetchOne(db, sql: "SELECT 1 FROM cards WHERE serial = ?", arguments: [serial.description])
                    == nil
            else { throw StoreError(.conflict, "card \(serial) is already registered") }
            let revision = try self.change(
                db, by: actor.name, "card.register", serial.description, region: region, ["profile": profile])
            try db.execute(
                sql: """
                    INSERT INTO cards (serial, profile, state, updated_at, updated_revision, region)
                    VALUES (?, ?, 'blank', ?, ?, ?)
                    """, arguments: [serial.description, profile, self.now, Int64(clamping: revision), region.code])
        }
    }

    /// What "no such card" says: the same whether the card is absent or in another's region.
    static func noCard(_ serial: CardSerial) -> String { "no card \(serial) in the database" }

    public func cardStatus(_ serial: CardSerial, by actor: Account) async throws(StoreError) -> CardStatusReport? {
        try actor.require(.readCard)
        return try await read { db in
            guard let status = try Self.cardStatus(db, serial: serial.description), actor.sees(status.region) else {
                return nil
            }
            return status
        }
    }

    public func cardReference(
        _ serial: CardSerial, document asked: DocumentNumber?, on day: CardDate, by actor: Account
    ) async throws(StoreError) -> CardReference? {
        try actor.require(.readReference)
        return try await read { db in
            guard let status = try Self.cardStatus(db, serial: serial.description), actor.sees(status.region) else {
                return nil
            }
            let card = PackageCard(
                serial: status.serial, state: status.state, uscc: status.uscc, document: status.document)
            var document: PackageDocument?
            if let number = asked ?? status.document {
                document = try Self.packageDocument(db, number.description).flatMap { found in
                    // Only a document of this card, of an enterprise the actor sees.
                    found.card == serial && found.uscc == status.uscc ? found : nil
                }
            }
            let view = try status.uscc.flatMap { try Self.view(db, uscc: $0.value, on: day) }
            return CardReference(
                revision: status.revision, asOf: day, card: card, document: document, view: view?.view)
        }
    }

    /// One document as a package carries it.
    static func packageDocument(_ db: any SQLSession, _ number: String) throws -> PackageDocument? {
        guard
            let row = try SQLRow.fetchOne(
                db,
                sql:
                    "SELECT document_number, card_serial, uscc, state, view_revision FROM documents WHERE document_number = ?",
                arguments: [number])
        else { return nil }
        return try packageDocument(row)
    }

    static func packageDocument(_ row: SQLRow) throws -> PackageDocument {
        guard let state = DocumentState(rawValue: try row["state"]) else {
            throw StoreError(.database, "a document has a state the program does not know")
        }
        return PackageDocument(
            number: try DocumentNumber(row["document_number"]), card: try CardSerial(hex: row["card_serial"]),
            uscc: try USCC(row["uscc"], mode: .lenient), state: state,
            viewRevision: try Self.revision(row["view_revision"]))
    }

    static func cardStatus(_ db: any SQLSession, serial: String) throws -> CardStatusReport? {
        guard
            let row = try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT c.serial, c.profile, c.state, c.uscc, c.current_document, c.region, d.state AS document_state,
                        d.view_revision, e.registered_region
                    FROM cards c LEFT JOIN documents d ON d.document_number = c.current_document
                    LEFT JOIN enterprises e ON e.uscc = c.uscc
                    WHERE c.serial = ?
                    """, arguments: [serial])
        else { return nil }
        let uscc: String? = try row["uscc"]
        let document: String? = try row["current_document"]
        let documentState: String? = try row["document_state"]
        let viewRevision: Int64? = try row["view_revision"]
        let registered: String? = try row["registered_region"]
        let cardRegion: String? = try row["region"]
        guard let state = CardState(rawValue: try row["state"]) else {
            throw StoreError(.database, "card \(serial) has a state the program does not know")
        }
        return CardStatusReport(
            serial: try CardSerial(hex: row["serial"]), profile: try row["profile"], state: state,
            uscc: try uscc.map { try USCC($0, mode: .lenient) },
            registeredRegion: try registered.map { try RegionCode($0) },
            region: try (registered ?? cardRegion).map { try RegionCode($0) },
            document: try document.map { try DocumentNumber($0) },
            documentState: documentState.flatMap(DocumentState.init(rawValue:)),
            viewRevision: try viewRevision.map(revision), revision: try currentRevision(db))
    }

    public func exportPackage(region: RegionCode, on day: CardDate, by actor: Account?, into sink: any PackageSink)
        async throws(StoreError)
    {
        try actor?.authorise(.exportPackage, in: region)
        let prefix = String(region.coveringPrefix)
        let upper = prefix + "\u{7F}"
        // One read transaction, on one of GRDB's reader threads: the whole package is one snapshot,
        // and a long export holds no thread of the cooperative pool.
        try await read { db in
            if let actor { try self.requireCurrent(actor, db) }
            try sink.begin(revision: try Self.currentRevision(db), auditHead: try AuditChain.head(db))
            let usccs = try SQLRow.fetchCursor(
                db,
                sql:
                    "SELECT uscc FROM enterprises WHERE registered_region >= ? AND registered_region < ? ORDER BY uscc",
                arguments: [prefix, upper])
            while let row = try usccs.next() {
                let uscc: String = try row[0]
                if let view = try Self.view(db, uscc: uscc, on: day) { try sink.write(.view(view.view)) }
            }
            let cards = try SQLRow.fetchCursor(
                db,
                sql: """
                    SELECT c.serial, c.state, c.uscc, c.current_document FROM cards c
                    JOIN enterprises e ON e.uscc = c.uscc
                    WHERE e.registered_region >= ? AND e.registered_region < ? ORDER BY c.serial
                    """, arguments: [prefix, upper])
            while let row = try cards.next() {
                let document: String? = try row["current_document"]
                guard let state = CardState(rawValue: try row["state"]) else {
                    throw StoreError(.database, "a card has a state the program does not know")
                }
                try sink.write(
                    .card(
                        PackageCard(
                            serial: try CardSerial(hex: row["serial"]), state: state,
                            uscc: try USCC(row["uscc"], mode: .lenient),
                            document: try document.map { try DocumentNumber($0) })))
            }
            let documents = try SQLRow.fetchCursor(
                db,
                sql: """
                    SELECT d.document_number, d.card_serial, d.uscc, d.state, d.view_revision FROM documents d
                    JOIN enterprises e ON e.uscc = d.uscc
                    WHERE e.registered_region >= ? AND e.registered_region < ? ORDER BY d.document_number
                    """, arguments: [prefix, upper])
            while let row = try documents.next() { try sink.write(.document(try Self.packageDocument(row))) }
        }
    }
}
