import Foundation
import HandbookCodec

/// Which credit records a work list shows: the approver's queue (recorded, oldest first), a
/// recorder's own records, an enterprise's records in every state.
public struct WorkListQuery: Sendable, Hashable {
    /// Only records in these states (nil: every state).
    public var statuses: Set<RecordStatus>?
    /// Only the records of this enterprise.
    public var uscc: USCC?
    /// Only the records this account recorded.
    public var recordedBy: String?
    /// Newest first (by when they were recorded) instead of oldest first.
    public var newestFirst: Bool
    /// At most this many (1…500).
    public var limit: Int
    /// After skipping this many of the list (0…10,000): a later page.
    public var offset: Int

    public init(
        statuses: Set<RecordStatus>? = nil, uscc: USCC? = nil, recordedBy: String? = nil, newestFirst: Bool = false,
        limit: Int = 100, offset: Int = 0
    ) {
        self.statuses = statuses
        self.uscc = uscc
        self.recordedBy = recordedBy
        self.newestFirst = newestFirst
        self.limit = limit
        self.offset = offset
    }
}

/// A record in a work list: the record, who recorded it and when, and the reason given at its
/// latest step (a rejection's reason is what its recorder must see).
public struct RecordListItem: Sendable, Hashable, Codable {
    public var record: StoredRecord
    public var recordedBy: String?
    public var recordedAt: CardTimestamp?
    public var latestReason: String?
}

/// Which audit entries to show, newest first.
public struct AuditQuery: Sendable, Hashable {
    public var account: String?
    public var action: String?
    public var subject: String?
    /// Entries on or after the first day and on or before the last (the platform's days, UTC+8).
    public var from: CardDate?
    public var through: CardDate?
    /// Only entries with ids below this (the next page).
    public var before: Int64?
    /// At most this many (1…1000).
    public var limit: Int

    public init(
        account: String? = nil, action: String? = nil, subject: String? = nil, from: CardDate? = nil,
        through: CardDate? = nil, before: Int64? = nil, limit: Int = 100
    ) {
        self.account = account
        self.action = action
        self.subject = subject
        self.from = from
        self.through = through
        self.before = before
        self.limit = limit
    }
}

/// The indexes the work lists read through.
enum WorkListSchema {
    static let version6 = """
        CREATE INDEX credit_record_history_account ON credit_record_history (account, action);
        CREATE INDEX shortening_requests_pending ON shortening_requests (status) WHERE status = 'pending';
        CREATE INDEX audit_log_account ON audit_log (account);
        CREATE INDEX audit_log_subject ON audit_log (subject);
        CREATE INDEX issuance_journal_card ON issuance_journal (card_serial);
        """
}

extension SQLCreditStore {
    public func creditRecords(_ query: WorkListQuery, by actor: Account) async throws(StoreError) -> [RecordListItem] {
        try actor.require(.readRecord)
        let limit = max(1, min(query.limit, 500))
        let offset = max(0, min(query.offset, 10_000))
        var conditions: [String] = []
        var statementArguments = SQLArguments()
        if let statuses = query.statuses {
            guard !statuses.isEmpty else { return [] }
            // Written as comparisons so that the pending-records index serves the queue.
            conditions.append(Schema.oneOf("r.status", statuses.map(\.rawValue).sorted()))
        }
        if let uscc = query.uscc {
            conditions.append("r.uscc = ?")
            statementArguments += [uscc.value]
        }
        var from =
            "credit_records r LEFT JOIN credit_record_history h ON h.record_number = r.record_number AND h.version = 1"
        if let recorder = query.recordedBy {
            from =
                "credit_record_history h JOIN credit_records r ON r.record_number = h.record_number"
            conditions.append("h.account = ? AND h.action = 'recorded' AND h.version = 1")
            statementArguments += [recorder]
        }
        let order = query.newestFirst ? "DESC" : "ASC"
        let sql = """
            SELECT r.*, h.account AS recorded_by, h.at AS recorded_at,
                (SELECT x.reason FROM credit_record_history x WHERE x.record_number = r.record_number
                    ORDER BY x.version DESC LIMIT 1) AS latest_reason
            FROM \(from)
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY h.at \(order), r.record_number \(order)
            """
        let arguments = statementArguments
        return try await read { db in
            try self.requireCurrent(actor, db)
            var items: [RecordListItem] = []
            var skipped = 0
            let cursor = try SQLRow.fetchCursor(db, sql: sql, arguments: arguments)
            while items.count < limit, let row = try cursor.next() {
                let record = try Self.record(row)
                guard actor.sees(record.recordNumber.region) else { continue }
                guard skipped >= offset else {
                    skipped += 1
                    continue
                }
                let at: Int64? = try row["recorded_at"]
                items.append(
                    RecordListItem(
                        record: record, recordedBy: try row["recorded_by"],
                        recordedAt: at.map { CardTimestamp(secondsSince1970: $0) },
                        latestReason: try row["latest_reason"]))
            }
            return items
        }
    }

