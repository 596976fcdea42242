import CreditStore
import Foundation
import HandbookCodec
import Testing

@Suite("loading the demo data in bulk")
struct DemoLoadTests {
    @Test("every row of every enterprise arrives, across statements, flushes and transactions")
    func everyRow() async throws {
        let t = try await TestStore(enterprises: 0)
        defer { t.remove() }
        // 230 enterprises in transactions of 90: flushes of 100 and partial ones, statements of 256
        // rows and of every smaller power of two.
        let dataset = DemoDataset(seed: 11, count: 230)
        try t.store.loadDemo(dataset, range: 0..<230, batch: 90, by: t.admin)
        let demos = try (0..<230).map { try dataset.enterprise($0) }
        let expected: [String: Int] = [
            "enterprises": demos.count,
            "enterprise_aliases": demos.reduce(0) {
                $0 + ($1.enterprise.organizationCode == nil ? 0 : 1) + ($1.enterprise.registrationNumber == nil ? 0 : 1)
            },
            "qualifications": demos.reduce(0) { $0 + $1.qualifications.count },
            "practitioners": demos.reduce(0) { $0 + $1.practitioners.count },
            "registrations": demos.reduce(0) { $0 + $1.practitioners.count },
            "projects": demos.reduce(0) { $0 + $1.projects.count },
            "project_participants": demos.reduce(0) { $0 + $1.projects.count },
            "awards": demos.reduce(0) { $0 + $1.projects.reduce(0) { $0 + $1.awards.count } },
            "credit_records": demos.reduce(0) { $0 + $1.records.count },
            "cards": demos.count,
            "documents": demos.count,
        ]
        let counts = try t.store.tableCounts()
        for (table, count) in expected { #expect(counts[table] == count, "\(table)") }
        #expect(expected["credit_records", default: 0] > 1_000)
        // Three transactions, each one revision and one audit entry; the chain holds.
        let loads = try await t.store.auditEntries(after: 0, limit: 10_000, by: t.admin).filter {
            $0.action == "demo.load"
        }
        #expect(loads.map(\.subject) == ["enterprises 0..<90", "enterprises 90..<180", "enterprises 180..<230"])
        #expect(Set(loads.map(\.revision)).count == 3)
        #expect(try await t.store.verifyAuditChain(by: t.admin).isIntact)

        // The rows are the enterprises' own: a registration names its practitioner, a view is whole.
        let last = demos[229]
        let view = try #require(
            try await t.store.currentView(of: last.enterprise.uscc, on: testToday, by: t.admin)?.view)
        #expect(view.enterprise == last.enterprise)
        #expect(Set(view.practitioners.map(\.registrationNumber)) == Set(last.practitioners.map(\.registrationNumber)))
        #expect(view.qualifications.count == last.qualifications.count)
    }
}
