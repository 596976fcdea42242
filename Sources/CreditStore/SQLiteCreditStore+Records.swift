import Foundation
import GRDB
import HandbookCodec

extension SQLiteCreditStore {
    // MARK: Rows

    static func date(_ text: String) throws -> CardDate {
        try CardDate(yyyymmdd: String(text.filter { $0 != "-" }))
    }

    static func record(_ row: Row) throws -> StoredRecord {
        let behaviour: String? = row["behaviour_code"]
        let project: String? = row["project_number"]
        let from: String? = row["published_from"]
        let until: String? = row["published_until"]
        let kind: String = row["kind"]
        let status: String = row["status"]
        return StoredRecord(
            recordNumber: try RecordNumber(row["record_number"]), uscc: try USCC(row["uscc"], mode: .lenient),
            kind: kind == "good" ? .good : kind == "bad" ? .bad : .blacklist,
            behaviourCode: try behaviour.map { try BehaviourCode($0) },
            projectNumber: try project.map { try ProjectNumber($0) }, decisionNumber: row["decision_number"],
            authority: row["authority"], authorityLevel: AuthorityLevel(rawValue: row["authority_level"]) ?? .county,
            decisionDate: try date(row["decision_date"]), publicationMonths: row["publication_months"],
            publishedFrom: try from.map(date), publishedUntil: try until.map(date), summary: row["summary"],
            status: RecordStatus(rawValue: status) ?? .recorded, version: row["version"])
    }

    static func kindName(_ kind: RecordKind) -> String {
        switch kind {
        case .good: return "good"
        case .bad: return "bad"
        case .blacklist: return "blacklist"
        }
    }

    func loadRecord(_ db: Database, _ number: RecordNumber) throws -> StoredRecord {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM credit_records WHERE record_number = ?", arguments: [number.value])
        else { throw StoreError(.notFound, "no credit record numbered \(number)") }
        return try Self.record(row)
    }

    static func recordArguments(_ record: StoredRecord, revision: UInt64) -> StatementArguments {
        [
            record.recordNumber.value, record.uscc.value, kindName(record.kind), record.behaviourCode?.code,
            record.projectNumber?.value, record.decisionNumber, record.authority, Int(record.authorityLevel.rawValue),
            record.decisionDate.description, record.publicationMonths, record.publishedFrom?.description,
            record.publishedUntil?.description, record.summary, record.status.rawValue, record.version,
            Int64(revision),
        ]
    }

    static let upsertRecordSQL = """
        INSERT INTO credit_records (record_number, uscc, kind, behaviour_code, project_number, decision_number,
            authority, authority_level, decision_date, publication_months, published_from, published_until, summary,
            status, version, updated_revision)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (record_number) DO UPDATE SET uscc = excluded.uscc, kind = excluded.kind,
            behaviour_code = excluded.behaviour_code, project_number = excluded.project_number,
            decision_number = excluded.decision_number, authority = excluded.authority,
            authority_level = excluded.authority_level, decision_date = excluded.decision_date,
            publication_months = excluded.publication_months, published_from = excluded.published_from,
            published_until = excluded.published_until, summary = excluded.summary, status = excluded.status,
            version = excluded.version, updated_revision = excluded.updated_revision
        """

