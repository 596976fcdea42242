import CreditStore
import Foundation
import HandbookCodec
import Testing

@Suite("importing provincial JSON Lines files")
struct ImportTests {
    static let header = #"{"format":"credit-handbook-import","version":2,"entity":"enterprises","region":"320000"}"#

    /// An import file of `lines` (the header first), ended with the line that counts its rows.
    static func file(_ lines: [String], separator: String = "\n") -> String {
        let rows = lines.dropFirst().filter { !$0.allSatisfy(\.isWhitespace) }.count
        return (lines + [#"{"end":true,"rows":\#(rows)}"#]).joined(separator: separator) + separator
    }

    /// Valid Jiangsu enterprises that are not in the demo data.
    static func enterpriseLine(_ index: Int, name: String = "苏州恒远建设工程有限公司") throws -> (USCC, String) {
        var rng = SeededGenerator(seed: UInt64(900 + index))
        let uscc = try SyntheticData.uscc(region: "320500", using: &rng)
        return (
            uscc,
            #"{"uscc":"\#(uscc.value)","name":"\#(name)","legalRepresentative":"王强","registeredRegion":"320500"}"#
        )
    }

    @Test("a valid file is applied, and re-importing it changes nothing")
    func validAndIdempotent() async throws {
        let t = try await TestStore(enterprises: 0)
        defer { t.remove() }
        let (first, line1) = try Self.enterpriseLine(1)
        let (second, line2) = try Self.enterpriseLine(2, name: "苏州宏泰市政工程有限公司")
        let file = try t.scratch.write(
            "320000-enterprises.jsonl", Self.file([Self.header, line1, line2]))
        let summary = try await t.store.importFile(at: file, by: t.admin, progress: nil)
        #expect(summary.rows == 2)
        #expect(summary.inserted == 2)
        #expect(try await t.store.enterprise(identifiedBy: first.value, by: t.admin)?.name == "苏州恒远建设工程有限公司")
        #expect(
            try await t.store.enterprise(identifiedBy: second.value, by: t.admin)?.registeredRegion.code == "320500")

        let revision = try await t.store.revision()
        let auditCount = try await t.store.auditEntries(after: 0, limit: 1000, by: t.admin).count
        let again = try await t.store.importFile(at: file, by: t.admin, progress: nil)
        #expect(again.unchanged == 2)
        #expect(again.inserted == 0 && again.updated == 0)
        #expect(again.revision == revision)
        #expect(try await t.store.revision() == revision)
        #expect(try await t.store.auditEntries(after: 0, limit: 1000, by: t.admin).count == auditCount)

        // A changed name is an update, one revision.
        let (_, renamed) = try Self.enterpriseLine(1, name: "苏州恒远建设集团有限公司")
        let changed = try t.scratch.write("changed.jsonl", Self.file([Self.header, renamed, line2], separator: "\r\n"))
        let update = try await t.store.importFile(at: changed, by: t.admin, progress: nil)
        #expect(update.updated == 1 && update.unchanged == 1)
        #expect(update.revision == revision + 1)
        #expect(try await t.store.enterprise(identifiedBy: first.value, by: t.admin)?.name == "苏州恒远建设集团有限公司")
    }

    @Test("every kind of bad row is reported with its file, line and field; nothing is applied")
    func badRows() async throws {
        let t = try await TestStore(enterprises: 0)
        defer { t.remove() }
        let (good, goodLine) = try Self.enterpriseLine(1)
        var badCheck = Array(good.value)
        badCheck[17] = badCheck[17] == "0" ? "1" : "0"
        let lines = [
            Self.header,  // 1
            goodLine,  // 2
            #"{"uscc":"\#(String(badCheck))","name":"甲","legalRepresentative":"乙","registeredRegion":"320500"}"#,  // 3
            #"{"uscc":"\#(try Self.enterpriseLine(3).0.value)","legalRepresentative":"乙","registeredRegion":"320500"}"#,  // 4
            #"{"uscc":"\#(try Self.enterpriseLine(4).0.value)","name":42,"legalRepresentative":"乙","registeredRegion":"320500"}"#,  // 5
            #"{"uscc": "#,  // 6
            #"{"uscc":"\#(try Self.enterpriseLine(5).0.value)","name":"甲","legalRepresentative":"乙","registeredRegion":"999999"}"#,  // 7
            goodLine,  // 8
            #"{"uscc":"\#(try Self.enterpriseLine(6).0.value)","name":"甲\u0007","legalRepresentative":"乙","registeredRegion":"320500"}"#,  // 9
            #"{"uscc":"\#(try Self.enterpriseLine(7).0.value)","name":"甲","legalRepresentative":"乙","registeredRegion":"320500","organizationCode":"12345678-0"}"#,  // 10
            "",  // 11: blank lines are allowed
            "[1,2,3]",  // 12
            "{\"name\":\"" + String(repeating: "长", count: 400_000) + "\"}",  // 13: 1.2 MB
            #"{"uscc":"\#(try Self.enterpriseLine(8).0.value)","name":"甲","legalRepresentative":"乙","registeredRegion":"320500"}"#,  // 14: valid
        ]
        let file = try t.scratch.write("320000-enterprises.jsonl", Self.file(lines))
        let revision = try await t.store.revision()
        let error = await #expect(throws: StoreError.self) {
            _ = try await t.store.importFile(at: file, by: t.admin, progress: nil)
        }
        let issues = try #require(error).issues
        #expect(error?.code == .importRejected)
        #expect(error?.message.contains("nothing of the file was applied") == true)
        func find(_ line: Int, _ field: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(
                issues.contains {
                    $0.file == "320000-enterprises.jsonl" && $0.line == line && $0.field == field
                        && $0.message.contains(fragment)
                }, "no issue \(line) \(field) \(fragment) in \(issues)", sourceLocation: sourceLocation)
        }
        find(3, "uscc", "check character")
        find(4, "name", "missing")
        find(5, "", "field name: expected String")
        find(6, "", "not a valid enterprises row")
        find(7, "registeredRegion", "999999")
        find(8, "uscc", "already on line 2")
        find(9, "name", "invisible character U+0007")
        find(10, "organizationCode", "12345678-0")
        find(12, "", "not a valid enterprises row")
        find(13, "", "longer than")
        #expect(issues.count == 10)
        #expect(issues.allSatisfy { $0.line != 2 && $0.line != 11 && $0.line != 14 })
        // The valid rows of a refused file are not applied either.
        #expect(try await t.store.enterprise(identifiedBy: good.value, by: t.admin) == nil)
        #expect(try await t.store.revision() == revision)
    }

