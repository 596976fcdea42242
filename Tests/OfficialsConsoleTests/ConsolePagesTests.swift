import CreditStore
import Foundation
import HandbookCodec
import ServiceTestSupport
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The console's record workflow beyond the browser walk, through real form POSTs to a real
/// `handbook-issuer serve` process: amendment and maker–checker, withdrawal, shortenings,
/// escaping, English and unknown paths.
@Suite("console pages over HTTP")
struct ConsolePagesTests {
    @Test("an approver who amends may not approve; another may; amend errors name their field; withdraw keeps the why")
    func amendAndMakerChecker() async throws {
        let service = try await Service()
        defer { service.stop() }
        let (store, console) = (service.store, service.console)
        let target = try await Self.jiangsuEnterprise(store)
        let recorder = try await ConsoleSession.login(console, "recorder")
        // A window the store refuses is shown by its field (the store's message names it).
        let tooLong = try await recorder.post("/console/records", Self.form(target, months: "48"))
        #expect(tooLong.status == 422 && tooLong.body.contains("id=\"error-publicationMonths\""))
        let made = try await recorder.post("/console/records", Self.form(target, summary: "<script>alert(1)</script>"))
        #expect(made.status == 303, "\(made.body)")
        let number = try #require(try await Self.newest(store, target))

        // The summary is shown as text, never as markup.
        let page = try await recorder.get("/console/records/\(number)")
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!page.body.contains("<script>"))

        let approver = try await ConsoleSession.login(console, "approver")
        // An amendment with a mistake: the field named, what was typed kept.
        let wrong = try await approver.post(
            "/console/records/\(number)/amend", ["decisionDate": "2099-01-01", "summary": "改写", "reason": ""])
        #expect(wrong.status == 422)
        #expect(wrong.body.contains("id=\"error-reason\""))
        #expect(wrong.body.contains("value=\"2099-01-01\""))
        let amended = try await approver.post(
            "/console/records/\(number)/amend", ["decisionNumber": "苏建罚〔2026〕9号", "reason": "文号笔误"])
        #expect(amended.status == 303, "\(amended.body)")
        // Maker–checker: the page says so and offers no approval; a POST anyway is refused by the store.
        let own = try await approver.get("/console/records/\(number)")
        #expect(own.body.contains("id=\"maker-checker\"") && !own.body.contains("id=\"approve\""))
        let refused = try await approver.post("/console/records/\(number)/approve", [:])
        #expect(refused.status == 403 && refused.body.contains("maker–checker"), "\(refused.body)")
        #expect(try await store.creditRecord(number, by: Self.admin(store))?.status == .recorded)
        let other = try await ConsoleSession.login(console, "approver2")
        #expect(try await other.post("/console/records/\(number)/approve", [:]).status == 303)
        #expect(try await store.creditRecord(number, by: Self.admin(store))?.status == .approved)

