import CreditStore
import Foundation
import GRDB
import HandbookCodec
import TestSupport
import Testing

/// What the outside review did with import files (issue 12.3), each now refused: a file of one
/// region rewriting another region's enterprises, qualifications and registrations; a records file
/// overwriting a record the workflow has handled; a file cut at a line's end applied in part; an
/// error message printing a full identity number; a year-9999 date.
@Suite("imports: every row authorised, workflow records kept, cut files refused")
struct ImportAuthorisationTests {
    /// A Shanghai approver (importing is for admins and approvers) over the demo data, whose
    /// enterprise 6 is in Suzhou (Jiangsu).
    func shanghai(_ t: TestStore) async throws -> Account {
        try await t.store.createAccount(
            name: "shanghai", role: .approver, scope: RegionScope([region("310000")]), passwordHash: nil, by: t.admin)
    }

    func header(_ entity: String, _ region: String = "310000") -> String {
        #"{"format":"credit-handbook-import","version":2,"entity":"\#(entity)","region":"\#(region)"}"#
    }

    func refused(_ t: TestStore, _ name: String, _ lines: [String], by account: Account) async throws -> [ImportIssue] {
        try await refused(t, name, text: ImportTests.file(lines), by: account)
    }

    func refused(_ t: TestStore, _ name: String, text: String, by account: Account) async throws -> [ImportIssue] {
        let file = try t.scratch.write(name, text)
        let revision = try await t.store.revision()
        let error = await #expect(throws: StoreError.self) {
            _ = try await t.store.importFile(at: file, by: account, progress: nil)
        }
        #expect(try await t.store.revision() == revision, "\(name) changed the database")
        return error?.issues ?? []
    }

    @Test("a Shanghai file neither renames, moves nor adds to a Jiangsu enterprise")
    func otherRegionsRows() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let account = try await shanghai(t)
        let jiangsu = t.suzhouEnterprise.enterprise
        // Renamed and moved to Shanghai; renamed in place.
        let moved = try await refused(
            t, "e.jsonl",
            [
                header("enterprises"),
                #"{"uscc":"\#(jiangsu.uscc.value)","name":"改名公司","legalRepresentative":"王强","registeredRegion":"310115"}"#,
            ], by: account)
        #expect(
            moved.contains { $0.line == 2 && $0.field == "uscc" && $0.message.contains("outside this file's region") })
        let inPlace = try await refused(
            t, "e2.jsonl",
            [
                header("enterprises"),
                #"{"uscc":"\#(jiangsu.uscc.value)","name":"改名公司","legalRepresentative":"王强","registeredRegion":"320500"}"#,
            ], by: account)
        #expect(inPlace.contains { $0.line == 2 && $0.field == "registeredRegion" })
        // A qualification added to it.
        let qualification = try await refused(
            t, "q.jsonl",
            [
                header("qualifications"),
                #"{"uscc":"\#(jiangsu.uscc.value)","category":"市政公用工程施工总承包","grade":"壹级","certificateNumber":"D331000099","validFrom":"2024-01-01","validUntil":"2029-01-01","issuingAuthority":"上海市住房和城乡建设管理委员会"}"#,
            ], by: account)
        #expect(qualification.contains { $0.line == 2 && $0.field == "uscc" && $0.message.contains("320500") })
        // A practitioner registered with it.
        let practitioner = try await refused(
            t, "p.jsonl",
            [
                header("practitioners"),
                #"{"identityType":"resident-id","identityNumber":"310101198001010018","name":"张三","registrations":[{"registrationNumber":"沪1311000000099","registrationType":"一级注册建造师","uscc":"\#(jiangsu.uscc.value)"}]}"#,
            ], by: account)
        #expect(practitioner.contains { $0.line == 2 && $0.field == "registrations[0].uscc" })
        // Nothing of Jiangsu changed.
        #expect(try await t.store.enterprise(identifiedBy: jiangsu.uscc.value, by: t.admin)?.name == jiangsu.name)
    }

    @Test("a records file never overwrites a record the workflow handled; the conflict is reported")
    func workflowRecords() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        // An imported bad record, then a shortening approved through the workflow.
        let record =
            #"{"recordNumber":"3200000000099101","uscc":"\#(t.suzhouEnterprise.enterprise.uscc.value)","kind":"bad","behaviourCode":"D1-3-01","decisionNumber":"苏建罚〔2026〕101号","authority":"江苏省住房和城乡建设厅","authorityLevel":"province","decisionDate":"2026-06-01","publishedFrom":"2026-06-08","publishedUntil":"2027-06-08","summary":"偷工减料"}"#
        let first = try t.scratch.write("r1.jsonl", ImportTests.file([header("records", "320000"), record]))
        _ = try await t.store.importFile(at: first, by: t.admin, progress: nil)
        let number = try RecordNumber("3200000000099101")
        let second = try await t.store.createAccount(
            name: "jiangsu-2", role: .approver, scope: RegionScope([region("320000")]), passwordHash: nil, by: t.admin)
        let request = try await t.store.requestShortening(
            number, until: day("2026-10-01"), reason: "整改到位", by: t.jiangsuApprover)
        let shortened = try await t.store.approveShortening(request.id, by: second)
        // The same record as good behaviour, its window reset: refused, and the record stays as the workflow left it.
        let rewritten = record.replacingOccurrences(
            of: #""kind":"bad","behaviourCode":"D1-3-01""#, with: #""kind":"good""#)
        let issues = try await refused(t, "r2.jsonl", [header("records", "320000"), rewritten], by: t.admin)
        #expect(
            issues.contains { $0.line == 2 && $0.field == "recordNumber" && $0.message.contains("does not overwrite") })
        let stored = try #require(try await t.store.creditRecord(number, by: t.admin))
        #expect(stored.kind == .bad)
        #expect(stored.publishedUntil == shortened.publishedUntil)
    }

    @Test("a file cut at a line's end, or with a wrong count, is refused whole")
    func cutFiles() async throws {
        let t = try await TestStore(enterprises: 0)
        defer { t.remove() }
        var lines = [ImportTests.header]
        for index in 20..<30 { lines.append(try ImportTests.enterpriseLine(index).1) }
        // The whole file, then the same without its end line (cut after the 6th row), then a wrong count.
        let whole = ImportTests.file(lines)
        let cut = lines.prefix(7).joined(separator: "\n") + "\n"
        let wrong = lines.joined(separator: "\n") + "\n" + #"{"end":true,"rows":12}"# + "\n"
        let trailing = whole + #"{"uscc":"x"}"# + "\n"
        for (name, text, fragment) in [
            ("cut.jsonl", cut, "no end line"), ("wrong.jsonl", wrong, "says 12 rows"),
            ("trailing.jsonl", trailing, "after the end line"),
        ] {
            let issues = try await refused(t, name, text: text, by: t.admin)
            #expect(issues.contains { $0.message.contains(fragment) }, "\(name): \(issues)")
        }
        for index in 20..<30 {
            #expect(
                try await t.store.enterprise(identifiedBy: try ImportTests.enterpriseLine(index).0.value, by: t.admin)
                    == nil)
        }
        let applied = try await t.store.importFile(
            at: try t.scratch.write("whole.jsonl", whole), by: t.admin, progress: nil)
        #expect(applied.inserted == 10)
    }

    @Test("messages about identity numbers show them masked, never in full")
    func maskedIdentityNumbers() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let uscc = t.suzhouEnterprise.enterprise.uscc.value
        let valid = "320102197512310024"
        let broken = "320102197512310025"  // check character wrong
        let row = { (number: String) in
            #"{"identityType":"resident-id","identityNumber":"\#(number)","name":"李四","registrations":[{"registrationNumber":"苏1320000099\#(number.suffix(2))","registrationType":"二级注册建造师","uscc":"\#(uscc)"}]}"#
        }
        let issues = try await refused(
            t, "p.jsonl", [header("practitioners", "320000"), row(broken), row(valid), row(valid)], by: t.admin)
        #expect(issues.count >= 2)
        for issue in issues {
            #expect(!issue.message.contains(valid) && !issue.message.contains(broken), "\(issue)")
            #expect(!issue.description.contains(valid) && !issue.description.contains(broken))
        }
        #expect(issues.contains { $0.line == 2 && $0.message.contains("3201**********0025") })
        #expect(issues.contains { $0.line == 4 && $0.message.contains("already on line 3") })
    }

    @Test("dates out of any real range are refused with the field, not crashed on")
    func extremeDates() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let uscc = t.suzhouEnterprise.enterprise.uscc.value
        let record =
            #"{"recordNumber":"3200000000099201","uscc":"\#(uscc)","kind":"bad","behaviourCode":"D1-3-01","decisionNumber":"苏建罚〔2026〕201号","authority":"江苏省住房和城乡建设厅","authorityLevel":"province","decisionDate":"9999-06-01","publishedFrom":"9999-06-08","publishedUntil":"9999-12-31","summary":"偷工减料"}"#
        let qualification =
            #"{"uscc":"\#(uscc)","category":"建筑工程施工总承包","grade":"壹级","certificateNumber":"D232009999","validFrom":"0001-01-01","validUntil":"9999-12-31","issuingAuthority":"江苏省住房和城乡建设厅"}"#
        let recordIssues = try await refused(t, "r.jsonl", [header("records", "320000"), record], by: t.admin)
        #expect(recordIssues.contains { $0.field == "decisionDate" })
        #expect(recordIssues.contains { $0.field == "publishedFrom" })
        let qualificationIssues = try await refused(
            t, "q.jsonl", [header("qualifications", "320000"), qualification], by: t.admin)
        #expect(qualificationIssues.contains { $0.field == "validFrom" })
        #expect(qualificationIssues.contains { $0.field == "validUntil" })
    }
}

