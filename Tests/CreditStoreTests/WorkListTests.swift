import Foundation
import HandbookCodec
import Testing

@testable import CreditStore

/// The store's work lists (the console's queue, a recorder's records, audit filters) keep to the
/// actor's regions, and an enterprise registered outside the three provinces can be recorded.
@Suite("work lists")
struct WorkListTests {
    @Test(
        "the approval queue: the approver's regions only, oldest first; a recorder's own records with the rejection's reason"
    )
    func queue() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let hangzhou = try await t.store.createAccount(
            name: "hangzhou", role: .recorder, scope: RegionScope([region("330100")]), passwordHash: nil, by: t.admin)
        let first = try await t.store.record(t.badDraft(), by: t.suzhouRecorder)
        var zhejiangDraft = t.badDraft()
        zhejiangDraft.region = region("330100")
        let zhejiang = try await t.store.record(zhejiangDraft, by: hangzhou)
        let second = try await t.store.record(t.badDraft(code: "D1-2-05"), by: t.suzhouRecorder)

        let jiangsuQueue = try await t.store.creditRecords(WorkListQuery(statuses: [.recorded]), by: t.jiangsuApprover)
        #expect(jiangsuQueue.map(\.record.recordNumber) == [first.recordNumber, second.recordNumber])
        #expect(jiangsuQueue.first?.recordedBy == "suzhou")
        let zhejiangQueue = try await t.store.creditRecords(
            WorkListQuery(statuses: [.recorded]), by: t.zhejiangApprover)
        #expect(zhejiangQueue.map(\.record.recordNumber) == [zhejiang.recordNumber])

        _ = try await t.store.reject(first.recordNumber, reason: "文号有误", by: t.jiangsuApprover)
        let mine = try await t.store.creditRecords(
            WorkListQuery(recordedBy: "suzhou", newestFirst: true), by: t.suzhouRecorder)
        #expect(mine.map(\.record.recordNumber) == [second.recordNumber, first.recordNumber])
        #expect(mine.last?.record.status == .rejected && mine.last?.latestReason == "文号有误")
        #expect(mine.first?.latestReason == nil)
        // An inspector reads no records at all.
        await #expect(throws: StoreError.self) {
            _ = try await t.store.creditRecords(WorkListQuery(), by: t.inspector)
        }
    }

    @Test("audit entries by account, action, subject and day, within the reader's regions")
    func auditFilters() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let auditor = try await t.store.createAccount(
            name: "auditor-js", role: .auditor, scope: RegionScope([region("320000")]), passwordHash: nil, by: t.admin)
        let record = try await t.store.record(t.badDraft(), by: t.suzhouRecorder)
        _ = try await t.store.approve(record.recordNumber, by: t.jiangsuApprover)
        let byAccount = try await t.store.auditEntries(AuditQuery(account: "jiangsu"), by: auditor)
        #expect(!byAccount.isEmpty && byAccount.allSatisfy { $0.account == "jiangsu" })
        let bySubject = try await t.store.auditEntries(AuditQuery(subject: record.recordNumber.value), by: auditor)
        #expect(bySubject.map(\.action) == ["record.approved", "record.recorded"])
        let today = try await t.store.auditEntries(AuditQuery(from: testToday, through: testToday), by: auditor)
        #expect(today.count >= 2)
        let tomorrow = try await t.store.auditEntries(AuditQuery(from: try testToday.adding(days: 1)), by: auditor)
        #expect(tomorrow.isEmpty)
        // Entries of other regions (Zhejiang's account) are not shown to a Jiangsu auditor.
        #expect(try await t.store.auditEntries(AuditQuery(subject: "zhejiang"), by: auditor).isEmpty)
        #expect(try await t.store.auditEntries(AuditQuery(subject: "zhejiang"), by: t.admin).count == 1)
    }

    @Test("an enterprise registered outside the three provinces is found by its identifier and its record accepted")
    func outsideEnterprise() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        // An enterprise of another seed, which the demo data does not hold, registered in Beijing (as the
        // national registry would list it; no import of the three provinces creates one).
        let outsider = try DemoDataset(seed: 99, count: 100).enterprise(50).enterprise.uscc
        try t.raw { db in
            try db.execute(
                sql: """
                    INSERT INTO enterprises (uscc, name, legal_representative, registered_region, updated_revision)
                    VALUES (?, '北京某建设集团有限公司', '张三', '110105', 1)
                    """, arguments: [outsider.value])
        }
        let found = try await t.store.enterprise(identifiedBy: outsider.value, by: t.suzhouRecorder)
        #expect(found?.registeredRegion.code == "110105")
        var draft = t.badDraft()
        draft.uscc = outsider
        let record = try await t.store.record(draft, by: t.suzhouRecorder)
        #expect(record.recordNumber.region.code == "320500")
        #expect(
            try await t.store.creditRecords(WorkListQuery(statuses: [.recorded]), by: t.jiangsuApprover)
                .contains { $0.record.recordNumber == record.recordNumber })
        // A Jiangsu enterprise stays invisible to Zhejiang.
        let jiangsuEnterprise = t.suzhouEnterprise.enterprise.uscc.value
        #expect(try await t.store.enterprise(identifiedBy: jiangsuEnterprise, by: t.zhejiangApprover) == nil)
    }
}
