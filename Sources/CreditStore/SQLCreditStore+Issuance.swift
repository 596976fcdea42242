import Foundation
import HandbookCodec
import HandbookCrypto

extension SQLCreditStore {
    static func journalEntry(_ row: SQLRow) throws -> JournalEntry {
        let document: Data? = try row["document"]
        let revision: Int64? = try row["view_revision"]
        let expires: String? = try row["expires_on"]
        guard let state = JournalState(rawValue: try row["state"]), let step = IssuanceStep(rawValue: try row["step"])
        else {
            throw StoreError(
                .database, "journal entry \(try row["id"] as Int64? ?? 0) has a state the program does not know")
        }
        return JournalEntry(
            id: try row["id"], cardSerial: try CardSerial(hex: row["card_serial"]),
            uscc: try USCC(row["uscc"], mode: .lenient), documentNumber: try DocumentNumber(row["document_number"]),
            reader: try row["reader"], state: state, step: step, cardProfile: try row["card_profile"],
            document: document.map { [UInt8]($0) }, viewRevision: try revision.map(revision(_:)),
            expiresOn: try expires.map(date), account: try row["account"],
            openedAt: CardTimestamp(secondsSince1970: try row["opened_at"]), note: try row["note"])
    }

    static func loadJournal(_ db: any SQLSession, _ id: Int64) throws -> JournalEntry {
        guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM issuance_journal WHERE id = ?", arguments: [id])
        else {
            throw StoreError(.notFound, "no issuance \(id) in the journal")
        }
        return try Self.journalEntry(row)
    }

