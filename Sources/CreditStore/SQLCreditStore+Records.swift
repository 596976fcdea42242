import Foundation
import HandbookCodec

extension SQLCreditStore {
    // MARK: Rows

    static func date(_ text: String) throws -> CardDate { try CardDate(iso: text) }

    static func record(_ row: SQLRow) throws -> StoredRecord {
        let behaviour: String? = try row["behaviour_code"]
        let project: String? = try row["project_number"]
        let from: String? = try row["published_from"]
        let until: String? = try row["published_until"]
        let kindName: String = try row["kind"]
        let status: String = try row["status"]
        let level: Int64 = try row["authority_level"]
        guard let kind = RecordKind(name: kindName),
            let authorityLevel = UInt8(exactly: level).flatMap(AuthorityLevel.init(rawValue:)),
            let status = RecordStatus(rawValue: status)
        else {
            throw StoreError(
                .database,
                "credit record \(try row["record_number"] as String? ?? ""): a stored value is out of its range")
        }
        return StoredRecord(
            recordNumber: try RecordNumber(row["record_number"]), uscc: try USCC(row["uscc"], mode: .lenient),
            kind: kind,
            behaviourCode: try behaviour.map { try BehaviourCode($0) },
            projectNumber: try project.map { try ProjectNumber($0) }, decisionNumber: try row["decision_number"],
            authority: try row["authority"], authorityLevel: authorityLevel,
            decisionDate: try date(row["decision_date"]), publicationMonths: try row["publication_months"],
            publishedFrom: try from.map(date), publishedUntil: try until.map(date), summary: try row["summary"],
            status: status, version: try row["version"])
    }

    static func loadRecord(_ db: any SQLSession, _ number: RecordNumber) throws -> StoredRecord {
        guard
            let row = try SQLRow.fetchOne(
                db, sql: "SELECT * FROM credit_records WHERE record_number = ?", arguments: [number.value])
        else { throw StoreError(.notFound, Self.noRecord(number)) }
        return try Self.record(row)
    }

    /// What "no such record" says: the same whether the record is absent or in another's region.
    static func noRecord(_ number: RecordNumber) -> String { "no credit record numbered \(number)" }

