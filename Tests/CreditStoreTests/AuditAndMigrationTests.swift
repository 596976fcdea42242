import Foundation
import HandbookCodec
import HandbookCrypto
import TestSupport
import Testing

@testable import CreditStore

@Suite("the hash-chained audit log")
struct AuditTests {
    @Test("the chain verifies; an edited, a deleted or a reordered entry is found")
    func tampering() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        _ = try await publishedBadRecord(t)
        let intact = try await t.store.verifyAuditChain(by: t.admin)
        #expect(intact.isIntact)
        #expect(intact.entries == (try await t.store.auditEntries(after: 0, limit: 10_000, by: t.admin).count))
        #expect(intact.entries >= 9)
        let entries = try await t.store.auditEntries(after: 0, limit: 10_000, by: t.admin)
        #expect(intact.head == entries.last?.hash)
        for (previous, entry) in zip(entries, entries.dropFirst()) { #expect(entry.previousHash == previous.hash) }

        // The triggers refuse edits through SQL.
        #expect(throws: StoreError.self) {
            try t.raw { try $0.execute(sql: "UPDATE audit_log SET account = 'nobody' WHERE id = 3") }
        }
        #expect(throws: StoreError.self) {
            try t.raw { try $0.execute(sql: "DELETE FROM audit_log WHERE id = 3") }
        }

        // Someone with the file drops them and edits entry 4's account: the chain names entry 4.
        try t.dropTrigger("audit_log_no_update", on: "audit_log")
        try t.dropTrigger("audit_log_no_delete", on: "audit_log")
        try t.raw { try $0.execute(sql: "UPDATE audit_log SET account = 'nobody' WHERE id = 4") }
        var result = try await t.store.verifyAuditChain(by: t.admin)
        #expect(result.firstBrokenEntry == 4)
        #expect(result.problem?.contains("altered") == true)

        // Recomputing entry 4's own hash does not help: entry 5 no longer follows it.
        try t.raw { db in
            let row = try #require(try SQLRow.fetchOne(db, sql: "SELECT * FROM audit_log WHERE id = 4"))
            let hash = HandbookCryptoDigest.sha256(
                AuditChain.hashInput(
                    previous: try row["previous_hash"], id: 4, at: try row["at"], account: "nobody",
                    action: try row["action"], subject: try row["subject"], detail: try row["detail"],
                    revision: try row["revision"], region: try row["region"]))
            try db.execute(sql: "UPDATE audit_log SET hash = ? WHERE id = 4", arguments: [hash])
        }
        result = try await t.store.verifyAuditChain(by: t.admin)
        #expect(result.firstBrokenEntry == 5)
        #expect(result.problem?.contains("does not follow") == true)

        // A deleted entry is a gap.
        try t.raw { try $0.execute(sql: "DELETE FROM audit_log WHERE id = 2") }
        result = try await t.store.verifyAuditChain(by: t.admin)
        #expect(result.firstBrokenEntry == 3)
        #expect(result.problem?.contains("missing") == true)
    }

    @Test("changing a detail or a revision number is found too")
    func otherFields() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        try t.dropTrigger("audit_log_no_update", on: "audit_log")
        try t.raw { try $0.execute(sql: "UPDATE audit_log SET revision = revision + 1 WHERE id = 2") }
        #expect(try await t.store.verifyAuditChain(by: t.admin).firstBrokenEntry == 2)
        try t.raw { db in
            try db.execute(sql: "UPDATE audit_log SET revision = revision - 1 WHERE id = 2")
            try db.execute(sql: #"UPDATE audit_log SET detail = '{"role":"admin"}' WHERE id = 3"#)
        }
        #expect(try await t.store.verifyAuditChain(by: t.admin).firstBrokenEntry == 3)
    }

    @Test("changing an entry's time, account, action, subject or region is found: each is in the hash")
    func everyColumn() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let target = try #require(
            try t.raw { db in
                try Int64.fetchOne(db, sql: "SELECT id FROM audit_log WHERE region IS NOT NULL ORDER BY id LIMIT 1")
            })
        try t.dropTrigger("audit_log_no_update", on: "audit_log")
        #expect(try await t.store.verifyAuditChain(by: t.admin).firstBrokenEntry == nil)
        for (column, change) in [
            ("at", "at + 1"), ("account", "account || 'x'"), ("action", "'record.approve'"),
            ("subject", "subject || '0'"), ("region", "'330000'"),
        ] {
            let before = try t.raw { db in
                try SQLRow.fetchOne(db, sql: "SELECT \(column) FROM audit_log WHERE id = ?", arguments: [target])?
                    .value(column)
            }
            try t.raw { db in
                try db.execute(sql: "UPDATE audit_log SET \(column) = \(change) WHERE id = ?", arguments: [target])
            }
            #expect(try await t.store.verifyAuditChain(by: t.admin).firstBrokenEntry == target, "\(column)")
            try t.raw { db in
                try db.execute(
                    sql: "UPDATE audit_log SET \(column) = ? WHERE id = ?",
                    arguments: SQLArguments([before ?? .null, .integer(target)]))
            }
            #expect(try await t.store.verifyAuditChain(by: t.admin).firstBrokenEntry == nil, "\(column) restored")
        }
    }
}
enum HandbookCryptoDigest {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Digest.sha256.hash(bytes) }
}