        // Withdrawn with a reason: the timeline keeps every version, who and why.
        #expect(try await other.post("/console/records/\(number)/withdraw", ["reason": ""]).status == 422)
        #expect(try await other.post("/console/records/\(number)/withdraw", ["reason": "处罚决定已撤销"]).status == 303)
        let timeline = try await other.get("/console/records/\(number)")
        for step in ["v1 采集", "v2 更正", "v3 审核通过", "v4 撤销", "文号笔误", "处罚决定已撤销", "approver2"] {
            #expect(timeline.body.contains(step), "the timeline lacks \(step)")
        }
    }

    @Test("shortenings: filed by the recorder, refused with a reason, approved by another; the filer may not decide")
    func shortenings() async throws {
        let service = try await Service()
        defer { service.stop() }
        let (store, console) = (service.store, service.console)
        let target = try await Self.jiangsuEnterprise(store)
        let recorder = try await ConsoleSession.login(console, "recorder")
        let approver = try await ConsoleSession.login(console, "approver")
        #expect(try await recorder.post("/console/records", Self.form(target, months: "24")).status == 303)
        let number = try #require(try await Self.newest(store, target))
        #expect(try await approver.post("/console/records/\(number)/approve", [:]).status == 303)
        #expect(try await approver.post("/console/records/\(number)/publish", [:]).status == 303)
        let published = try #require(try await store.creditRecord(number, by: Self.admin(store)))
        let until = try #require(try published.publishedFrom?.adding(months: 6)).description

        #expect(
            try await recorder.post("/console/records/\(number)/shortenings", ["until": until, "reason": "已整改"]).status
                == 303)
        let first = try #require(try await store.shorteningRequests(of: number, by: Self.admin(store)).last)
        let queue = try await approver.get("/console/queue")
        #expect(queue.body.contains(number.value) && queue.body.contains("已整改"))
        #expect(try await approver.post("/console/shortenings/\(first.id)/reject", ["reason": ""]).status == 422)
        #expect(try await approver.post("/console/shortenings/\(first.id)/reject", ["reason": "整改材料不全"]).status == 303)
        let page = try await recorder.get("/console/records/\(number)")
        #expect(page.body.contains("整改材料不全"), "the recorder does not see why the shortening was refused")

        // Filed by an approver: that approver may not decide it, another may.
        #expect(
            try await approver.post("/console/records/\(number)/shortenings", ["until": until, "reason": "再次申请"]).status
                == 303)
        let second = try #require(try await store.shorteningRequests(of: number, by: Self.admin(store)).last)
        #expect(try await approver.post("/console/shortenings/\(second.id)/approve", [:]).status == 403)
        let other = try await ConsoleSession.login(console, "approver2")
        #expect(try await other.post("/console/shortenings/\(second.id)/approve", [:]).status == 303)
        #expect(try await store.creditRecord(number, by: Self.admin(store))?.publishedUntil?.description == until)
    }

    @Test("the queue in pages, English pages, the console's own 404, and no console without a session")
    func languageAndPaths() async throws {
        let service = try await Service()
        defer { service.stop() }
        let (store, console) = (service.store, service.console)
        let anonymous = try await ConsoleSession.anonymousGet(console + "/console/queue")
        #expect(anonymous.status == 303 && anonymous.location.hasPrefix("/console/login?next=/console/queue"))
        // The queue in pages of 50, oldest first: 51 waiting records make two pages.
        let target = try await Self.jiangsuEnterprise(store)
        let recorder = try #require(try await store.account(named: "recorder"))
        var made: [RecordNumber] = []
        for index in 0..<51 {
            var draft = RecordDraft(
                region: try RegionCode("320500"), uscc: target, kind: .bad, behaviourCode: try BehaviourCode("D1-3-01"),
                decisionNumber: "苏建罚〔2026〕\(index + 100)号", authority: "苏州市住房和城乡建设局", authorityLevel: .city,
                decisionDate: CardDate(Date()), publicationMonths: 6, summary: "偷工减料")
            draft.summary += String(index)
            made.append(try await store.record(draft, by: recorder).recordNumber)
        }
        let approver = try await ConsoleSession.login(console, "approver")
        let first = try await approver.get("/console/queue")
        #expect(first.body.components(separatedBy: "class=\"record-row\"").count - 1 == 50)
        #expect(first.body.contains("id=\"waiting-next\"") && first.body.contains(made[0].value))
        let second = try await approver.get("/console/queue?page=2")
        #expect(second.body.components(separatedBy: "class=\"record-row\"").count - 1 == 1)
        #expect(second.body.contains(made[50].value) && !second.body.contains("id=\"waiting-next\""))
        #expect(try await approver.get("/console/queue?page=0").status == 400)
        let english = try await approver.get("/console/queue?lang=en")
        #expect(english.body.contains("Approval queue") && english.body.contains("lang=\"en\""))
        let missing = try await approver.get("/console/no-such-page")
        #expect(missing.status == 404 && missing.body.contains("<html"))
        let auditor = try await ConsoleSession.login(console, "auditor")
        let refused = try await auditor.get("/console/queue")
        #expect(refused.status == 403 && refused.body.contains("审核人"))
    }

    // MARK: Fixtures

    /// The service process on a demo database with a second Jiangsu approver; stopped and removed by `stop`.
    struct Service {
        let folder: ServiceFolder
        let server: ServiceProcess
        let store: SQLCreditStore
        var console: String { "http://127.0.0.1:\(server.port)" }

        init() async throws {
            folder = try await ServiceFolder(enterprises: 30)
            try await folder.issuer([
                "accounts", "add", "approver2", "--role", "approver", "--regions", "320000", "--config",
                folder.config.path,
            ])
            server = try ServiceProcess(config: folder.config)
            store = try SQLCreditStore(path: folder.database)
        }

        func stop() {
            server.stop()
            folder.remove()
        }
    }

    static func admin(_ store: SQLCreditStore) async throws -> Account {
        try #require(try await store.account(named: "admin"))
    }

    static func jiangsuEnterprise(_ store: SQLCreditStore) async throws -> USCC {
        let dataset = DemoDataset(seed: 2007, count: 30)
        return try #require(try (0..<30).map { try dataset.enterprise($0) }.first { $0.province.code == "320000" })
            .enterprise.uscc
    }

    static func form(_ uscc: USCC, summary: String = "偷工减料", months: String = "6") -> [String: String] {
        [
            "uscc": uscc.value, "region": "320500", "kind": "bad", "behaviourCode": "D1-3-01",
            "decisionNumber": "苏建罚〔2026〕8号", "authority": "苏州市住房和城乡建设局", "authorityLevel": "city",
            "decisionDate": CardDate(Date()).description, "publicationMonths": months, "summary": summary,
        ]
    }

    /// The newest record of an enterprise.
    static func newest(_ store: SQLCreditStore, _ uscc: USCC) async throws -> RecordNumber? {
        try await store.creditRecords(
            WorkListQuery(statuses: [.recorded], uscc: uscc, newestFirst: true, limit: 1), by: admin(store)
        )
        .first?.record.recordNumber
    }
}

extension ConsoleSession {
    /// A GET without a session: the status and where it points.
    static func anonymousGet(_ url: String) async throws -> (status: Int, location: String) {
        let (_, response) = try await session.data(from: try #require(URL(string: url)))
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, http?.value(forHTTPHeaderField: "Location") ?? "")
    }
}