    static func recordArguments(_ record: StoredRecord, revision: UInt64) -> SQLArguments {
        [
            record.recordNumber.value, record.uscc.value, record.kind.name, record.behaviourCode?.code,
            record.projectNumber?.value, record.decisionNumber, record.authority, Int(record.authorityLevel.rawValue),
            record.decisionDate.description, record.publicationMonths, record.publishedFrom?.description,
            record.publishedUntil?.description, record.summary, record.status.rawValue, record.version,
            Int64(clamping: revision),
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
        _ db: any SQLSession, _ record: StoredRecord, action: String, by account: String, reason: String?,
        detail: [String: String] = [:]
    ) throws {
        var detail = detail
        detail["status"] = record.status.rawValue
        detail["version"] = String(record.version)
        if let reason { detail["reason"] = reason }
        let revision = try change(
            db, by: account, "record.\(action)", record.recordNumber.value, region: record.recordNumber.region, detail)
        try db.execute(sql: Self.upsertRecordSQL, arguments: Self.recordArguments(record, revision: revision))
        try db.execute(
            sql: """
                INSERT INTO credit_record_history (record_number, version, action, account, at, reason, revision, snapshot)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.recordNumber.value, record.version, action, account, now, reason, Int64(clamping: revision),
                Self.snapshot(record),
            ])
    }

    static func snapshot(_ record: StoredRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A StoredRecord holds only strings, numbers and dates, which always encode.
        return (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The rule every text of a record follows, in the workflow and in imports: not empty, at most
    /// `maximum` characters, no space at either end, nothing invisible (controls, bidirectional
    /// overrides, zero-width characters) — a text shows exactly what it says, on a card and on a page.
    static func checkText(_ text: String, _ field: String, maximum: Int = 200) throws(StoreError) {
        if let problem = TextRule.problem(text, maximumCharacters: maximum) {
            throw StoreError(.invalidInput, "\(field): \(problem)")
        }
    }

    static func checkDecision(
        kind: RecordKind, behaviourCode: BehaviourCode?, decisionNumber: String,
        authority: String, summary: String
    ) throws(StoreError) {
        if kind.isUnfavourable, behaviourCode == nil {
            throw StoreError(
                .invalidInput,
                "behaviourCode: a \(kind.chineseName) record needs a behaviour code of the 认定标准, D1-1-03 say")
        }
        if !kind.isUnfavourable, behaviourCode != nil {
            throw StoreError(
                .invalidInput,
                "behaviourCode: a \(kind.chineseName) record carries no behaviour code (the codes are of bad behaviour)"
            )
        }
        try checkText(decisionNumber, "decisionNumber", maximum: 64)
        try checkText(authority, "authority", maximum: 64)
        try checkText(summary, "summary", maximum: 200)
    }

    // MARK: Dates the workflow accepts

    /// The day of the store's clock (UTC).
    var today: CardDate { CardDate(secondsSince1970: now) }

    /// A decision date: not after today, and not before the platform's records begin (2005-01-01).
    func checkDecisionDate(_ date: CardDate, _ field: String = "decisionDate") throws(StoreError) {
        guard date >= WorkflowDates.earliestDecision else {
            throw StoreError(
                .invalidInput,
                "\(field): \(date) is before \(WorkflowDates.earliestDecision), when the platform's records begin")
        }
        guard date <= today else { throw StoreError(.invalidInput, "\(field): \(date) is after today (\(today))") }
    }

    // MARK: Workflow

    public func record(_ draft: RecordDraft, by actor: Account) async throws(StoreError) -> StoredRecord {
        try actor.authorise(.recordCredit, in: draft.region)
        try Self.checkDecision(
            kind: draft.kind, behaviourCode: draft.behaviourCode, decisionNumber: draft.decisionNumber,
            authority: draft.authority, summary: draft.summary)
        try PublicationRules.check(months: draft.publicationMonths, for: draft.kind)
        try checkDecisionDate(draft.decisionDate)
        return try await write { db in
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
            func number(_ serial: Int64) throws -> RecordNumber {
                guard let value = UInt64(exactly: serial) else {
                    throw StoreError(.database, "record serial \(serial) of \(draft.region.code) is out of range")
                }
                return try RecordNumber(region: draft.region, serial: value)
            }
            var recordNumber = try number(serial)
            // Imported records may already use numbers of this region's series.
            while try Int.fetchOne(
                db, sql: "SELECT 1 FROM credit_records WHERE record_number = ?", arguments: [recordNumber.value]) != nil
            {
                serial += 1
                recordNumber = try number(serial)
            }
            try db.execute(
                sql: """
                    INSERT INTO record_serials (region, next_serial) VALUES (?, ?)
                    ON CONFLICT (region) DO UPDATE SET next_serial = excluded.next_serial
                    """, arguments: [draft.region.code, serial + 1])
            let record = StoredRecord(
                recordNumber: recordNumber, uscc: draft.uscc, kind: draft.kind, behaviourCode: draft.behaviourCode,
                projectNumber: draft.projectNumber, decisionNumber: draft.decisionNumber, authority: draft.authority,
                authorityLevel: draft.authorityLevel, decisionDate: draft.decisionDate,
                publicationMonths: draft.publicationMonths, publishedFrom: nil, publishedUntil: nil,
                summary: draft.summary, status: .recorded, version: 1)
            try self.save(
                db, record, action: "recorded", by: actor.name, reason: nil,
                detail: ["uscc": draft.uscc.value, "kind": draft.kind.name])
            return record
        }
    }

    /// Whether `account` recorded or amended the record: maker–checker keeps it from approving or
    /// publishing it, whatever roles it holds.
    static func isMaker(_ db: any SQLSession, _ number: RecordNumber, _ account: String) throws -> Bool {
        try Int.fetchOne(
            db,
            sql: """
                SELECT 1 FROM credit_record_history
                WHERE record_number = ? AND account = ? AND (action = 'recorded' OR action = 'amended') LIMIT 1
                """, arguments: [number.value, account]) != nil
    }

    /// Loads a record, checks the actor's role and region and the record's state, applies `body`
    /// and saves. A record outside the actor's regions answers as if it did not exist.
    private func transition(
        _ number: RecordNumber, by actor: Account, action: Action, past: String, from states: Set<RecordStatus>,
        reason: String?, checker: Bool = false, _ body: @escaping @Sendable (inout StoredRecord) throws -> Void
    ) async throws(StoreError) -> StoredRecord {
        try actor.authorise(action, toSee: number.region, orNotFound: Self.noRecord(number))
        if let reason { try Self.checkText(reason, "reason", maximum: 500) }
        return try await write { db in
            try self.requireCurrent(actor, db)
            var record = try Self.loadRecord(db, number)
            guard states.contains(record.status) else {
                throw StoreError(
                    .conflict,
                    "record \(number) is \(record.status.rawValue); only a \(states.map(\.rawValue).sorted().joined(separator: " or ")) record can be \(past)"
                )
            }
            if checker, try Self.isMaker(db, number, actor.name) {
                throw StoreError(
                    .forbidden,
                    "maker–checker: \(actor.name) recorded or amended record \(number), so another approver must check it"
                )
            }
            try body(&record)
            record.version += 1
            try self.save(db, record, action: past, by: actor.name, reason: reason)
            return record
        }
    }

    public func approve(_ number: RecordNumber, by actor: Account) async throws(StoreError) -> StoredRecord {
        try await transition(
            number, by: actor, action: .approveRecord, past: "approved", from: [.recorded], reason: nil, checker: true
        ) { $0.status = .approved }
    }

    public func reject(_ number: RecordNumber, reason: String, by actor: Account) async throws(StoreError)
        -> StoredRecord
    {
        try await transition(
            number, by: actor, action: .rejectRecord, past: "rejected", from: [.recorded], reason: reason
        ) { $0.status = .rejected }
    }

    public func publish(_ number: RecordNumber, on day: CardDate, by actor: Account) async throws(StoreError)
        -> StoredRecord
    {
        // A publication starts near today: back-dated at most 90 days (the decision may have been
        // published elsewhere first), forward-dated at most 30.
        let today = self.today
        let earliest = (try? today.adding(days: -WorkflowDates.publicationBackdatingDays)) ?? today
        let latest = (try? today.adding(days: WorkflowDates.publicationForwardDays)) ?? today
        guard (earliest...latest).contains(day) else {
            throw StoreError(.invalidInput, "on: a publication starts between \(earliest) and \(latest), not on \(day)")
        }
        return try await transition(
            number, by: actor, action: .publishRecord, past: "published", from: [.approved], reason: nil, checker: true
        ) { record in
            guard day >= record.decisionDate else {
                throw StoreError(
                    .invalidInput, "on: publication on \(day) would come before the decision of \(record.decisionDate)")
            }
            record.status = .published
            record.publishedFrom = day
            record.publishedUntil = try day.adding(months: record.publicationMonths)
        }
    }

    public func withdraw(_ number: RecordNumber, reason: String, by actor: Account) async throws(StoreError)
        -> StoredRecord
    {
        try await transition(
            number, by: actor, action: .withdrawRecord, past: "withdrawn", from: [.recorded, .approved, .published],
            reason: reason
        ) { $0.status = .withdrawn }
    }

    public func amend(_ number: RecordNumber, _ amendment: RecordAmendment, reason: String, by actor: Account)
        async throws(StoreError) -> StoredRecord
    {
        guard !amendment.isEmpty else { throw StoreError(.invalidInput, "the amendment changes nothing") }
        if let date = amendment.decisionDate { try checkDecisionDate(date) }
        return try await transition(
            number, by: actor, action: .amendRecord, past: "amended", from: [.recorded, .approved, .published],
            reason: reason
        ) { record in
            if let value = amendment.behaviourCode { record.behaviourCode = value }
            if let value = amendment.decisionNumber { record.decisionNumber = value }
            if let value = amendment.authority { record.authority = value }
            if let value = amendment.authorityLevel { record.authorityLevel = value }
            if let value = amendment.decisionDate {
                guard record.publishedFrom.map({ value <= $0 }) ?? true else {
                    throw StoreError(
                        .invalidInput, "decisionDate: \(value) is after the record's publication")
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
                .conflict,
                "record \(record.recordNumber) is a \(RecordKind.good.chineseName) record; only bad records are shortened"
            )
        }
        guard until < current else {
            throw StoreError(
                .invalidInput,
                "until: the window of \(record.recordNumber) already ends on \(current); \(until) does not shorten it")
        }
        let earliest: CardDate
        do {
            earliest = try from.adding(months: PublicationRules.minimumShortenedMonths)
        } catch {
            throw StoreError(.invalidInput, "until: \(error.reason)")
        }
        guard until >= earliest else {
            throw StoreError(
                .invalidInput,
                "until: a shortened window lasts at least \(PublicationRules.minimumShortenedMonths) months: it may end on \(earliest) at the earliest, not \(until)"
            )
        }
    }

    public func requestShortening(_ number: RecordNumber, until: CardDate, reason: String, by actor: Account)
        async throws(StoreError) -> ShorteningRequest
    {
        try actor.authorise(.requestShortening, toSee: number.region, orNotFound: Self.noRecord(number))
        try Self.checkText(reason, "reason", maximum: 500)
        return try await write { db in
            try self.requireCurrent(actor, db)
            let record = try Self.loadRecord(db, number)
            try Self.checkShortening(record, until: until)
            let id = try db.insertReturningID(
                sql: """
                    INSERT INTO shortening_requests (record_number, requested_until, reason, status, requested_by, requested_at)
                    VALUES (?, ?, ?, 'pending', ?, ?)
                    """, arguments: [number.value, until.description, reason, actor.name, self.now])

            try self.change(
                db, by: actor.name, "record.shortening-requested", number.value, region: number.region,
                ["request": String(id), "until": until.description, "reason": reason])
            return ShorteningRequest(
                id: id, recordNumber: number, requestedUntil: until, reason: reason, status: .pending,
                requestedBy: actor.name)
        }
    }

    /// Loads a pending shortening request for `actor` to decide: one of another region is as if absent,
    /// and nobody decides a request they filed.
    func pendingShortening(_ db: any SQLSession, _ requestID: Int64, by actor: Account) throws -> (SQLRow, RecordNumber)
    {
        let missing = "no shortening request \(requestID)"
        guard
            let request = try SQLRow.fetchOne(
                db, sql: "SELECT * FROM shortening_requests WHERE id = ?", arguments: [requestID])
        else { throw StoreError(.notFound, missing) }
        let number = try RecordNumber(request["record_number"])
        try actor.authorise(.decideShortening, toSee: number.region, orNotFound: missing)
        guard try request["status"] as String == "pending" else {
            throw StoreError(
                .conflict, "shortening request \(requestID) was already \(try request["status"] as String)")
        }
        guard try request["requested_by"] as String != actor.name else {
            throw StoreError(
                .forbidden,
                "maker–checker: \(actor.name) filed shortening request \(requestID), so another approver decides it")
        }
        return (request, number)
    }

    public func approveShortening(_ requestID: Int64, by actor: Account) async throws(StoreError) -> StoredRecord {
        try actor.require(.decideShortening)
        return try await write { db in
            try self.requireCurrent(actor, db)
            let (request, number) = try self.pendingShortening(db, requestID, by: actor)
            let until = try Self.date(request["requested_until"])
            var record = try Self.loadRecord(db, number)
            try Self.checkShortening(record, until: until)
            guard let previous = record.publishedUntil else {
                throw StoreError(.conflict, "record \(number) has no publication window to shorten")
            }
            try db.execute(
                sql: "UPDATE shortening_requests SET status = 'approved', decided_by = ?, decided_at = ? WHERE id = ?",
                arguments: [actor.name, self.now, requestID])
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

    public func rejectShortening(_ requestID: Int64, reason: String, by actor: Account) async throws(StoreError)
        -> ShorteningRequest
    {
        try actor.require(.decideShortening)
        try Self.checkText(reason, "reason", maximum: 500)
        return try await write { db in
            try self.requireCurrent(actor, db)
            let (request, number) = try self.pendingShortening(db, requestID, by: actor)
            try db.execute(
                sql: """
                    UPDATE shortening_requests SET status = 'rejected', decided_by = ?, decided_at = ?, decision_reason = ?
                    WHERE id = ?
                    """, arguments: [actor.name, self.now, reason, requestID])
            try self.change(
                db, by: actor.name, "record.shortening-rejected", number.value, region: number.region,
                ["request": String(requestID), "reason": reason])
            return ShorteningRequest(
                id: requestID, recordNumber: number, requestedUntil: try Self.date(request["requested_until"]),
                reason: try request["reason"], status: .rejected, requestedBy: try request["requested_by"],
                decidedBy: actor.name, decisionReason: reason)
        }
    }

    public func shorteningRequests(of number: RecordNumber, by actor: Account) async throws(StoreError)
        -> [ShorteningRequest]
    {
        try actor.authorise(.readRecord, toSee: number.region, orNotFound: Self.noRecord(number))
        return try await read { db in
            try SQLRow.fetchAll(
                db, sql: "SELECT * FROM shortening_requests WHERE record_number = ? ORDER BY id",
                arguments: [number.value]
            ).map(Self.shortening)
        }
    }

    static func shortening(_ row: SQLRow) throws -> ShorteningRequest {
        ShorteningRequest(
            id: try row["id"], recordNumber: try RecordNumber(row["record_number"]),
            requestedUntil: try date(row["requested_until"]), reason: try row["reason"],
            status: ShorteningRequest.Status(rawValue: try row["status"]) ?? .pending,
            requestedBy: try row["requested_by"],
            decidedBy: try row["decided_by"], decisionReason: try row["decision_reason"])
    }

    public func creditRecord(_ number: RecordNumber, by actor: Account) async throws(StoreError) -> StoredRecord? {
        try actor.require(.readRecord)
        guard actor.sees(number.region) else { return nil }
        return try await read { db in
            try SQLRow.fetchOne(
                db, sql: "SELECT * FROM credit_records WHERE record_number = ?", arguments: [number.value]
            )
            .map(Self.record)
        }
    }

    public func history(of number: RecordNumber, by actor: Account) async throws(StoreError) -> [RecordHistoryEntry] {
        try actor.require(.readRecord)
        guard actor.sees(number.region) else { return [] }
        return try await read { db in
            try SQLRow.fetchAll(
                db, sql: "SELECT * FROM credit_record_history WHERE record_number = ? ORDER BY version",
                arguments: [number.value]
            ).map { row in
                let snapshot: String = try row["snapshot"]
                return RecordHistoryEntry(
                    version: try row["version"], action: try row["action"], account: try row["account"],
                    at: CardTimestamp(secondsSince1970: try row["at"]), reason: try row["reason"],
                    revision: try Self.revision(row["revision"]),
                    snapshot: try JSONDecoder().decode(StoredRecord.self, from: Data(snapshot.utf8)))
            }
        }
    }
}

/// The dates the record workflow accepts.
public enum WorkflowDates {
    /// The platform's records begin on 2005-01-01 (the seed notice's 采集起始时间).
    public static let earliestDecision = CardDate.platformStart
    /// How far before today a publication may start.
    public static let publicationBackdatingDays = 90
    /// How far after today a publication may start.
    public static let publicationForwardDays = 30
    /// How long after a check its proof may still be sent (a verifier that was offline for a while).
    public static let checkReportingDays = 90
}