    public func openIssuance(
        card: CardSerial, profile: String, uscc: USCC, office: RegionCode, reader: String?, by actor: Account
    ) async throws(StoreError) -> JournalEntry {
        try actor.authorise(.issueHandbook, in: office)
        return try await write { db in
            try self.requireCurrent(actor, db)
            guard let enterprise = try Self.enterprise(db, uscc: uscc.value), actor.sees(enterprise.registeredRegion)
            else {
                throw StoreError(.notFound, "no enterprise \(uscc) in the database")
            }
            guard
                let serialRow = try SQLRow.fetchOne(
                    db, sql: "SELECT next_document_serial FROM offices WHERE region = ?", arguments: [office.code])
            else {
                throw StoreError(.notFound, "no licensing office \(office.code) in the database")
            }
            if let existing = try Self.cardStatus(db, serial: card.description) {
                // A card of another region is not this office's to write (it answers as unknown).
                guard actor.sees(existing.region) else { throw StoreError(.notFound, Self.noCard(card)) }
                guard existing.state != .revoked else {
                    throw StoreError(.conflict, "card \(card) is revoked; issue a new card")
                }
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO cards (serial, profile, state, updated_at, updated_revision, region)
                        VALUES (?, ?, 'blank', ?, ?, ?)
                        """,
                    arguments: [
                        card.description, profile, self.now, Int64(clamping: try Self.currentRevision(db)),
                        enterprise.registeredRegion.code,
                    ])
            }
            if let open = try Int64.fetchOne(
                db, sql: "SELECT id FROM issuance_journal WHERE card_serial = ? AND state = 'open'",
                arguments: [card.description])
            {
                throw StoreError(.conflict, "card \(card) is being issued already (journal entry \(open))")
            }
            var serial: Int64 = try serialRow["next_document_serial"]
            func number(_ serial: Int64) throws -> DocumentNumber {
                guard let value = UInt64(exactly: serial) else {
                    throw StoreError(.database, "document serial \(serial) of office \(office.code) is out of range")
                }
                return try DocumentNumber(region: office, serial: value)
            }
            var documentNumber = try number(serial)
            // Numbers of imported or loaded documents, or of an abandoned issuance, are skipped.
            while try Int.fetchOne(
                db,
                sql:
                    "SELECT 1 FROM documents WHERE document_number = ? UNION ALL SELECT 1 FROM issuance_journal WHERE document_number = ?",
                arguments: [documentNumber.value, documentNumber.value]) != nil
            {
                serial += 1
                documentNumber = try number(serial)
            }
            try db.execute(
                sql: "UPDATE offices SET next_document_serial = ? WHERE region = ?",
                arguments: [serial + 1, office.code])
            let id = try db.insertReturningID(
                sql: """
                    INSERT INTO issuance_journal (card_serial, uscc, document_number, reader, state, step, card_profile,
                        account, opened_at) VALUES (?, ?, ?, ?, 'open', 'opened', ?, ?, ?)
                    """,
                arguments: [
                    card.description, uscc.value, documentNumber.value, reader, profile, actor.name, self.now,
                ])

            try self.change(
                db, by: actor.name, "issuance.open", card.description, region: enterprise.registeredRegion,
                ["journal": String(id), "uscc": uscc.value, "document": documentNumber.value, "reader": reader ?? ""])
            return try Self.loadJournal(db, id)
        }
    }

    public func advanceIssuance(
        _ id: Int64, to step: IssuanceStep, document: [UInt8]?, viewRevision: UInt64?, expiresOn: CardDate?
    ) async throws(StoreError) -> JournalEntry {
        try await write { db in
            let entry = try Self.loadJournal(db, id)
            guard entry.state == .open else {
                throw StoreError(.conflict, "issuance \(id) is \(entry.state.rawValue), not open")
            }
            if let document {
                try db.execute(
                    sql: """
                        UPDATE issuance_journal SET step = ?, document = ?, document_sha256 = ?, view_revision = ?,
                            expires_on = ? WHERE id = ?
                        """,
                    arguments: [
                        step.rawValue, Data(document), Data(Digest.sha256.hash(document)),
                        viewRevision.map { Int64(clamping: $0) }, expiresOn?.description, id,
                    ])
            } else {
                try db.execute(
                    sql: "UPDATE issuance_journal SET step = ? WHERE id = ?", arguments: [step.rawValue, id])
            }
            return try Self.loadJournal(db, id)
        }
    }

    public func commitIssuance(_ id: Int64) async throws(StoreError) -> IssuedDocument {
        try await write { db in
            let entry = try Self.loadJournal(db, id)
            guard entry.state == .open || entry.state == .attention else {
                throw StoreError(.conflict, "issuance \(id) is \(entry.state.rawValue), not open")
            }
            guard let document = entry.document, let viewRevision = entry.viewRevision, let expires = entry.expiresOn
            else {
                throw StoreError(.conflict, "issuance \(id) has no written document to commit")
            }
            let superseded = try String.fetchAll(
                db, sql: "SELECT document_number FROM documents WHERE uscc = ? AND state = 'current'",
                arguments: [entry.uscc.value]
            ).compactMap { try? DocumentNumber($0) }
            try db.execute(
                sql: "UPDATE documents SET state = 'superseded' WHERE uscc = ? AND state = 'current'",
                arguments: [entry.uscc.value])
            let region = try Self.enterprise(db, uscc: entry.uscc.value)?.registeredRegion
            let revision = try self.change(
                db, by: entry.account, "issuance.commit", entry.cardSerial.description, region: region,
                [
                    "journal": String(id), "uscc": entry.uscc.value, "document": entry.documentNumber.value,
                    "viewRevision": String(viewRevision),
                    "superseded": superseded.map(\.value).joined(separator: ","),
                ])
            try db.execute(
                sql: """
                    INSERT INTO documents (document_number, card_serial, uscc, office_region, view_revision, issued_at,
                        expires_on, state, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, 'current', ?, ?)
                    """,
                arguments: [
                    entry.documentNumber.value, entry.cardSerial.description, entry.uscc.value,
                    entry.documentNumber.region.code, Int64(clamping: viewRevision), self.now, expires.description,
                    Data(Digest.sha256.hash(document)), Data(document),
                ])
            try db.execute(
                sql: """
                    UPDATE cards SET state = 'issued', uscc = ?, current_document = ?, updated_at = ?, updated_revision = ?,
                        region = ?
                    WHERE serial = ?
                    """,
                arguments: [
                    entry.uscc.value, entry.documentNumber.value, self.now, Int64(clamping: revision), region?.code,
                    entry.cardSerial.description,
                ])
            try db.execute(
                sql: "UPDATE issuance_journal SET state = 'committed', closed_at = ? WHERE id = ?",
                arguments: [self.now, id])
            return IssuedDocument(
                documentNumber: entry.documentNumber, cardSerial: entry.cardSerial, uscc: entry.uscc,
                viewRevision: viewRevision, revision: revision, superseded: superseded)
        }
    }

    public func closeIssuance(_ id: Int64, as state: JournalState, note: String) async throws(StoreError) {
        guard state == .abandoned || state == .attention else {
            throw StoreError(.invalidInput, "an issuance is closed as abandoned or flagged for attention")
        }
        try await write { db in
            let entry = try Self.loadJournal(db, id)
            guard entry.state == .open || entry.state == .attention else {
                throw StoreError(.conflict, "issuance \(id) is \(entry.state.rawValue), not open")
            }
            try db.execute(
                sql: "UPDATE issuance_journal SET state = ?, closed_at = ?, note = ? WHERE id = ?",
                arguments: [state.rawValue, self.now, note, id])
            try self.change(
                db, by: entry.account, "issuance.\(state.rawValue)", entry.cardSerial.description,
                region: try Self.enterprise(db, uscc: entry.uscc.value)?.registeredRegion,
                ["journal": String(id), "document": entry.documentNumber.value, "note": note])
        }
    }

    public func markPersonalised(_ card: CardSerial) async throws(StoreError) {
        try await write { db in
            try db.execute(
                sql: "UPDATE cards SET state = 'personalised', updated_at = ? WHERE serial = ? AND state = 'blank'",
                arguments: [self.now, card.description])
        }
    }

    public func openIssuances() async throws(StoreError) -> [JournalEntry] {
        try await read { db in
            try SQLRow.fetchAll(
                db, sql: "SELECT * FROM issuance_journal WHERE state = 'open' OR state = 'attention' ORDER BY id"
            ).map(
                Self.journalEntry)
        }
    }

    public func journalEntry(_ id: Int64) async throws(StoreError) -> JournalEntry? {
        try await read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM issuance_journal WHERE id = ?", arguments: [id]).map(
                Self.journalEntry)
        }
    }

    public func journalEntry(_ id: Int64, by actor: Account) async throws(StoreError) -> JournalEntry? {
        try actor.require(.readJournal)
        return try await read { db in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM issuance_journal WHERE id = ?", arguments: [id])
            else { return nil }
            let entry = try Self.journalEntry(row)
            guard actor.sees(try Self.enterprise(db, uscc: entry.uscc.value)?.registeredRegion) else { return nil }
            return entry
        }
    }

    public func revokeCard(_ serial: CardSerial, reason: String, by actor: Account) async throws(StoreError)
        -> CardStatusReport
    {
        try actor.require(.revokeCard)
        try Self.checkText(reason, "reason", maximum: 500)
        return try await write { db in
            try self.requireCurrent(actor, db)
            guard let status = try Self.cardStatus(db, serial: serial.description) else {
                throw StoreError(.notFound, Self.noCard(serial))
            }
            try actor.authorise(.revokeCard, toSee: status.region, orNotFound: Self.noCard(serial))
            guard status.state != .revoked else { throw StoreError(.conflict, "card \(serial) is already revoked") }
            let revision = try self.change(
                db, by: actor.name, "card.revoke", serial.description, region: status.region,
                ["reason": reason, "document": status.document?.value ?? ""])
            try db.execute(
                sql: "UPDATE cards SET state = 'revoked', updated_at = ?, updated_revision = ? WHERE serial = ?",
                arguments: [self.now, Int64(clamping: revision), serial.description])
            try db.execute(
                sql: "UPDATE documents SET state = 'revoked' WHERE card_serial = ? AND state = 'current'",
                arguments: [serial.description])
            try db.execute(
                sql: """
                    INSERT INTO revocations (target_kind, target, reason, revoked_at, account, revision)
                    VALUES ('card', ?, ?, ?, ?, ?)
                    """, arguments: [serial.description, reason, self.now, actor.name, Int64(clamping: revision)])
            guard let revoked = try Self.cardStatus(db, serial: serial.description) else {
                throw StoreError(.notFound, Self.noCard(serial))
            }
            return revoked
        }
    }

    public func revokeDocument(_ number: DocumentNumber, reason: String, by actor: Account) async throws(StoreError) {
        try actor.require(.revokeCard)
        try Self.checkText(reason, "reason", maximum: 500)
        let missing = "no document \(number) in the database"
        try await write { db in
            try self.requireCurrent(actor, db)
            guard
                let row = try SQLRow.fetchOne(
                    db, sql: "SELECT uscc, state FROM documents WHERE document_number = ?", arguments: [number.value])
            else { throw StoreError(.notFound, missing) }
            let region = try Self.enterprise(db, uscc: row["uscc"])?.registeredRegion
            try actor.authorise(.revokeCard, toSee: region, orNotFound: missing)
            guard try row["state"] as String != DocumentState.revoked.rawValue else {
                throw StoreError(.conflict, "document \(number) is already revoked")
            }
            let revision = try self.change(
                db, by: actor.name, "document.revoke", number.value, region: region, ["reason": reason])
            try db.execute(
                sql: "UPDATE documents SET state = 'revoked' WHERE document_number = ?", arguments: [number.value])
            try db.execute(
                sql: """
                    INSERT INTO revocations (target_kind, target, reason, revoked_at, account, revision)
                    VALUES ('document', ?, ?, ?, ?, ?)
                    """, arguments: [number.value, reason, self.now, actor.name, Int64(clamping: revision)])
        }
    }

    public func recordCheck(_ check: CheckRecord, by actor: Account) async throws(StoreError) -> StoredCheck {
        try actor.require(.sendCheck)
        if let detail = check.detail {
            guard detail.utf8.count <= 4_096 else { throw StoreError(.invalidInput, "detail: longer than 4096 bytes") }
            try Self.checkText(detail, "detail", maximum: 4_096)
        }
        guard Verdict(rawValue: check.verdict) != nil else {
            throw StoreError(
                .invalidInput, "verdict: one of \(Verdict.allCases.map(\.rawValue).joined(separator: ", ")) expected")
        }
        let now = self.now
        guard check.checkedAt.secondsSince1970 <= now + 300,
            check.checkedAt.secondsSince1970 >= now - Int64(WorkflowDates.checkReportingDays) * 86_400
        else {
            throw StoreError(
                .invalidInput,
                "checkedAt: a check is reported within \(WorkflowDates.checkReportingDays) days of being made, never ahead of now"
            )
        }
        guard check.comparedRevision.map({ Int64(exactly: $0) != nil }) ?? true else {
            throw StoreError(.invalidInput, "comparedRevision: larger than any revision can be")
        }
        return try await write { db in
            try self.requireCurrent(actor, db)
            guard let status = try Self.cardStatus(db, serial: check.cardSerial.description) else {
                throw StoreError(.notFound, Self.noCard(check.cardSerial))
            }
            try actor.authorise(.sendCheck, toSee: status.region, orNotFound: Self.noCard(check.cardSerial))
            if let compared = check.comparedRevision, compared > (try Self.currentRevision(db)) {
                throw StoreError(.invalidInput, "comparedRevision: \(compared) is past the database's revision")
            }
            let id = try db.insertReturningID(
                sql: """
                    INSERT INTO checks (checked_at, card_serial, document_number, verdict, compared_revision, account,
                        received_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    check.checkedAt.secondsSince1970, check.cardSerial.description, check.documentNumber?.value,
                    check.verdict, check.comparedRevision.map { Int64(clamping: $0) }, actor.name, now, check.detail,
                ])

            try self.change(
                db, by: actor.name, "check.record", check.cardSerial.description, region: status.region,
                [
                    "check": String(id), "verdict": check.verdict, "document": check.documentNumber?.value ?? "",
                    "checkedAt": check.checkedAt.description,
                ])
            return StoredCheck(
                id: id, check: check, account: actor.name, receivedAt: CardTimestamp(secondsSince1970: now))
        }
    }

