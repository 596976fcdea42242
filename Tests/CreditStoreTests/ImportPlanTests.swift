import Foundation
import HandbookCodec
import Testing

@testable import CreditStore

@Suite("the import's check against concurrent changes")
struct ImportPlanTests {
    /// A write transaction on a connection holding the import's staging tables, as an import has.
    static func staging(_ t: TestStore, _ body: (any SQLSession) throws -> Void) throws {
        try t.store.engine.withImportConnection { connection in
            try connection.execute(
                sql: t.store.dialect == .postgres ? ImportStaging.postgresSchema : ImportStaging.schema)
            try connection.transaction(.write, body)
        }
    }

    @Test("the probes run on both engines and find a staged row changed after the snapshot")
    func probesFindChanges() async throws {
        let t = try await TestStore(enterprises: 3)
        defer { t.remove() }
        let uscc = try t.dataset.enterprise(1).enterprise.uscc.value
        let revision = try await t.store.revision()
        try Self.staging(t) { db in
            #expect(try ImportStaging.changedSince(revision, db) == false)
            try db.execute(sql: "INSERT INTO temp.stage_enterprises (uscc) VALUES (?)", arguments: [uscc])
            #expect(try ImportStaging.changedSince(revision, db) == false)
            // A later write to the staged enterprise is found; one to another enterprise is not.
            let other = try t.dataset.enterprise(2).enterprise.uscc.value
            try db.execute(
                sql: "UPDATE enterprises SET updated_revision = ? WHERE uscc = ?",
                arguments: [Int64(revision) + 1, other])
            #expect(try ImportStaging.changedSince(revision, db) == false)
            try db.execute(
                sql: "UPDATE enterprises SET updated_revision = ? WHERE uscc = ?",
                arguments: [Int64(revision) + 1, uscc])
            #expect(try ImportStaging.changedSince(revision, db) == true)
        }
    }

    @Test("on SQLite each probe looks the main table up by key instead of scanning it")
    func probesSearchByKey() async throws {
        let t = try await TestStore(enterprises: 3)
        defer { t.remove() }
        // The plan is SQLite's (it has no statistics of the temp tables); PostgreSQL plans by its own.
        guard t.store.dialect == .sqlite else { return }
        try Self.staging(t) { db in
            for probe in ImportStaging.changeProbes {
                let plan = try db.fetchAll(sql: "EXPLAIN QUERY PLAN \(probe)", arguments: [1]).map {
                    row throws -> String in try row["detail"]
                }
                #expect(plan.contains { $0.hasPrefix("SEARCH t ") }, "\(probe): \(plan)")
                #expect(!plan.contains { $0.hasPrefix("SCAN t") }, "\(probe): \(plan)")
            }
        }
    }
}
