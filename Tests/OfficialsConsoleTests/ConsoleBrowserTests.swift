import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto
import ServiceTestSupport
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The officials' console of a real `handbook-issuer serve` process on a real SQLite file, walked in
/// a real headless Chromium (Tests/browser/console_walk.py through Selenium and chromedriver), with
/// a virtual card in a vpcd reader of pcscd and `handbook-verify` reading it; screenshots under
/// `.build/test-output/console/`.
@Suite("the officials' console in a real browser", .serialized)
struct ConsoleBrowserTests {
    @Test(
        "record, refuse, approve, publish, reject, issue to a card; verify current, outdated, revoked; oversight, regions, CSRF, expiry"
    )
    func walk() async throws {
        let folder = try await ServiceFolder(enterprises: 300)
        defer { folder.remove() }
        try await folder.issuer([
            "accounts", "add", "recorder-sh", "--role", "recorder", "--regions", "310000", "--config",
            folder.config.path,
        ])
        let dataset = DemoDataset(seed: 2007, count: 300)
        let all = try (0..<300).map { try dataset.enterprise($0) }
        let jiangsu = all.filter { $0.province.code == "320000" }
        let shanghai = try #require(all.first { $0.province.code == "310000" })
        let target = jiangsu[4]
        let card = try await TestSlot(slot: 0, profile: "handbook-32k", serial: "8656C00000000001", in: folder.url)
        try card.insert()

        let server = try ServiceProcess(config: folder.config)
        defer { server.stop() }
        // The same database behind a second service whose console sessions end after 2 idle seconds.
        var short = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.config)) as? [String: Any] ?? [:]
        short["console"] = ["idleSeconds": 2]
        short["readers"] = ["none"]
        let shortConfig = folder.url.appendingPathComponent("short.json")
        try JSONSerialization.data(withJSONObject: short).write(to: shortConfig)
        let shortServer = try ServiceProcess(config: shortConfig)
        defer { shortServer.stop() }

        // Made through the API before the walk: an older record the approver sends back, and a
        // Shanghai record no Jiangsu account may see.
        let today = CardDate(Date())
        func draft(_ uscc: String, _ region: String, _ number: String) -> [String: Any] {
            [
                "region": region, "uscc": uscc, "kind": "bad", "behaviourCode": "D1-2-05", "decisionNumber": number,
                "authority": "住房和城乡建设局", "authorityLevel": "city", "decisionDate": today.description,
                "publicationMonths": 6, "summary": "违法分包",
            ]
        }
        let recorder = try await server.login("recorder")
        let toReject = try recordNumber(
            await server.request(
                "POST", "/v1/records", token: recorder,
                body: draft(target.enterprise.uscc.value, "320500", "苏建罚〔2026〕1号")))
        let shanghaiRecorder = try await server.login("recorder-sh")
        let shanghaiRecord = try recordNumber(
            await server.request(
                "POST", "/v1/records", token: shanghaiRecorder,
                body: draft(shanghai.enterprise.uscc.value, "310000", "沪建罚〔2026〕2号")))

        let output = Repository.root.appendingPathComponent(".build/test-output/console")
        try? FileManager.default.removeItem(at: output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let importFile = folder.url.appendingPathComponent("320000-enterprises.jsonl")
        let newcomer = try dataset.enterprise(400).enterprise
        try [
            #"{"format":"credit-handbook-import","version":2,"entity":"enterprises","region":"320000"}"#,
            #"{"uscc":"\#(newcomer.uscc.value)","name":"无锡新建工程有限公司","legalRepresentative":"王强","registeredRegion":"320200"}"#,
            #"{"end":true,"rows":1}"#,
        ].joined(separator: "\n").appending("\n").write(to: importFile, atomically: true, encoding: .utf8)
        var expect: [String: Any] = [
            "name": target.enterprise.name, "uscc": target.enterprise.uscc.value, "password": testPassword,
            "today": today.description, "toReject": toReject, "shanghaiRecord": shanghaiRecord, "reader": card.reader,
            "importFile": importFile.path,
        ]
        let console = "http://127.0.0.1:\(server.port)"
        func walk(_ phase: String) async throws -> [String: Any] {
            let expectations = folder.url.appendingPathComponent("expect-\(phase).json")
            let result = folder.url.appendingPathComponent("result-\(phase).json")
            try JSONSerialization.data(withJSONObject: expect).write(to: expectations)
            let run = try await runProgram(
                "/usr/bin/python3",
                [
                    Repository.path("Tests/browser/console_walk.py"), "--phase", phase, "--console", console, "--short",
                    "http://127.0.0.1:\(shortServer.port)", "--out", output.path, "--expect", expectations.path,
                    "--result", result.path,
                ])
            #expect(run.status == 0, "console_walk.py \(phase): \(run.errors)")
            let values = try JSONSerialization.jsonObject(with: Data(contentsOf: result)) as? [String: Any] ?? [:]
            print("console walk \(phase) flow times (s): \(values["timings"] ?? [:])")
            return values
        }
        @Sendable func verify() async throws -> (code: Int32, report: [String: Any]) {
            try await runVerifier(
                [
                    "verify", "--reader", card.reader, "--json", "--service", console, "--account", "inspector",
                    "--timeout", "20",
                ], environment: ["HANDBOOK_PASSWORD": testPassword])
        }

        // Phase 1: the recorder records, is refused approval, the approver approves and publishes,
        // sends another back, the issuer issues the card.
        let first = try await walk("issue")
        let record = try #require(first["record"] as? String)
        let document = try #require(first["document"] as? String)
        let serial = try #require(first["card"] as? String)
        #expect(serial == "8656C00000000001")

        // The same account that recorded the record may not approve it: refused with the reason,
        // by a real POST with its session and token.
        let recorderSession = try await ConsoleSession.login(console, "recorder")
        let refusal = try await recorderSession.post("/console/records/\(toReject)/approve", [:])
        #expect(refusal.status == 403 && refusal.body.contains("审核人"), "\(refusal.status) \(refusal.body)")

        let current = try await verify()
        #expect(current.report["verdict"] as? String == "current", "\(current.report)")
        #expect(current.report["documentNumber"] as? String == document)
        let published = current.report["revision"]

        // Another record published: the card is outdated, that record named.
        let approver = try await server.login("approver")
        let another = try recordNumber(
            await server.request(
                "POST", "/v1/records", token: recorder,
                body: draft(target.enterprise.uscc.value, "320500", "苏建罚〔2026〕3号")))
        #expect(await server.request("POST", "/v1/records/\(another)/approve", token: approver)?.0 == 200)
        #expect(await server.request("POST", "/v1/records/\(another)/publish", token: approver, body: [:])?.0 == 200)
        let outdated = try await verify()
        #expect(
            outdated.report["verdict"] as? String == "outdated", "\(outdated.report) \(String(describing: published))")
        let differences = outdated.report["differences"] as? [[String: Any]] ?? []
        #expect(differences.contains { $0["key"] as? String == another })
        #expect(!differences.contains { $0["key"] as? String == record })

        // Phase 2: revocation from the console, oversight, another region, accounts, import, expiry.
        expect["card"] = serial
        _ = try await walk("oversee")
        let revoked = try await verify()
        #expect(revoked.report["verdict"] as? String == "revoked", "\(revoked.report)")

        // A POST without the CSRF token is refused and changes nothing.
        let approverSession = try await ConsoleSession.login(console, "approver")
        let store = try SQLCreditStore(path: folder.database)
        let admin = try #require(try await store.account(named: "admin"))
        let pending = try await store.record(
            RecordDraft(
                region: try RegionCode("320500"), uscc: target.enterprise.uscc, kind: .bad,
                behaviourCode: try BehaviourCode("D1-3-02"), decisionNumber: "苏建罚〔2026〕4号", authority: "苏州市住房和城乡建设局",
                authorityLevel: .city, decisionDate: today, publicationMonths: 6, summary: "未按节能设计施工"),
            by: try #require(try await store.account(named: "recorder")))
        let noToken = try await approverSession.post(
            "/console/records/\(pending.recordNumber)/approve", [:], token: .none)
        #expect(noToken.status == 403 && noToken.body.contains("CSRF"), "\(noToken.status)")
        let wrongToken = try await approverSession.post(
            "/console/records/\(pending.recordNumber)/approve", [:], token: .value(String(repeating: "0", count: 64)))
        #expect(wrongToken.status == 403)
        #expect(try await store.creditRecord(pending.recordNumber, by: admin)?.status == .recorded)
        // A login form posted from another site is refused before the password is looked at.
        var foreign = URLRequest(url: try #require(URL(string: console + "/console/login")))
        foreign.httpMethod = "POST"
        foreign.setValue("https://evil.example", forHTTPHeaderField: "Origin")
        foreign.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        foreign.httpBody = Data("name=approver&password=\(testPassword)".utf8)
        let (_, foreignAnswer) = try await ConsoleSession.session.data(for: foreign)
        #expect((foreignAnswer as? HTTPURLResponse)?.statusCode == 403)
        #expect((foreignAnswer as? HTTPURLResponse)?.value(forHTTPHeaderField: "Set-Cookie") == nil)
        // A Shanghai record by its address: answered as absent, for a page and for an action.
        let page = try await approverSession.get("/console/records/\(shanghaiRecord)")
        #expect(page.status == 404)
        let act = try await approverSession.post("/console/records/\(shanghaiRecord)/approve", [:])
        #expect(act.status == 404)
        #expect(try await store.creditRecord(try RecordNumber(shanghaiRecord), by: admin)?.status == .recorded)
        // With the token the approval goes through (the refusals above were the token's).
        let approved = try await approverSession.post("/console/records/\(pending.recordNumber)/approve", [:])
        #expect(approved.status == 303)
        #expect(try await store.creditRecord(pending.recordNumber, by: admin)?.status == .approved)

        // The region's signed package from the console verifies and holds the enterprise.
        let package = try await approverSession.get("/console/data/packages/320000")
        #expect(package.status == 200)
        let contents = try DataPackageVerifier.verify(
            Array(package.body.utf8), trustStore: try Repository.trustStore(), now: Date(), maximumAge: 3_600)
        #expect(contents.contents.views[target.enterprise.uscc] != nil)
        #expect((try await approverSession.get("/console/data/packages/310000")).status == 403)

        // An import with a bad row: refused whole, the row and field named on its page.
        let adminSession = try await ConsoleSession.login(console, "admin")
        let badRow = try await adminSession.upload(
            "320000-enterprises.jsonl",
            [
                #"{"format":"credit-handbook-import","version":2,"entity":"enterprises","region":"320000"}"#,
                #"{"uscc":"\#(try dataset.enterprise(401).enterprise.uscc.value)","name":"甲","legalRepresentative":"乙","registeredRegion":"999999"}"#,
                #"{"end":true,"rows":1}"#,
            ].joined(separator: "\n") + "\n")
        #expect(badRow.status == 303)
        var report = ""
        for _ in 0..<100 where !report.contains("import-failed") {
            try await Task.sleep(for: .milliseconds(100))
            report = try await adminSession.get(badRow.location).body
        }
        #expect(report.contains("import-failed") && report.contains("registeredRegion"), "\(report)")
        #expect(
            try await store.enterprise(identifiedBy: try dataset.enterprise(401).enterprise.uscc.value, by: admin)
                == nil)
        // Accounts: disable, change role and regions, reset a password — each takes effect.
        #expect(try await adminSession.post("/console/accounts/recorder-wuxi/disable", [:]).status == 303)
        #expect(try await store.account(named: "recorder-wuxi")?.disabled == true)
        #expect(try await adminSession.post("/console/accounts/recorder-wuxi/enable", [:]).status == 303)
        #expect(
            try await adminSession.post("/console/accounts/recorder-wuxi", ["role": "approver", "regions": "320200"])
                .status == 303)
        let changed = try await store.account(named: "recorder-wuxi")
        #expect(changed?.role == .approver && changed?.scope.description == "320200")
        #expect(
            try await adminSession.post(
                "/console/accounts/recorder-wuxi/password", ["password": "another long password"]
            )
            .status == 303)
        #expect(
            try await ConsoleSession.login(console, "recorder-wuxi", password: "another long password").csrf.count == 64
        )
        // The audit chain verifies after the whole run.
        let chain = try await store.verifyAuditChain(by: admin)
        #expect(chain.isIntact, "\(chain)")
        for name in [
            "home-recorder", "enterprise", "record-form-error", "record-recorded", "recorder-may-not-approve", "queue",
            "record-published",
            "queue-en", "mine-rejected", "issue", "issued", "card", "other-region-404", "audit", "checks", "accounts",
            "import", "data", "session-expired",
        ] {
            let size =
                (try? FileManager.default.attributesOfItem(atPath: output.appendingPathComponent("\(name).png").path)[
                    .size]) as? Int ?? 0
            #expect(size > 10_000, "screenshot \(name).png: \(size) bytes")
        }
        try await card.remove()
    }

    func recordNumber(_ answer: (Int, String)?) throws -> String {
        let (status, body) = try #require(answer)
        #expect(status == 201, "\(body)")
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return try #require(object?["recordNumber"] as? String)
    }
}