    public func pendingShortenings(limit: Int, by actor: Account) async throws(StoreError) -> [ShorteningRequest] {
        try actor.require(.decideShortening)
        let limit = max(1, min(limit, 500))
        return try await read { db in
            try self.requireCurrent(actor, db)
            var result: [ShorteningRequest] = []
            let cursor = try SQLRow.fetchCursor(
                db, sql: "SELECT * FROM shortening_requests WHERE status = 'pending' ORDER BY id")
            while result.count < limit, let row = try cursor.next() {
                let request = try Self.shortening(row)
                if actor.sees(request.recordNumber.region) { result.append(request) }
            }
            return result
        }
    }

    public func auditEntries(_ query: AuditQuery, by actor: Account) async throws(StoreError) -> [AuditEntry] {
        try actor.require(.readAudit)
        let limit = max(1, min(query.limit, 1_000))
        var conditions: [String] = []
        var statementArguments = SQLArguments()
        if let account = query.account {
            conditions.append("account = ?")
            statementArguments += [account]
        }
        if let action = query.action {
            conditions.append("action = ?")
            statementArguments += [action]
        }
        if let subject = query.subject {
            conditions.append("subject = ?")
            statementArguments += [subject]
        }
        if let day = query.from {
            conditions.append("at >= ?")
            statementArguments += [Self.startOfDay(day)]
        }
        if let day = query.through {
            conditions.append("at < ?")
            statementArguments += [Self.startOfDay(day) + 86_400]
        }
        if let before = query.before {
            conditions.append("id < ?")
            statementArguments += [before]
        }
        let sql =
            "SELECT * FROM audit_log \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY id DESC"
        let arguments = statementArguments
        return try await read { db in
            try self.requireCurrent(actor, db)
            var result: [AuditEntry] = []
            let cursor = try SQLRow.fetchCursor(db, sql: sql, arguments: arguments)
            while result.count < limit, let row = try cursor.next() {
                let region: String? = try row["region"]
                guard actor.sees(try region.map { try RegionCode($0) }) else { continue }
                result.append(try AuditChain.entry(row))
            }
            return result
        }
    }

    /// The first second of a platform day (UTC+8), as the audit log stores times.
    static func startOfDay(_ day: CardDate) -> Int64 {
        Int64(day.daysSince1970) * 86_400 - CardDate.platformUTCOffset
    }

    public func recentChecks(limit: Int, by actor: Account) async throws(StoreError) -> [StoredCheck] {
        try actor.require(.readChecks)
        let limit = max(1, min(limit, 1_000))
        return try await read { db in
            try self.requireCurrent(actor, db)
            var result: [StoredCheck] = []
            let cursor = try SQLRow.fetchCursor(
                db,
                sql: """
                    SELECT checks.*, cards.region AS card_region FROM checks
                    LEFT JOIN cards ON cards.serial = checks.card_serial ORDER BY checks.id DESC
                    """)
            while result.count < limit, let row = try cursor.next() {
                let region: String? = try row["card_region"]
                guard actor.sees(try region.map { try RegionCode($0) }) else { continue }
                result.append(try Self.check(row))
            }
            return result
        }
    }

    public func journal(of card: CardSerial, by actor: Account) async throws(StoreError) -> [JournalEntry] {
        try actor.require(.readJournal)
        return try await read { db in
            try self.requireCurrent(actor, db)
            guard let status = try Self.cardStatus(db, serial: card.description), actor.sees(status.region) else {
                throw StoreError(.notFound, Self.noCard(card))
            }
            return try SQLRow.fetchAll(
                db, sql: "SELECT * FROM issuance_journal WHERE card_serial = ? ORDER BY id DESC LIMIT 100",
                arguments: [card.description]
            ).map(Self.journalEntry)
        }
    }

    public func cards(of uscc: USCC, by actor: Account) async throws(StoreError) -> [CardStatusReport] {
        try actor.require(.readCard)
        return try await read { db in
            try self.requireCurrent(actor, db)
            return try String.fetchAll(
                db, sql: "SELECT serial FROM cards WHERE uscc = ? ORDER BY serial LIMIT 100", arguments: [uscc.value]
            ).compactMap { serial in
                guard let status = try Self.cardStatus(db, serial: serial), actor.sees(status.region) else {
                    return nil
                }
                return status
            }
        }
    }
}