    /// Stores the record and the history step that made it what it is, in the caller's transaction.
    func save(
        _ db: Database, _ record: StoredRecord, action: String, by account: String, reason: String?,
        detail: [String: String] = [:]
    ) throws {
        var detail = detail
        detail["status"] = record.status.rawValue
        detail["version"] = String(record.version)
        if let reason { detail["reason"] = reason }
        let revision = try change(db, by: account, "record.\(action)", record.recordNumber.value, detail)
        try db.execute(sql: Self.upsertRecordSQL, arguments: Self.recordArguments(record, revision: revision))
        try db.execute(
            sql: """
                INSERT INTO credit_record_history (record_number, version, action, account, at, reason, revision, snapshot)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.recordNumber.value, record.version, action, account, now, reason, Int64(revision),
                Self.snapshot(record),
            ])
    }

    static func snapshot(_ record: StoredRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(record), as: UTF8.self)
    }

    static func checkText(_ text: String, _ field: String, maximum: Int = 200) throws(StoreError) {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StoreError(.invalidInput, "\(field) is empty")
        }
        guard text.count <= maximum else {
            throw StoreError(.invalidInput, "\(field) is longer than \(maximum) characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw StoreError(.invalidInput, "\(field) contains control characters")
        }
    }

    static func checkDecision(
        kind: RecordKind, behaviourCode: BehaviourCode?, decisionNumber: String,
        authority: String, summary: String
    ) throws(StoreError) {
        if kind.isUnfavourable, behaviourCode == nil {
            throw StoreError(
                .invalidInput, "a \(kind.chineseName) record needs a behaviour code of the 认定标准, D1-1-03 say")
        }
        try checkText(decisionNumber, "decisionNumber", maximum: 64)
        try checkText(authority, "authority", maximum: 64)
        try checkText(summary, "summary", maximum: 200)
    }

    // MARK: Workflow

    public func record(_ draft: RecordDraft, by actor: Account) async throws(StoreError) -> StoredRecord {
        try actor.authorise([.recorder], for: draft.region, to: "record credit behaviour in \(draft.region.code)")
        try Self.checkDecision(
            kind: draft.kind, behaviourCode: draft.behaviourCode, decisionNumber: draft.decisionNumber,
            authority: draft.authority, summary: draft.summary)
        try PublicationRules.check(months: draft.publicationMonths, for: draft.kind)
        let today = CardTimestamp(secondsSince1970: now).date
        guard draft.decisionDate <= today else {
            throw StoreError(.invalidInput, "the decision date \(draft.decisionDate) is after today (\(today))")
        }
        return try write { db in
            try self.requireCurrent(actor, db)
            guard try Self.enterprise(db, uscc: draft.uscc.value) != nil else {
                throw StoreError(.notFound, "no enterprise \(draft.uscc) in the database: import it first")
            }
            if let project = draft.projectNumber,
                try Int.fetchOne(db, sql: "SELECT 1 FROM projects WHERE project_number = ?", arguments: [project.value])
                    == nil
            {
                throw StoreError(.notFound, "no project \(project) in the database")
            }
            var serial =
                try Int64.fetchOne(
                    db, sql: "SELECT next_serial FROM record_serials WHERE region = ?", arguments: [draft.region.code])
                ?? 1
            var number = try RecordNumber(region: draft.region, serial: UInt64(serial))
            // Imported records may already use numbers of this region's series.
            while try Int.fetchOne(
                db, sql: "SELECT 1 FROM credit_records WHERE record_number = ?", arguments: [number.value]) != nil
            {
                serial += 1
                number = try RecordNumber(region: draft.region, serial: UInt64(serial))
            }
            try db.execute(
                sql: """
                    INSERT INTO record_serials (region, next_serial) VALUES (?, ?)
                    ON CONFLICT (region) DO UPDATE SET next_serial = excluded.next_serial
                    """, arguments: [draft.region.code, serial + 1])
            let record = StoredRecord(
                recordNumber: number, uscc: draft.uscc, kind: draft.kind, behaviourCode: draft.behaviourCode,
                projectNumber: draft.projectNumber, decisionNumber: draft.decisionNumber, authority: draft.authority,
                authorityLevel: draft.authorityLevel, decisionDate: draft.decisionDate,
                publicationMonths: draft.publicationMonths, publishedFrom: nil, publishedUntil: nil,
                summary: draft.summary, status: .recorded, version: 1)
            try self.save(
                db, record, action: "recorded", by: actor.name, reason: nil,
                detail: ["uscc": draft.uscc.value, "kind": Self.kindName(draft.kind)])
            return record
        }
    }

    /// Loads a record, checks the approver's region and the state, applies `body` and saves.
    private func transition(
        _ number: RecordNumber, by actor: Account, roles: Set<Role> = [.approver], action: String,
        verb: String, from states: Set<RecordStatus>, reason: String?,
        _ body: (inout StoredRecord) throws -> Void
    ) throws(StoreError) -> StoredRecord {
        try actor.authorise(roles, for: number.region, to: "\(verb) records of \(number.region.code)")
        if let reason { try Self.checkText(reason, "reason", maximum: 500) }
        return try write { db in
            try self.requireCurrent(actor, db)
            var record = try self.loadRecord(db, number)
            guard states.contains(record.status) else {
                throw StoreError(
                    .conflict,
                    "record \(number) is \(record.status.rawValue); only a \(states.map(\.rawValue).sorted().joined(separator: " or ")) record can be \(action)"
                )
            }
            try body(&record)
            record.version += 1
            try self.save(db, record, action: action, by: actor.name, reason: reason)
            return record
        }
    }

    public func approve(_ number: RecordNumber, by actor: Account) async throws(StoreError) -> StoredRecord {
        try transition(number, by: actor, action: "approved", verb: "approve", from: [.recorded], reason: nil) {
            $0.status = .approved
        }
    }

    public func reject(_ number: RecordNumber, reason: String, by actor: Account) async throws(StoreError)
        -> StoredRecord
    {
        try transition(number, by: actor, action: "rejected", verb: "reject", from: [.recorded], reason: reason) {
            $0.status = .rejected
        }
    }

    public func publish(_ number: RecordNumber, on day: CardDate, by actor: Account) async throws(StoreError)
        -> StoredRecord
    {
        try transition(number, by: actor, action: "published", verb: "publish", from: [.approved], reason: nil) {
            record in
            guard day >= record.decisionDate else {
                throw StoreError(
                    .invalidInput, "publication on \(day) would come before the decision of \(record.decisionDate)")
            }
            record.status = .published
            record.publishedFrom = day
            record.publishedUntil = day.adding(months: record.publicationMonths)
        }
    }

    public func withdraw(_ number: RecordNumber, reason: String, by actor: Account) async throws(StoreError)
        -> StoredRecord
    {
        try transition(
            number, by: actor, action: "withdrawn", verb: "withdraw", from: [.recorded, .approved, .published],
            reason: reason
        ) { $0.status = .withdrawn }
    }

    public func amend(_ number: RecordNumber, _ amendment: RecordAmendment, reason: String, by actor: Account)
        async throws(StoreError) -> StoredRecord
    {
        guard !amendment.isEmpty else { throw StoreError(.invalidInput, "the amendment changes nothing") }
        return try transition(
            number, by: actor, action: "amended", verb: "amend", from: [.recorded, .approved, .published],
            reason: reason
        ) { record in
            if let value = amendment.behaviourCode { record.behaviourCode = value }
            if let value = amendment.decisionNumber { record.decisionNumber = value }
            if let value = amendment.authority { record.authority = value }
            if let value = amendment.authorityLevel { record.authorityLevel = value }
            if let value = amendment.decisionDate {
                guard record.publishedFrom.map({ value <= $0 }) ?? true else {
                    throw StoreError(.invalidInput, "the decision date \(value) is after the record's publication")
                }
                record.decisionDate = value
            }
            if let value = amendment.summary { record.summary = value }
            try Self.checkDecision(
                kind: record.kind, behaviourCode: record.behaviourCode, decisionNumber: record.decisionNumber,
                authority: record.authority, summary: record.summary)
        }
    }

    /// Checks a shortened end against the rules; returns nothing or throws why not.
    static func checkShortening(_ record: StoredRecord, until: CardDate) throws(StoreError) {
        guard record.status == .published, let from = record.publishedFrom, let current = record.publishedUntil else {
            throw StoreError(
                .conflict, "record \(record.recordNumber) is not published; only a published window can be shortened")
        }
        guard record.kind.isUnfavourable else {
            throw StoreError(
                .conflict, "record \(record.recordNumber) is a 良好行为 record; only bad records are shortened")
        }
        guard until < current else {
            throw StoreError(
                .invalidInput,
                "the window of \(record.recordNumber) already ends on \(current); \(until) does not shorten it")
        }
        let earliest = from.adding(months: PublicationRules.minimumShortenedMonths)
        guard until >= earliest else {
            throw StoreError(
                .invalidInput,
                "a shortened window lasts at least \(PublicationRules.minimumShortenedMonths) months: it may end on \(earliest) at the earliest, not \(until)"
            )
        }
    }

    public func requestShortening(_ number: RecordNumber, until: CardDate, reason: String, by actor: Account)
        async throws(StoreError) -> ShorteningRequest
    {
        try actor.authorise(
            [.recorder, .approver], for: number.region, to: "file shortenings for records of \(number.region.code)")
        try Self.checkText(reason, "reason", maximum: 500)
        return try write { db in
            try self.requireCurrent(actor, db)
            let record = try self.loadRecord(db, number)
            try Self.checkShortening(record, until: until)
            try db.execute(
                sql: """
                    INSERT INTO shortening_requests (record_number, requested_until, reason, status, requested_by, requested_at)
                    VALUES (?, ?, ?, 'pending', ?, ?)
                    """, arguments: [number.value, until.description, reason, actor.name, self.now])
            let id = db.lastInsertedRowID
            try self.change(
                db, by: actor.name, "record.shortening-requested", number.value,
                ["request": String(id), "until": until.description, "reason": reason])
            return ShorteningRequest(
                id: id, recordNumber: number, requestedUntil: until, reason: reason, status: .pending)
        }
    }

    public func approveShortening(_ requestID: Int64, by actor: Account) async throws(StoreError) -> StoredRecord {
        try write { db in
            try self.requireCurrent(actor, db)
            guard
                let request = try Row.fetchOne(
                    db, sql: "SELECT * FROM shortening_requests WHERE id = ?", arguments: [requestID])
            else { throw StoreError(.notFound, "no shortening request \(requestID)") }
            let number = try RecordNumber(request["record_number"])
            try actor.authorise([.approver], for: number.region, to: "approve shortenings of \(number.region.code)")
            guard request["status"] as String == "pending" else {
                throw StoreError(
                    .conflict, "shortening request \(requestID) was already \(request["status"] as String)")
            }
            let until = try Self.date(request["requested_until"])
            var record = try self.loadRecord(db, number)
            try Self.checkShortening(record, until: until)
            try db.execute(
                sql: "UPDATE shortening_requests SET status = 'approved', decided_by = ?, decided_at = ? WHERE id = ?",
                arguments: [actor.name, self.now, requestID])
            let previous = record.publishedUntil!
            record.publishedUntil = until
            record.version += 1
            try self.save(
                db, record, action: "shortened", by: actor.name, reason: request["reason"],
                detail: [
                    "request": String(requestID), "until": until.description, "previousUntil": previous.description,
                ])
            return record
        }
    }

    public func creditRecord(_ number: RecordNumber) async throws(StoreError) -> StoredRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM credit_records WHERE record_number = ?", arguments: [number.value])
                .map(Self.record)
        }
    }

    public func history(of number: RecordNumber) async throws(StoreError) -> [RecordHistoryEntry] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM credit_record_history WHERE record_number = ? ORDER BY version",
                arguments: [number.value]
            ).map { row in
                let snapshot: String = row["snapshot"]
                return RecordHistoryEntry(
                    version: row["version"], action: row["action"], account: row["account"],
                    at: CardTimestamp(secondsSince1970: row["at"]), reason: row["reason"],
                    revision: UInt64(row["revision"] as Int64),
                    snapshot: try JSONDecoder().decode(StoredRecord.self, from: Data(snapshot.utf8)))
            }
        }
    }
}
