import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import Hummingbird
import HummingbirdTesting
import IssuanceService
import Logging
import ServiceTestSupport
import TestSupport
import Testing

/// The server and, for the replica, its hot standby that `make test` starts (scripts/postgres.sh).
enum PostgresServers {
    static var primary: PostgresLocation? { TestDatabases.postgres }
    static var replica: PostgresLocation? {
        ProcessInfo.processInfo.environment["HANDBOOK_TEST_POSTGRES_REPLICA"].flatMap {
            try? PostgresLocation(url: $0)
        }
    }
}

/// `handbook-issuer migrate --to postgres://…`: the demo's SQLite file, with workflow history, copied
/// whole into an empty PostgreSQL database and verified; a database holding anything is refused.
@Suite(
    "migrating an SQLite database into PostgreSQL",
    .enabled(if: PostgresServers.primary != nil, "needs HANDBOOK_TEST_POSTGRES"))
struct MigrationPostgresTests {
    @Test("everything is copied, counts and audit chain agree, and the copy works on")
    func migrate() async throws {
        let folder = try await ServiceFolder(enterprises: 40)
        defer { folder.remove() }
        // Workflow history beside the demo data: a record recorded, approved and published, another
        // rejected, a shortening filed, a card registered and checked.
        let source = try SQLCreditStore(path: folder.database)
        let admin = try #require(try await source.account(named: "admin"))
        let recorder = try #require(try await source.account(named: "recorder"))
        let approver = try #require(try await source.account(named: "approver"))
        let inspector = try #require(try await source.account(named: "inspector"))
        let enterprise = try DemoDataset(seed: 2007, count: 40).enterprise(6)
        func draft(_ number: String) throws -> RecordDraft {
            RecordDraft(
                region: try RegionCode("320500"), uscc: enterprise.enterprise.uscc, kind: .bad,
                behaviourCode: try BehaviourCode("D1-3-01"), decisionNumber: "苏住建罚〔2026〕\(number)号",
                authority: "苏州市住房和城乡建设局", authorityLevel: .city, decisionDate: try CardDate(yyyymmdd: "20261120"),
                publicationMonths: 12, summary: "偷工减料")
        }
        let published = try await source.record(try draft("1"), by: recorder)
        _ = try await source.approve(published.recordNumber, by: approver)
        _ = try await source.publish(published.recordNumber, on: CardDate(Date()), by: approver)
        let rejected = try await source.record(try draft("2"), by: recorder)
        _ = try await source.reject(rejected.recordNumber, reason: "决定书编号有误", by: approver)
        _ = try await source.requestShortening(
            published.recordNumber, until: try CardDate(Date()).adding(months: 6), reason: "已整改", by: recorder)
        _ = try await source.recordCheck(
            CheckRecord(
                checkedAt: CardTimestamp(Date()), cardSerial: enterprise.card, documentNumber: nil, verdict: "current",
                comparedRevision: try await source.revision(), detail: nil),
            by: inspector)
        let before = try source.tableCounts()
        try source.close()

        let target = try TestDatabases.make(in: folder.url, name: "copy")
        defer { TestDatabases.remove(target) }
        let run = try await runTool(
            "handbook-issuer", ["migrate", "--database", folder.database, "--to", target])
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(run.output.contains("counts and audit chain agree"), "\(run.output)")
        #expect(run.output.contains("audit_log"))

        // The copy, opened as the service would: the same rows, the same chain, and it works on.
        let copy = try SQLCreditStore.open(target)
        defer { try? copy.close() }
        #expect(copy.dialect == .postgres)
        let after = try copy.tableCounts()
        for table in ["accounts", "enterprises", "credit_records", "credit_record_history", "audit_log", "checks"] {
            #expect(after[table] == before[table], "\(table)")
            #expect((after[table] ?? 0) > 0, "\(table)")
        }
        let copiedAdmin = try #require(try await copy.account(named: "admin"))
        #expect(copiedAdmin.id == admin.id)
        #expect(try await copy.creditRecord(published.recordNumber, by: approver)?.status == .published)
        #expect(try await copy.history(of: rejected.recordNumber, by: approver).count == 2)
        // New ids continue after the copied ones; the chain continues and verifies.
        let added = try await copy.createAccount(
            name: "auditor2", role: .auditor, scope: RegionScope([try RegionCode("320000")]), passwordHash: nil,
            by: copiedAdmin)
        #expect(added.id > admin.id)
        let next = try await copy.record(try draft("3"), by: recorder)
        #expect(next.recordNumber != published.recordNumber)
        #expect(try await copy.verifyAuditChain(by: copiedAdmin).isIntact)

        // A target that holds anything is refused, and left as it was.
        let again = try await runTool("handbook-issuer", ["migrate", "--database", folder.database, "--to", target])
        #expect(again.status != 0)
        #expect(again.errors.contains("not empty"), "\(again.errors)")
        #expect(try copy.tableCounts()["accounts"] == after["accounts"].map { $0 + 1 })
    }
}

