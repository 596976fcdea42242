import Foundation
import HandbookCodec
import HandbookCrypto
import TestSupport

@testable import CreditStore

/// A fresh folder under the system's temporary directory, removed by `remove()`.
struct Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("creditstore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The tests' "now": 2026-12-01 08:00 UTC.
let testNow = Date(timeIntervalSince1970: 1_796_112_000)
let testToday = try! CardDate(year: 2026, month: 12, day: 1)

func day(_ text: String) -> CardDate { try! CardDate(yyyymmdd: text.filter { $0 != "-" }) }
func region(_ code: String) -> RegionCode { try! RegionCode(code) }

/// A real SQLite file with an admin and one account per role the workflow needs, and the first
/// `enterprises` demo enterprises (index 6 is in Suzhou 320500, index 10 in Ningbo 330200).
struct TestStore {
    let scratch: Scratch
    let store: SQLCreditStore
    let admin: Account
    /// A city bureau of Suzhou.
    let suzhouRecorder: Account
    /// The Jiangsu province.
    let jiangsuApprover: Account
    /// The Zhejiang province.
    let zhejiangApprover: Account
    let inspector: Account
    let dataset: DemoDataset

    init(enterprises: Int = 12) async throws {
        scratch = try Scratch()
        store = try TestDatabases.store(in: scratch.url, clock: { testNow })
        admin = try await store.createAccount(
            name: "admin", role: .admin, scope: RegionScope([region("310000"), region("320000"), region("330000")]),
            passwordHash: nil, by: nil)
        suzhouRecorder = try await store.createAccount(
            name: "suzhou", role: .recorder, scope: RegionScope([region("320500")]), passwordHash: nil, by: admin)
        jiangsuApprover = try await store.createAccount(
            name: "jiangsu", role: .approver, scope: RegionScope([region("320000")]), passwordHash: nil, by: admin)
        zhejiangApprover = try await store.createAccount(
            name: "zhejiang", role: .approver, scope: RegionScope([region("330000")]), passwordHash: nil, by: admin)
        inspector = try await store.createAccount(
            name: "inspector", role: .inspector, scope: RegionScope([region("320000")]), passwordHash: nil, by: admin)
        dataset = DemoDataset(seed: 7, count: enterprises)
        suzhouEnterprise = try dataset.enterprise(6)
        if enterprises > 0 { try store.loadDemo(dataset, range: 0..<enterprises, by: admin) }
    }

    /// The demo enterprise in Suzhou.
    let suzhouEnterprise: DemoEnterprise

    /// A bad-record draft for the Suzhou enterprise.
    func badDraft(code: String = "D1-3-01", months: Int = 12, decided: String = "2026-11-20") -> RecordDraft {
        RecordDraft(
            region: region("320500"), uscc: suzhouEnterprise.enterprise.uscc, kind: .bad,
            behaviourCode: try! BehaviourCode(code), decisionNumber: "苏住建罚〔2026〕88号", authority: "苏州市住房和城乡建设局",
            authorityLevel: .city, decisionDate: day(decided), publicationMonths: months, summary: "偷工减料，使用不合格建筑材料")
    }

    /// A transaction straight on the database, as an intruder with access to the file or the
    /// server's superuser would run it.
    @discardableResult
    func raw<T>(_ body: (any SQLSession) throws -> T) throws -> T { try store.engine.writeBlocking(body) }

    /// Drops a trigger, in each engine's words.
    func dropTrigger(_ name: String, on table: String) throws {
        try raw { db in
            try db.execute(sql: db.dialect == .postgres ? "DROP TRIGGER \(name) ON \(table)" : "DROP TRIGGER \(name)")
        }
    }

    func remove() {
        try? store.close()
        TestDatabases.remove(store.path)
        scratch.remove()
    }
}