    public func checks(of card: CardSerial, limit: Int, by actor: Account) async throws(StoreError) -> [StoredCheck] {
        try actor.require(.readChecks)
        return try await read { db in
            guard let status = try Self.cardStatus(db, serial: card.description), actor.sees(status.region) else {
                throw StoreError(.notFound, Self.noCard(card))
            }
            return try SQLRow.fetchAll(
                db, sql: "SELECT * FROM checks WHERE card_serial = ? ORDER BY id DESC LIMIT ?",
                arguments: [card.description, max(1, min(limit, 1_000))]
            ).map(Self.check)
        }
    }

    static func check(_ row: SQLRow) throws -> StoredCheck {
        let document: String? = try row["document_number"]
        let revision: Int64? = try row["compared_revision"]
        return StoredCheck(
            id: try row["id"],
            check: CheckRecord(
                checkedAt: CardTimestamp(secondsSince1970: try row["checked_at"]),
                cardSerial: try CardSerial(hex: row["card_serial"]),
                documentNumber: try document.map { try DocumentNumber($0) }, verdict: try row["verdict"],
                comparedRevision: try revision.map(Self.revision), detail: try row["detail"]),
            account: try row["account"], receivedAt: CardTimestamp(secondsSince1970: try row["received_at"]))
    }

    /// Makes sure the licensing office of `region` exists (its document serials live in its row).
    public func ensureOffice(_ office: IssuingOffice) throws(StoreError) {
        try writeBlocking { db in
            try db.execute(
                sql: "INSERT INTO offices (region, name) VALUES (?, ?) ON CONFLICT (region) DO NOTHING",
                arguments: [office.region.code, office.name])
        }
    }
}