/// A second service reading from a real hot standby: card status and current views come from the
/// standby and say the revision they were read at; writes go to the primary.
@Suite(
    "a service reading from a hot standby",
    .enabled(
        if: PostgresServers.primary != nil && PostgresServers.replica != nil,
        "needs HANDBOOK_TEST_POSTGRES and HANDBOOK_TEST_POSTGRES_REPLICA"))
struct ReplicaPostgresTests {
    @Test("card status and views answered from the standby carry the revision read; the standby catches up")
    func readsFromStandby() async throws {
        let t = try await TestService()
        defer { t.remove() }
        #expect(t.store.dialect == .postgres)
        let replicaServer = try #require(PostgresServers.replica)
        let primary = try PostgresLocation(url: t.store.path)
        let standby = try SQLCreditStore(postgres: replicaServer.database(primary.database), readOnly: true)
        defer { try? standby.close() }
        // The standby has replayed the set-up before it answers.
        let target = try await t.store.revision()
        try await waitFor(standby, revision: target)
        let api = IssuanceAPI(
            store: t.store, sessions: Sessions(lifetime: 3_600), issuer: nil, packages: nil, readStore: standby)
        var logger = Logger(label: "replica-test")
        logger.logLevel = .warning
        try await Application(router: api.router(), logger: logger).test(.router) { client in
            let inspector = try await client.login("inspector-in")
            let status = try await client.send(.get, "/v1/cards/\(t.jiangsu.card)", token: inspector)
            #expect(status.status == .ok, "\(status.text)")
            #expect(try status.json(CardStatusReport.self).revision == target)
            let uscc = t.jiangsu.enterprise.uscc.value
            let view = try await client.send(.get, "/v1/enterprises/\(uscc)/view", token: inspector)
            #expect(try view.json(RevisionedView.self).revision == target)

            // A revocation goes to the primary; the standby shows it once it has replayed it, and
            // says at which revision.
            let issuer = try await client.login("issuer-in")
            let revoked = try await client.send(
                .post, "/v1/cards/\(t.jiangsu.card)/revoke", token: issuer, body: ["reason": "遗失"])
            #expect(revoked.status == .ok, "\(revoked.text)")
            let written = try await t.store.revision()
            #expect(written > target)
            try await waitFor(standby, revision: written)
            let after = try await client.send(.get, "/v1/cards/\(t.jiangsu.card)", token: inspector)
            let report = try after.json(CardStatusReport.self)
            #expect(report.state == .revoked)
            #expect(report.revision >= written)
        }
        // Nothing is ever written to the standby.
        let root = try #require(try await standby.account(named: "root"))
        await #expect(throws: StoreError.self) {
            _ = try await standby.createAccount(
                name: "nobody", role: .auditor, scope: RegionScope([try RegionCode("320000")]), passwordHash: nil,
                by: root)
        }
    }

    /// Waits (up to 10 s) until the standby has replayed `revision`.
    func waitFor(_ standby: SQLCreditStore, revision: UInt64) async throws {
        for _ in 0..<200 {
            if try await standby.revision() >= revision { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the standby did not reach revision \(revision) in 10 s")
    }
}