    @Test("a file with one bad row among good ones changes nothing")
    func oneBadRow() async throws {
        let t = try await TestStore(enterprises: 0)
        defer { t.remove() }
        var lines = [Self.header]
        for index in 10..<60 { lines.append(try Self.enterpriseLine(index).1) }
        lines[37] = lines[37].replacingOccurrences(of: "\"320500\"", with: "\"3205\"")
        let file = try t.scratch.write("320000-enterprises.jsonl", Self.file(lines))
        let revision = try await t.store.revision()
        let error = await #expect(throws: StoreError.self) {
            _ = try await t.store.importFile(at: file, by: t.admin, progress: nil)
        }
        #expect(error?.issues.map(\.line) == [38])
        #expect(error?.issues.first?.field == "registeredRegion")
        #expect(try await t.store.revision() == revision)
        for index in 10..<60 {
            #expect(
                try await t.store.enterprise(identifiedBy: try Self.enterpriseLine(index).0.value, by: t.admin) == nil)
        }
    }

    @Test("references, windows, dates, choices and regions are checked in the other entity files")
    func otherEntities() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let known = t.suzhouEnterprise.enterprise.uscc.value
        let (unknown, _) = try Self.enterpriseLine(1)
        let qualifications = [
            #"{"format":"credit-handbook-import","version":2,"entity":"qualifications","region":"320000"}"#,
            #"{"uscc":"\#(unknown.value)","category":"建筑工程施工总承包","grade":"壹级","certificateNumber":"D232000001","validFrom":"2024-01-01","validUntil":"2029-01-01","issuingAuthority":"江苏省住房和城乡建设厅"}"#,
            #"{"uscc":"\#(known)","category":"建筑工程施工总承包","grade":"壹级","certificateNumber":"D232000002","validFrom":"2024-02-30","validUntil":"2029-01-01","issuingAuthority":"江苏省住房和城乡建设厅"}"#,
            #"{"uscc":"\#(known)","category":"建筑工程施工总承包","grade":"壹级","certificateNumber":"D232000003","validFrom":"2024-01-01","validUntil":"2023-01-01","issuingAuthority":"江苏省住房和城乡建设厅","status":"lost"}"#,
        ]
        let qualificationFile = try t.scratch.write("q.jsonl", Self.file(qualifications))
        let qualificationError = await #expect(throws: StoreError.self) {
            _ = try await t.store.importFile(at: qualificationFile, by: t.admin, progress: nil)
        }
        let q = qualificationError?.issues ?? []
        #expect(q.contains { $0.line == 2 && $0.field == "uscc" && $0.message.contains("not in the database") })
        #expect(q.contains { $0.line == 3 && $0.field == "validFrom" && $0.message.contains("2024-02-30") })
        #expect(q.contains { $0.line == 4 && $0.field == "validUntil" && $0.message.contains("before validFrom") })
        #expect(q.contains { $0.line == 4 && $0.field == "status" && $0.message.contains("lost") })

        let records = [
            #"{"format":"credit-handbook-import","version":2,"entity":"records","region":"320000"}"#,
            #"{"recordNumber":"3300000000099001","uscc":"\#(known)","kind":"bad","behaviourCode":"D1-3-01","decisionNumber":"浙建罚〔2026〕1号","authority":"浙江省住房和城乡建设厅","authorityLevel":"province","decisionDate":"2026-01-05","publishedFrom":"2026-01-12","publishedUntil":"2027-01-12","summary":"偷工减料"}"#,
            #"{"recordNumber":"3200000000099002","uscc":"\#(known)","kind":"bad","decisionNumber":"苏建罚〔2026〕2号","authority":"江苏省住房和城乡建设厅","authorityLevel":"province","decisionDate":"2026-01-05","publishedFrom":"2026-01-12","publishedUntil":"2030-01-12","summary":"偷工减料"}"#,
            #"{"recordNumber":"3200000000099003","uscc":"\#(known)","kind":"good","decisionNumber":"苏建奖〔2026〕3号","authority":"江苏省住房和城乡建设厅","authorityLevel":"mayor","decisionDate":"2026-01-05","publishedFrom":"2026-01-01","publishedUntil":"2029-01-01","summary":"文明工地","behaviourCode":"X9"}"#,
        ]
        let recordFile = try t.scratch.write("r.jsonl", Self.file(records))
        let recordError = await #expect(throws: StoreError.self) {
            _ = try await t.store.importFile(at: recordFile, by: t.admin, progress: nil)
        }
        let r = recordError?.issues ?? []
        #expect(
            r.contains {
                $0.line == 2 && $0.field == "recordNumber" && $0.message.contains("outside this file's region")
            })
        #expect(r.contains { $0.line == 3 && $0.field == "behaviourCode" && $0.message.contains("missing") })
        #expect(r.contains { $0.line == 3 && $0.field == "publishedUntil" && $0.message.contains("36 months") })
        #expect(r.contains { $0.line == 4 && $0.field == "authorityLevel" })
        #expect(r.contains { $0.line == 4 && $0.field == "behaviourCode" })
        #expect(
            r.contains { $0.line == 4 && $0.field == "publishedFrom" && $0.message.contains("before the decision") })
    }

    @Test("a header that is not usable stops the import at line 1")
    func headers() async throws {
        let t = try await TestStore(enterprises: 0)
        defer { t.remove() }
        let cases: [(String, String, String)] = [
            (#"{"format":"csv","version":2,"entity":"enterprises","region":"320000"}"#, "format", "csv"),
            (
                #"{"format":"credit-handbook-import","version":3,"entity":"enterprises","region":"320000"}"#, "version",
                "3"
            ),
            (
                #"{"format":"credit-handbook-import","version":1,"entity":"enterprises","region":"320000"}"#, "version",
                "no end line"
            ),
            (#"{"format":"credit-handbook-import","version":2,"entity":"firms","region":"320000"}"#, "entity", "firms"),
            (
                #"{"format":"credit-handbook-import","version":2,"entity":"enterprises","region":"440000"}"#, "region",
                "not for region 440000"
            ),
            ("not json", "", "header"),
        ]
        for (header, field, fragment) in cases {
            let file = try t.scratch.write("h.jsonl", Self.file([header, try Self.enterpriseLine(1).1]))
            let error = await #expect(throws: StoreError.self) {
                _ = try await t.store.importFile(at: file, by: t.admin, progress: nil)
            }
            #expect(error?.issues.count == 1, "\(header)")
            #expect(error?.issues.first?.line == 1)
            #expect(error?.issues.first?.field == field)
            #expect(error?.issues.first?.message.contains(fragment) == true, "\(error?.issues.first?.message ?? "")")
        }
        let empty = try t.scratch.write("empty.jsonl", "")
        let error = await #expect(throws: StoreError.self) {
            _ = try await t.store.importFile(at: empty, by: t.admin, progress: nil)
        }
        #expect(error?.issues.first?.message.contains("empty") == true)
        await expectCode(.fileUnreadable) {
            _ = try await t.store.importFile(
                at: t.scratch.url.appendingPathComponent("missing.jsonl"), by: t.admin, progress: nil)
        }
        // An inspector imports nothing.
        let valid = try t.scratch.write("v.jsonl", Self.file([Self.header, try Self.enterpriseLine(1).1]))
        let refused = await #expect(throws: StoreError.self) {
            _ = try await t.store.importFile(at: valid, by: t.inspector, progress: nil)
        }
        #expect(refused?.code == .forbidden)
    }

    @Test("the demo data imported from files gives the same views as the demo data loaded directly")
    func demoFilesRoundTrip() async throws {
        let loaded = try await TestStore(enterprises: 40)
        defer { loaded.remove() }
        let imported = try await TestStore(enterprises: 0)
        defer { imported.remove() }
        let files = try loaded.dataset.writeImportFiles(to: imported.scratch.url.appendingPathComponent("files"))
        #expect(files.count == 15)
        for file in files {
            _ = try await imported.store.importFile(at: file, by: imported.admin, progress: nil)
        }
        for index in 0..<40 {
            let uscc = try loaded.dataset.enterprise(index).enterprise.uscc
            let a = try await loaded.store.currentView(of: uscc, on: testToday, by: loaded.admin)?.view
            let b = try await imported.store.currentView(of: uscc, on: testToday, by: imported.admin)?.view
            #expect(a != nil)
            #expect(a == b, "enterprise \(index)")
        }
        // Every record of the demo data arrived, withdrawn ones with their status.
        let demo = try loaded.dataset.enterprise(6)
        for item in demo.records {
            let stored = try await imported.store.creditRecord(item.record.recordNumber, by: imported.admin)
            #expect(stored?.status == (item.withdrawn ? .withdrawn : .published))
            #expect(
                try await imported.store.history(of: item.record.recordNumber, by: imported.admin).map(\.action) == [
                    "imported"
                ])
        }
    }

    @Test("progress is reported while a file is read")
    func progress() async throws {
        let t = try await TestStore(enterprises: 0)
        defer { t.remove() }
        var lines = [Self.header]
        let dataset = DemoDataset(seed: 1, count: 4_500)
        for index in 0..<4_500 {
            let uscc = try dataset.enterprise(index).enterprise.uscc.value
            lines.append(#"{"uscc":"\#(uscc)","name":"某公司","legalRepresentative":"王强","registeredRegion":"320500"}"#)
        }
        let file = try t.scratch.write("p.jsonl", Self.file(lines))
        let reports = Reports()
        _ = try await t.store.importFile(at: file, by: t.admin) { reports.add($0) }
        let seen = reports.all
        #expect(seen.map(\.rows) == [2_000, 4_000, 4_500])
        #expect(seen.last?.finishedReading == true)
        #expect(seen.last?.bytesRead == seen.last?.totalBytes)
    }
}

final class Reports: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var reports: [ImportProgress] = []
    func add(_ report: ImportProgress) { lock.withLock { reports.append(report) } }
    var all: [ImportProgress] { lock.withLock { reports } }
}