/// A console session over plain HTTP, without a browser: its cookie and CSRF token.
struct ConsoleSession {
    let base: String
    let cookie: String
    let csrf: String

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        return URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }()

    static func login(_ base: String, _ name: String, password: String = testPassword) async throws -> ConsoleSession {
        var request = URLRequest(url: try #require(URL(string: base + "/console/login")))
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(
            "name=\(name)&password=\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&next=/console"
                .utf8)
        let (_, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 303)
        let setCookie = try #require(http.value(forHTTPHeaderField: "Set-Cookie"))
        let cookie = String(setCookie.split(separator: ";")[0])
        var home = URLRequest(url: try #require(URL(string: base + "/console")))
        home.setValue(cookie, forHTTPHeaderField: "Cookie")
        let (data, _) = try await session.data(for: home)
        let page = String(decoding: data, as: UTF8.self)
        let range = try #require(page.range(of: #"name="csrf" value="[0-9a-f]{64}""#, options: .regularExpression))
        let csrf = String(page[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
        return ConsoleSession(base: base, cookie: cookie, csrf: csrf)
    }

    func get(_ path: String) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: try #require(URL(string: base + path)))
        request.setValue(cookie, forHTTPHeaderField: "Cookie")
        let (data, response) = try await Self.session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Uploads a file as the console's import form does (multipart, the token in the address);
    /// the status and where the answer points.
    func upload(_ name: String, _ text: String) async throws -> (status: Int, location: String) {
        var request = URLRequest(url: try #require(URL(string: base + "/console/data/imports?csrf=\(csrf)")))
        request.httpMethod = "POST"
        request.setValue(cookie, forHTTPHeaderField: "Cookie")
        let boundary = "console-test-boundary"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(
            ("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n\(text)\r\n--\(boundary)--\r\n").utf8)
        let (_, response) = try await Self.session.data(for: request)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, http?.value(forHTTPHeaderField: "Location") ?? "")
    }

    /// Which CSRF token a POST carries.
    enum Token {
        case session, none, value(String)
    }

    /// A form POST with the session's token, none, or another.
    func post(_ path: String, _ fields: [String: String], token: Token = .session) async throws -> (
        status: Int, body: String
    ) {
        var request = URLRequest(url: try #require(URL(string: base + path)))
        request.httpMethod = "POST"
        request.setValue(cookie, forHTTPHeaderField: "Cookie")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        var all = fields
        switch token {
        case .session: all["csrf"] = csrf
        case .value(let value): all["csrf"] = value
        case .none: break
        }
        request.httpBody = Data(
            all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&").utf8)
        let (data, response) = try await Self.session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}

final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
