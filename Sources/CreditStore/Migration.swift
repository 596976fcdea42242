import Foundation

/// What copying a database into another found: the rows of each table on both sides and the
/// audit chain walked on both.
public struct DatabaseCopyReport: Sendable, Hashable, Codable {
    public struct Table: Sendable, Hashable, Codable {
        public var name: String
        public var source: Int
        public var target: Int
    }

    public var tables: [Table]
    public var sourceChain: AuditVerification
    public var targetChain: AuditVerification
    public var revision: UInt64

    /// Every table has as many rows on both sides, both chains are intact and end at the same hash.
    public var agrees: Bool {
        tables.allSatisfy { $0.source == $0.target } && sourceChain.isIntact && targetChain.isIntact
            && sourceChain.head == targetChain.head && sourceChain.entries == targetChain.entries
    }
}

extension SQLCreditStore {
    /// The tables in the order their references allow them to be filled.
    static let copyOrder = [
        "accounts", "offices", "enterprises", "enterprise_aliases", "qualifications", "practitioners",
        "registrations", "projects", "project_participants", "awards", "credit_records", "credit_record_history",
        "shortening_requests", "record_serials", "cards", "documents", "revocations", "issuance_journal", "imports",
        "audit_log", "checks",
    ]

    /// The tables with generated ids, whose generators continue after the copied ids.
    static let generatedIDTables = [
        "accounts", "practitioners", "shortening_requests", "revocations", "issuance_journal", "imports", "audit_log",
        "checks",
    ]

    /// Copies this database — everything: accounts, data, workflow history, cards, documents, the
    /// issuance journal and the audit log, ids and hashes unchanged — into `target`, which must be
    /// empty (freshly migrated), in one transaction of the target; then counts every table on both
    /// sides and walks both audit chains. Nothing is written to this database. `actor` is an admin
    /// of the whole platform in this database (the copy carries every region).
    public func copy(into target: SQLCreditStore, by actor: Account) throws(StoreError) -> DatabaseCopyReport {
        try actor.require(.manageAccounts)
        guard actor.scope.contains(RegionScope(RegionScope.platformProvinces)) else {
            throw StoreError(.forbidden, "account \(actor.name) acts for \(actor.scope); a copy carries every region")
        }
        try readBlocking { db in try self.requireCurrent(actor, db) }
        let targetCounts = try target.tableCounts()
        let occupied = targetCounts.filter { $0.key != "meta" && $0.value > 0 }.keys.sorted()
        guard occupied.isEmpty, try target.engine.readBlocking({ try Self.currentRevision($0) }) == 0 else {
            throw StoreError(
                .conflict,
                "\(target.path) is not empty (\(occupied.isEmpty ? "its revision is not 0" : occupied.joined(separator: ", ")) hold rows); copy into a new database only"
            )
        }
        // One read snapshot of this database, one write transaction of the target.
        let revision = try readBlocking { source -> UInt64 in
            let revision = try Self.currentRevision(source)
            try target.engine.writeBlocking { destination in
                for table in Self.copyOrder {
                    let rows = try SQLRow.fetchCursor(source, sql: "SELECT * FROM \(table)")
                    var statement: SQLStatement?
                    while let row = try rows.next() {
                        if statement == nil {
                            let columns = row.names.joined(separator: ", ")
                            let marks = row.names.map { _ in "?" }.joined(separator: ", ")
                            statement = destination.statement(
                                sql: "INSERT INTO \(table) (\(columns)) VALUES (\(marks))")
                        }
                        try statement?.execute(arguments: SQLArguments(row.values))
                    }
                }
                try destination.execute(
                    sql: "UPDATE meta SET value = ? WHERE key = 'revision'",
                    arguments: [Int64(clamping: revision)])
                if destination.dialect == .postgres {
                    for table in Self.generatedIDTables {
                        try destination.execute(
                            sql:
                                "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE((SELECT max(id) FROM \(table)), 0) + 1, false)"
                        )
                    }
                }
            }
            return revision
        }
        let sourceCounts = try tableCounts()
        let copiedCounts = try target.tableCounts()
        return DatabaseCopyReport(
            tables: Schema.tables.map {
                DatabaseCopyReport.Table(name: $0, source: sourceCounts[$0] ?? 0, target: copiedCounts[$0] ?? 0)
            },
            sourceChain: try readBlocking { try AuditChain.verify($0) },
            targetChain: try target.engine.readBlocking { try AuditChain.verify($0) },
            revision: revision)
    }
}
