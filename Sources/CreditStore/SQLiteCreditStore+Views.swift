import Foundation
import GRDB
import HandbookCodec

extension SQLiteCreditStore {
    public func currentView(of uscc: USCC, on day: CardDate) async throws(StoreError) -> RevisionedView? {
        try read { db in try Self.view(db, uscc: uscc.value, on: day) }
    }

    /// The view of one enterprise in the caller's read transaction: qualifications valid on `day`,
    /// active registrations, every project the enterprise took part in, and the published records
    /// whose (possibly shortened) window contains `day`.
    static func view(_ db: Database, uscc: String, on day: CardDate) throws -> RevisionedView? {
        guard let enterprise = try enterprise(db, uscc: uscc) else { return nil }
        let today = day.description
        var view = HandbookView(enterprise: enterprise)
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM qualifications
                WHERE uscc = ? AND status = 'valid' AND valid_from <= ? AND valid_until >= ?
                ORDER BY certificate_number, category
                """, arguments: [uscc, today, today])
        {
            view.qualifications.append(
                Qualification(
                    category: row["category"], grade: row["grade"], certificateNumber: row["certificate_number"],
                    validFrom: try date(row["valid_from"]), validUntil: try date(row["valid_until"]),
                    issuingAuthority: row["issuing_authority"]))
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT r.registration_number, r.registration_type, p.name, p.identity_type, p.identity_number
                FROM registrations r JOIN practitioners p ON p.id = r.practitioner_id
                WHERE r.uscc = ? AND r.status = 'active' AND (r.valid_until IS NULL OR r.valid_until >= ?)
                ORDER BY r.registration_number
                """, arguments: [uscc, today])
        {
            let identity = try PersonIdentifier(
                type: IdentityDocumentType(rawValue: row["identity_type"]) ?? .passport, number: row["identity_number"])
            view.practitioners.append(
                Practitioner(
                    name: row["name"], registrationType: row["registration_type"],
                    registrationNumber: row["registration_number"], identity: identity))
        }
        var awards: [String: [String]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT a.project_number, a.name FROM awards a
                JOIN project_participants pp ON pp.project_number = a.project_number
                WHERE pp.uscc = ? ORDER BY a.project_number, a.name
                """, arguments: [uscc])
        {
            let name: String = row["name"]
            let project: String = row["project_number"]
            if !(awards[project]?.contains(name) ?? false) { awards[project, default: []].append(name) }
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT pp.project_number, p.name, pp.role, pp.contract_amount, pp.completion_date
                FROM project_participants pp JOIN projects p ON p.project_number = pp.project_number
                WHERE pp.uscc = ? ORDER BY pp.project_number, pp.role
                """, arguments: [uscc])
        {
            let number: String = row["project_number"]
            let completion: String? = row["completion_date"]
            view.projects.append(
                Project(
                    projectNumber: try ProjectNumber(number), name: row["name"],
                    role: ProjectRole(rawValue: row["role"]) ?? .generalContractor,
                    contractAmount: UInt64(max(0, row["contract_amount"] as Int64)),
                    completionDate: try completion.map(date), awards: awards[number] ?? []))
        }
        for row in try Row.fetchAll(
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

    public func registerCard(_ serial: CardSerial, profile: String, by actor: Account) async throws(StoreError) {
        try actor.authorise([.issuer, .admin], for: nil, to: "register cards")
        guard CardProfile.named(profile) != nil else {
            throw StoreError(
                .invalidInput,
                "unknown card profile \(profile); known: \(CardProfile.all.map(\.name).joined(separator: ", "))")
        }
        try write { db in
            try self.requireCurrent(actor, db)
            guard
                try Int.fetchOne(db, sql: "SELECT 1 FROM cards WHERE serial = ?", arguments: [serial.description])
                    == nil
            else { throw StoreError(.conflict, "card \(serial) is already registered") }
            let revision = try self.change(
                db, by: actor.name, "card.register", serial.description, ["profile": profile])
            try db.execute(
                sql: """
                    INSERT INTO cards (serial, profile, state, updated_at, updated_revision)
                    VALUES (?, ?, 'blank', ?, ?)
                    """, arguments: [serial.description, profile, self.now, Int64(revision)])
        }
    }

    public func cardStatus(_ serial: CardSerial) async throws(StoreError) -> CardStatusReport? {
        try read { db in try Self.cardStatus(db, serial: serial.description) }
    }

    static func cardStatus(_ db: Database, serial: String) throws -> CardStatusReport? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT c.serial, c.profile, c.state, c.uscc, c.current_document, d.state AS document_state,
                        d.view_revision, e.registered_region
                    FROM cards c LEFT JOIN documents d ON d.document_number = c.current_document
                    LEFT JOIN enterprises e ON e.uscc = c.uscc
                    WHERE c.serial = ?
                    """, arguments: [serial])
        else { return nil }
        let uscc: String? = row["uscc"]
        let document: String? = row["current_document"]
        let documentState: String? = row["document_state"]
        let viewRevision: Int64? = row["view_revision"]
        let region: String? = row["registered_region"]
        return CardStatusReport(
            serial: try CardSerial(hex: row["serial"]), profile: row["profile"],
            state: CardState(rawValue: row["state"]) ?? .revoked, uscc: try uscc.map { try USCC($0, mode: .lenient) },
            registeredRegion: try region.map { try RegionCode($0) },
            document: try document.map { try DocumentNumber($0) },
            documentState: documentState.flatMap(DocumentState.init(rawValue:)),
            viewRevision: viewRevision.map { UInt64($0) }, revision: try currentRevision(db))
    }

    public func exportPackageLines(
        region: RegionCode, on day: CardDate, by actor: Account,
        writeHeader: (UInt64, String) throws -> Void,
        write: (DataPackageLine) throws -> Void
    ) async throws(StoreError) {
        try actor.authorise(
            [.admin, .issuer, .approver, .inspector], for: region, to: "export the data package of \(region.code)")
        let prefix = String(RegionScope.prefix(of: region))
        let upper = prefix + "\u{7F}"
        try read { db in
            try self.requireCurrent(actor, db)
            try writeHeader(try Self.currentRevision(db), try AuditChain.head(db))
            let usccs = try String.fetchCursor(
                db,
                sql:
                    "SELECT uscc FROM enterprises WHERE registered_region >= ? AND registered_region < ? ORDER BY uscc",
                arguments: [prefix, upper])
            while let uscc = try usccs.next() {
                if let view = try Self.view(db, uscc: uscc, on: day) { try write(.view(view.view)) }
            }
            let cards = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.serial, c.state, c.uscc, c.current_document FROM cards c
                    JOIN enterprises e ON e.uscc = c.uscc
                    WHERE e.registered_region >= ? AND e.registered_region < ? ORDER BY c.serial
                    """, arguments: [prefix, upper])
            while let row = try cards.next() {
                let document: String? = row["current_document"]
                try write(
                    .card(
                        PackageCard(
                            serial: try CardSerial(hex: row["serial"]),
                            state: CardState(rawValue: row["state"]) ?? .revoked,
                            uscc: try USCC(row["uscc"], mode: .lenient),
                            document: try document.map { try DocumentNumber($0) })))
            }
            let documents = try Row.fetchCursor(
                db,
                sql: """
                    SELECT d.document_number, d.card_serial, d.uscc, d.state, d.view_revision FROM documents d
                    JOIN enterprises e ON e.uscc = d.uscc
                    WHERE e.registered_region >= ? AND e.registered_region < ? ORDER BY d.document_number
                    """, arguments: [prefix, upper])
            while let row = try documents.next() {
                try write(
                    .document(
                        PackageDocument(
                            number: try DocumentNumber(row["document_number"]),
                            card: try CardSerial(hex: row["card_serial"]),
                            uscc: try USCC(row["uscc"], mode: .lenient),
                            state: DocumentState(rawValue: row["state"]) ?? .revoked,
                            viewRevision: UInt64(row["view_revision"] as Int64))))
            }
        }
    }
}