/// Whether a table exists, asked in each engine's catalogue.
func tableExists(_ table: String, _ db: any SQLSession) throws -> Bool {
    let sql =
        db.dialect == .postgres
        ? "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ?"
        : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return try Int.fetchOne(db, sql: sql, arguments: [table]) != nil
}

@Suite("schema migrations")
struct MigrationTests {
    static let versions = [
        "v1-credit-database", "v2-checks-and-name-search", "v3-journal-documents",
        "v4-regions-of-cards-and-audit", "v5-name-search", "v6-work-lists",
    ]

    @Test("an empty database is created with every migration and its foreign keys enforced")
    func emptyDatabase() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let setting = try TestDatabases.make(in: scratch.url)
        defer { TestDatabases.remove(setting) }
        let store = try SQLCreditStore.open(setting)
        defer { try? store.close() }
        let versions = try store.schemaVersions()
        #expect(versions.applied == versions.known)
        #expect(versions.known == Self.versions)
        #expect(try await store.revision() == 0)
        if store.dialect == .sqlite {
            // SQLite's own settings (PostgreSQL has no journal mode, and enforces foreign keys always).
            let (mode, foreignKeys) = try store.engine.readBlocking { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
            }
            #expect(mode == "wal")
            #expect(foreignKeys == 1)
        }
        // Foreign keys are enforced: a qualification of no enterprise is refused.
        #expect {
            try store.engine.writeBlocking { db in
                try db.execute(
                    sql: """
                        INSERT INTO qualifications (certificate_number, category, uscc, grade, valid_from, valid_until,
                            issuing_authority, updated_revision) VALUES ('D1', 'c', 'none', 'g', '2020-01-01', '2030-01-01', 'a', 1)
                        """)
            }
        } throws: { error in
            (error as? StoreError)?.code == .invalidInput
        }
    }

    @Test("a database of the previous version is migrated and keeps its data")
    func previousVersion() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let setting = try TestDatabases.make(in: scratch.url, name: "old")
        defer { TestDatabases.remove(setting) }
        // What the previous program left: schema v1 with an account, an enterprise and a revision.
        let old = try SQLCreditStore.openAtVersion("v1-credit-database", database: setting)
        try old.engine.writeBlocking { db in
            try db.execute(
                sql: "INSERT INTO accounts (name, role, regions, created_at) VALUES ('admin', 'admin', '320000', 0)")
            try db.execute(
                sql: """
                    INSERT INTO enterprises (uscc, name, legal_representative, registered_region, updated_revision)
                    VALUES ('91320500012741623X', '苏州旧公司', '王强', '320500', 7)
                    """)
            try db.execute(sql: "UPDATE meta SET value = 7 WHERE key = 'revision'")
        }
        #expect(try old.engine.readBlocking { try tableExists("checks", $0) } == false)
        #expect(try old.schemaVersions().applied == ["v1-credit-database"])
        try old.close()

        let store = try SQLCreditStore.open(setting)
        defer { try? store.close() }
        #expect(try store.schemaVersions().applied == Self.versions)
        #expect(try store.engine.readBlocking { try tableExists("checks", $0) })
        #expect(try await store.revision() == 7)
        let admin = try #require(try await store.account(named: "admin"))
        #expect(admin.role == .admin)
        #expect(try await store.enterprise(identifiedBy: "91320500012741623X", by: admin)?.name == "苏州旧公司")
        #expect(try await store.enterprises(namePrefix: "苏州旧", limit: 5, by: admin).count == 1)
    }

    @Test("a database written by a newer program is refused, not guessed at")
    func newerDatabase() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let setting = try TestDatabases.make(in: scratch.url, name: "newer")
        defer { TestDatabases.remove(setting) }
        let store = try SQLCreditStore.open(setting)
        // Each engine's record of the migrations a database has.
        try store.engine.writeBlocking { db in
            try db.execute(
                sql: db.dialect == .postgres
                    ? "INSERT INTO schema_migrations (position, identifier, applied_at) VALUES (99, 'v9-from-the-future', 0)"
                    : "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
        }
        try store.close()
        #expect {
            _ = try SQLCreditStore.open(setting)
        } throws: { error in
            (error as? StoreError)?.code == .incompatibleDatabase
                && (error as? StoreError)?.message.contains("v9-from-the-future") == true
        }
    }
}