/// Issue 12.6: a large import holds the write lock only for its short apply step.
@Suite("imports: the database stays writable while a file is checked")
struct ImportLockTests {
    @Test(
        "while an import reads and checks its file, another connection writes without waiting",
        .enabled(
            if: TestDatabases.engine == .sqlite,
            "SQLite's one writer lock: an import's check must not hold it; PostgreSQL has no such lock to hold")
    )
    func writableDuringCheck() async throws {
        let t = try await TestStore(enterprises: 0)
        defer { t.remove() }
        var lines = [ImportTests.header]
        let dataset = DemoDataset(seed: 3, count: 4_500)
        for index in 0..<4_500 {
            let uscc = try dataset.enterprise(index).enterprise.uscc.value
            lines.append(#"{"uscc":"\#(uscc)","name":"某公司","legalRepresentative":"王强","registeredRegion":"320500"}"#)
        }
        let file = try t.scratch.write("big.jsonl", ImportTests.file(lines))
        // A connection that refuses to wait for a lock at all: a write through it fails at once if
        // anyone holds the write lock.
        var configuration = GRDB.Configuration()
        configuration.busyMode = .immediateError
        let impatient = try DatabaseQueue(path: t.store.path, configuration: configuration)
        let outcomes = Reports()
        let writes = WriteResults()
        _ = try await t.store.importFile(at: file, by: t.admin) { progress in
            outcomes.add(progress)
            guard !progress.finishedReading else { return }
            do {
                try impatient.write { db in
                    try db.execute(
                        sql: "INSERT INTO offices (region, name) VALUES (?, '测试') ON CONFLICT (region) DO NOTHING",
                        arguments: ["4\(progress.rows)"])
                }
                writes.add(true)
            } catch {
                writes.add(false)
            }
        }
        #expect(outcomes.all.filter { !$0.finishedReading }.count == 2)
        #expect(writes.all == [true, true], "a write during the check had to wait for the import")
        #expect(
            try await t.store.enterprise(identifiedBy: try dataset.enterprise(4_499).enterprise.uscc.value, by: t.admin)
                != nil)
    }
}

final class WriteResults: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var results: [Bool] = []
    func add(_ result: Bool) { lock.withLock { results.append(result) } }
    var all: [Bool] { lock.withLock { results } }
}
