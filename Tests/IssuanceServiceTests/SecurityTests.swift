import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookCrypto
import Hummingbird
import HummingbirdTesting
import IssuanceService
import Logging
import NIOCore
import ServiceTestSupport
import Synchronization
import Testing

/// What the outside review attacked through the API (issue 12), one test per class of defect.
@Suite("security: extreme inputs, scopes, sessions, logins")
struct SecurityTests {
    /// A published Jiangsu record (for the record routes) and a pending shortening of it.
    func publishedRecord(_ t: TestService) async throws -> (RecordNumber, Int64) {
        let recorder = try #require(try await t.store.account(named: "recorder-in"))
        let approver = try #require(try await t.store.account(named: "approver-in"))
        let record = try await t.store.record(
            RecordDraft(
                region: try RegionCode("320500"), uscc: t.jiangsu.enterprise.uscc, kind: .bad,
                behaviourCode: try BehaviourCode("D1-1-03"), decisionNumber: "苏住建罚〔2026〕1号",
                authority: "苏州市住房和城乡建设局", authorityLevel: .city, decisionDate: CardDate(Date()).shiftedBack(10),
                publicationMonths: 12, summary: "出借资质"), by: recorder)
        _ = try await t.store.approve(record.recordNumber, by: approver)
        let published = try await t.store.publish(record.recordNumber, on: CardDate(Date()), by: approver)
        let shortening = try await t.store.requestShortening(
            record.recordNumber, until: try #require(published.publishedFrom).adding(months: 6), reason: "整改",
            by: recorder)
        return (record.recordNumber, shortening.id)
    }

    @Test("extreme numbers and dates on every route that takes them: a 4xx naming the field, and the service alive")
    func extremeInputs() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let (record, shortening) = try await publishedRecord(t)
        let uscc = t.jiangsu.enterprise.uscc.value
        let card = t.jiangsu.card.description
        let draft: [String: Any] = [
            "region": "320500", "uscc": uscc, "kind": "bad", "behaviourCode": "D1-3-01",
            "decisionNumber": "苏住建罚〔2026〕9号",
            "authority": "苏州市住房和城乡建设局", "authorityLevel": "city", "decisionDate": CardDate(Date()).description,
            "summary": "偷工减料", "publicationMonths": 12,
        ]
        func with(_ key: String, _ value: Any) -> [String: Any] {
            var body = draft
            body[key] = value
            return body
        }
        let check: [String: Any] = [
            "checkedAt": CardTimestamp(Date()).description, "cardSerial": card, "verdict": "current",
        ]
        func checkWith(_ key: String, _ value: Any) -> [String: Any] {
            var body = check
            body[key] = value
            return body
        }
        // (who, method, path, body or raw text, the field the answer must name)
        let spelled: [(String, HTTPRequest.Method, String, Any?, String)] = [
            (
                "inspector", .post, "/v1/checks", checkWith("comparedRevision", 9_223_372_036_854_775_808.0),
                "comparedRevision"
            ),
            ("inspector", .post, "/v1/checks", checkWith("comparedRevision", 1e300), "comparedRevision"),
            ("inspector", .post, "/v1/checks", checkWith("comparedRevision", -1), "comparedRevision"),
            ("inspector", .post, "/v1/checks", checkWith("comparedRevision", 1.5), "comparedRevision"),
            ("inspector", .post, "/v1/checks", checkWith("comparedRevision", 100_000_000), "comparedRevision"),
            ("inspector", .post, "/v1/checks", checkWith("checkedAt", "9999-12-31T23:59:59Z"), "checkedAt"),
            ("inspector", .post, "/v1/checks", checkWith("checkedAt", "0001-01-01T00:00:00Z"), "checkedAt"),
            ("inspector", .post, "/v1/checks", checkWith("verdict", "fine"), "verdict"),
            ("recorder", .post, "/v1/records", with("decisionDate", "9999-06-01"), "decisionDate"),
            ("recorder", .post, "/v1/records", with("decisionDate", "0001-01-01"), "decisionDate"),
            ("recorder", .post, "/v1/records", with("publicationMonths", 4_611_686_018_427_387_904), "6 to 36"),
            ("recorder", .post, "/v1/records", with("publicationMonths", -5), "6 to 36"),
            ("recorder", .post, "/v1/records", with("summary", "偷工\u{202E}减料"), "summary"),
            ("recorder", .post, "/v1/records", with("summary", "偷工\u{200B}减料"), "summary"),
            ("approver", .post, "/v1/records/\(record)/publish", ["on": "9999-06-01"], "on"),
            (
                "approver", .post, "/v1/records/\(record)/amend", ["reason": "更正", "decisionDate": "9999-06-01"],
                "decisionDate"
            ),
            ("recorder", .post, "/v1/records/\(record)/shortenings", ["until": "9999-12-31", "reason": "整改"], "until"),
            ("approver", .post, "/v1/shortenings/-1/approve", nil, "id"),
            ("approver", .post, "/v1/shortenings/99999999999999999999/approve", nil, "id"),
            ("inspector", .get, "/v1/enterprises?name=%E8%8B%8F&limit=99999999999999999999", nil, "limit"),
            ("inspector", .get, "/v1/enterprises?name=%E8%8B%8F&limit=-1", nil, "limit"),
            ("inspector", .get, "/v1/enterprises/\(uscc)/view?on=10000-01-01", nil, "on"),
            ("auditor", .get, "/v1/audit?after=-1", nil, "after"),
            ("auditor", .get, "/v1/audit?after=9223372036854775808", nil, "after"),
            ("auditor", .get, "/v1/audit?limit=0", nil, "limit"),
            ("auditor", .get, "/v1/issuances/99999999999999999999", nil, "id"),
            ("auditor", .get, "/v1/cards/\(card)/checks?limit=100000", nil, "limit"),
            (
                "admin", .post, "/v1/accounts",
                ["name": "x1", "role": "inspector", "regions": [], "password": "a long enough password"], "regions"
            ),
            (
                "admin", .post, "/v1/accounts",
                ["name": "x2", "role": "inspector", "regions": ["320000"], "password": "            "], "password"
            ),
        ]
        let cases = try spelled.map { who, method, path, body, fieldName in
            (who, method, path, try body.map { try JSONSerialization.data(withJSONObject: $0) }, fieldName)
        }
        try await t.application.test(.router) { client in
            let tokens = [
                "recorder": try await client.login("recorder-in"), "approver": try await client.login("approver-in"),
                "inspector": try await client.login("inspector-in"), "auditor": try await client.login("auditor-in"),
                "issuer": try await client.login("issuer-in"), "admin": try await client.login("root"),
            ]
            for (who, method, path, body, fieldName) in cases {
                let response = try await client.send(method, path, token: tokens[who], raw: body)
                let label =
                    "\(method) \(path) \(body.map { String(decoding: $0, as: UTF8.self) }?.prefix(80) ?? "") → \(response.status) \(response.text.prefix(200))"
                #expect((400..<500).contains(response.status.code), "\(label)")
                #expect(response.text.contains(fieldName), "\(label)")
            }
            // Still alive, and nothing changed by any of them but what the set-up did.
            #expect(try await client.send(.get, "/v1/health").status == .ok)
        }
    }

    @Test("an admin manages only accounts inside its regions, and grants no region it does not hold")
    func adminScope() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let root = t.root
        _ = try await t.store.createAccount(
            name: "admin-sh", role: .admin, scope: RegionScope([try RegionCode("310000")]),
            passwordHash: try PasswordHash.make(testPassword, cost: cheapCost), by: root)
        try await t.application.test(.router) { client in
            let shanghai = try await client.login("admin-sh")
            func create(_ name: String, _ role: String, _ regions: [String]) async throws -> TestResponse {
                try await client.send(
                    .post, "/v1/accounts", token: shanghai,
                    body: ["name": name, "role": role, "regions": regions, "password": "a long enough password"])
            }
            #expect(try await create("js-approver", "approver", ["320000"]).status == .forbidden)
            #expect(try await create("big-admin", "admin", ["310000", "320000", "330000"]).status == .forbidden)
            #expect(try await create("sh-approver", "approver", ["310000"]).status == .created)
            // Jiangsu's accounts: as if absent, for disabling, changing, resetting.
            for path in [
                "/v1/accounts/admin-in/disable", "/v1/accounts/admin-in/enable", "/v1/accounts/admin-in/password",
            ] {
                let response = try await client.send(
                    .post, path, token: shanghai, body: ["password": "another long password"])
                #expect(response.status == .notFound, "\(path): \(response.text)")
            }
            let change = try await client.send(
                .post, "/v1/accounts/approver-in", token: shanghai, body: ["regions": ["310000"]])
            #expect(change.status == .notFound)
            // Its own account's regions cannot be widened by moving another account into them either.
            let widen = try await client.send(
                .post, "/v1/accounts/sh-approver", token: shanghai, body: ["regions": ["310000", "320000"]])
            #expect(widen.status == .forbidden)
            let listed = try await client.send(.get, "/v1/accounts", token: shanghai).text
            #expect(listed.contains("sh-approver") && !listed.contains("approver-in") && !listed.contains("root"))
        }
        #expect(try await t.store.account(named: "admin-in")?.disabled == false)
        #expect(try await t.store.account(named: "js-approver") == nil)
    }

    @Test("another region's journal entries, audit entries, cards and checks answer as absent; checks are audited")
    func scopeGaps() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let issuer = try #require(try await t.store.account(named: "issuer-in"))
        // A journal entry and a blank card of Jiangsu.
        let blank = try CardSerial(hex: "8656B000000F0001")
        let entry = try await t.store.openIssuance(
            card: blank, profile: "handbook-32k", uscc: t.jiangsu.enterprise.uscc, office: try RegionCode("320000"),
            reader: nil, by: issuer)
        try await t.store.closeIssuance(entry.id, as: .abandoned, note: "test")
        let unissued = try CardSerial(hex: "8656B000000F0002")
        try await t.store.registerCard(unissued, profile: "handbook-32k", region: try RegionCode("320000"), by: issuer)
        try await t.application.test(.router) { client in
            let inside = try await client.login("auditor-in")
            let outside = try await client.login("auditor-out")
            #expect(try await client.send(.get, "/v1/issuances/\(entry.id)", token: inside).status == .ok)
            let hidden = try await client.send(.get, "/v1/issuances/\(entry.id)", token: outside)
            let absent = try await client.send(.get, "/v1/issuances/987654", token: outside)
            #expect(hidden.status == .notFound && absent.status == .notFound)
            #expect(
                hidden.text.replacingOccurrences(of: "\(entry.id)", with: "N")
                    == absent.text.replacingOccurrences(of: "987654", with: "N"))
            // A card not issued yet belongs to the region that registered it.
            #expect(try await client.send(.get, "/v1/cards/\(unissued)", token: inside).status == .ok)
            let hiddenCard = try await client.send(.get, "/v1/cards/\(unissued)", token: outside)
            let absentCard = try await client.send(.get, "/v1/cards/8656B000000FFFFF", token: outside)
            #expect(hiddenCard.status == .notFound)
            #expect(
                hiddenCard.text.replacingOccurrences(of: unissued.description, with: "N")
                    == absentCard.text.replacingOccurrences(of: "8656B000000FFFFF", with: "N"))
            // The audit log: Jiangsu's entries for Jiangsu's auditor, none for Zhejiang's.
            let insideEntries = try await client.send(.get, "/v1/audit?limit=1000", token: inside).json(
                [AuditEntry].self)
            let outsideEntries = try await client.send(.get, "/v1/audit?limit=1000", token: outside).json(
                [AuditEntry].self)
            #expect(insideEntries.contains { $0.action == "issuance.open" })
            #expect(!outsideEntries.contains { $0.region?.hasPrefix("32") == true })
            #expect(outsideEntries.allSatisfy { $0.region?.hasPrefix("33") == true })
            // An inspector of Zhejiang cannot post a verdict on a Jiangsu card; Jiangsu's can, audited.
            let body: [String: Any] = [
                "checkedAt": CardTimestamp(Date()).description, "cardSerial": t.jiangsu.card.description,
                "verdict": "current",
            ]
            let foreign = try await client.send(
                .post, "/v1/checks", token: try await client.login("inspector-out"), body: body)
            #expect(foreign.status == .notFound)
            let own = try await client.send(
                .post, "/v1/checks", token: try await client.login("inspector-in"), body: body)
            #expect(own.status == .created)
            let after = try await client.send(.get, "/v1/audit?limit=1000", token: inside).json([AuditEntry].self)
            #expect(after.contains { $0.action == "check.record" && $0.subject == t.jiangsu.card.description })
        }
    }

    @Test("nobody approves or publishes a record they amended, or decides a shortening they filed")
    func makerChecker() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let approver = try #require(try await t.store.account(named: "approver-in"))
        let (record, _) = try await publishedRecord(t)
        let own = try await t.store.requestShortening(
            record,
            until: try #require(try await t.store.creditRecord(record, by: approver)?.publishedFrom).adding(
                months: 4), reason: "整改", by: approver)
        let refused = await #expect(throws: StoreError.self) {
            _ = try await t.store.approveShortening(own.id, by: approver)
        }
        #expect(refused?.code == .forbidden)
        #expect(refused?.message.contains("maker–checker") == true)

        // An approver who amended a record neither approves nor publishes it; another approver does.
        let recorder = try #require(try await t.store.account(named: "recorder-in"))
        let second = try await t.store.createAccount(
            name: "approver-in-2", role: .approver, scope: RegionScope([try RegionCode("320000")]), passwordHash: nil,
            by: t.root)
        let recorded = try await t.store.record(
            RecordDraft(
                region: try RegionCode("320500"), uscc: t.jiangsu.enterprise.uscc, kind: .bad,
                behaviourCode: try BehaviourCode("D1-3-01"), decisionNumber: "苏住建罚〔2026〕6号",
                authority: "苏州市住房和城乡建设局", authorityLevel: .city, decisionDate: CardDate(Date()).shiftedBack(3),
                publicationMonths: 12, summary: "偷工减料"), by: recorder)
        var amendment = RecordAmendment()
        amendment.summary = "偷工减料，降低工程质量"
        _ = try await t.store.amend(recorded.recordNumber, amendment, reason: "更正", by: approver)
        for step in ["approve", "publish"] {
            if step == "publish" { _ = try await t.store.approve(recorded.recordNumber, by: second) }
            let own = await #expect(throws: StoreError.self, "\(step)") {
                if step == "approve" {
                    _ = try await t.store.approve(recorded.recordNumber, by: approver)
                } else {
                    _ = try await t.store.publish(recorded.recordNumber, on: CardDate(Date()), by: approver)
                }
            }
            #expect(own?.message.contains("maker–checker") == true, "\(step)")
        }
        #expect(try await t.store.publish(recorded.recordNumber, on: CardDate(Date()), by: second).status == .published)
    }

    @Test("a token expires with time; a disabled account's session ends at its next request, however it was disabled")
    func sessions() async throws {
        let clock = TestClock(Date())
        let t = try await TestService(clock: clock.function)
        defer { t.remove() }
        try await t.application.test(.router) { client in
            let token = try await client.login("inspector-in")
            #expect(try await client.send(.get, "/v1/me", token: token).status == .ok)
            clock.advance(3_599)
            #expect(try await client.send(.get, "/v1/me", token: token).status == .ok)
            clock.advance(2)
            let expired = try await client.send(.get, "/v1/me", token: token)
            #expect(expired.status == .unauthorized)
            #expect(expired.errorCode == "AUTH_EXPIRED")
            // Disabled the way the command line does it (in the database, not through the API),
            // right after a request: the very next request is refused.
            let auditor = try await client.login("auditor-in")
            #expect(try await client.send(.get, "/v1/me", token: auditor).status == .ok)
            _ = try await t.store.setDisabled(true, account: "auditor-in", by: t.root)
            #expect(try await client.send(.get, "/v1/me", token: auditor).errorCode == "AUTH_ACCOUNT_DISABLED")
        }
    }

    @Test("login names that could be confused with others, and passwords of spaces, are refused")
    func credentials() async throws {
        let t = try await TestService()
        defer { t.remove() }
        for name in [
            "Inspector-In", "inspector-ín", "іnspector", "insp ector", "a\u{200B}b", "",
            String(repeating: "a", count: 65),
        ] {
            await #expect(throws: StoreError.self, "\(name)") {
                _ = try await t.store.createAccount(
                    name: name, role: .inspector, scope: RegionScope([try RegionCode("320000")]), passwordHash: nil,
                    by: t.root)
            }
        }
        for password in [
            "            ",
            "\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}", "short",
        ] {
            #expect(throws: StoreError.self) { try Credentials.validate(password: password) }
        }
        try Credentials.validate(password: "a long enough password")
    }

    @Test("a failed login logs the name escaped: no forged line, no terminal escape")
    func logInjection() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let lines = CapturedLog()
        var logger = Logger(label: "capture") { _ in lines }
        logger.logLevel = .notice
        let app = Application(router: t.api.router(), logger: logger)
        try await app.test(.router) { client in
            let name = "evil\nnotice: login account=root\u{1B}[2J"
            _ = try await client.send(.post, "/v1/login", body: ["name": name, "password": "x"])
        }
        let logged = lines.all.joined(separator: "\n")
        #expect(logged.contains("failed login"))
        #expect(!lines.all.contains { $0.contains("\n") || $0.contains("\u{1B}") }, "\(lines.all)")
        #expect(logged.contains("\\u{a}") && logged.contains("\\u{1b}"))
    }

    @Test(
        "unknown and disabled names run the same scrypt as a wrong password; the throttle backs off per name and address"
    )
    func loginWork() async throws {
        let checks = PasswordChecks()
        let hash = try PasswordHash.make("a long enough password")
        // The same work for every refusal: one scrypt at the default cost, whatever the name.
        #expect(try await checks.verify("a long enough password", against: hash))
        #expect(try await !checks.verify("wrong", against: hash))
        #expect(try await !checks.verify("a long enough password", against: nil))
        #expect(PasswordHash.cost(of: checks.decoyHash) == PasswordHash.cost(of: hash))
        #expect(PasswordHash.cost(of: PasswordChecks(cost: cheapCost).decoyHash) == "1024$8$1")

        let clock = TestClock(Date())
        let throttle = LoginThrottle(clock: clock.function)
        for _ in 0..<3 { await throttle.failed(name: "alice", address: "10.0.0.1") }
        #expect(await throttle.retryAfter(name: "alice", address: "10.0.0.1") == 1)
        // Alice from elsewhere, and Bob from the same place, are not held back.
        #expect(await throttle.retryAfter(name: "alice", address: "10.0.0.2") == nil)
        #expect(await throttle.retryAfter(name: "bob", address: "10.0.0.1") == nil)
        await throttle.failed(name: "alice", address: "10.0.0.1")
        #expect(await throttle.retryAfter(name: "alice", address: "10.0.0.1") == 2)
        clock.advance(2.5)
        #expect(await throttle.retryAfter(name: "alice", address: "10.0.0.1") == nil)
        // Spraying many names from one address slows that address.
        for index in 0..<20 { await throttle.failed(name: "user\(index)", address: "10.0.0.9") }
        #expect(await throttle.retryAfter(name: "anyone", address: "10.0.0.9") != nil)
    }

    @Test("concurrent downloads share one build and each get a complete signed package; a new revision is built once")
    func concurrentPackages() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let shelf = try #require(t.api.packages)
        let trust = try trustStore()
        try await t.application.test(.router) { client in
            let token = try await client.login("inspector-in")
            func downloads(_ count: Int) async throws -> [(
                status: HTTPResponse.Status, revision: String?, body: [UInt8]
            )] {
                try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?, [UInt8]).self) { group in
                    for _ in 0..<count {
                        group.addTask {
                            let response = try await client.send(.get, "/v1/packages/320000", token: token)
                            let revision = HTTPField.Name("Package-Revision").flatMap { response.headers[$0] }
                            return (response.status, revision, Array(response.body.readableBytesView))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            func expectSigned(_ answers: [(status: HTTPResponse.Status, revision: String?, body: [UInt8])]) {
                for answer in answers {
                    #expect(answer.status == .ok)
                    do {
                        let package = try DataPackageVerifier.verify(
                            answer.body, trustStore: trust, now: Date(), maximumAge: 86_400)
                        #expect(answer.revision == String(package.contents.header.databaseRevision))
                    } catch {
                        Issue.record("an answer is not a complete signed package: \(error)")
                    }
                }
            }
            // The first requests of a region wait for its one build.
            let first = try await downloads(24)
            expectSigned(first)
            #expect(Set(first.map(\.revision)).count == 1)
            #expect(await shelf.buildsStarted == 1)

            // The database moves on: the last complete package is served meanwhile, one build runs.
            let recorder = try #require(try await t.store.account(named: "recorder-in"))
            _ = try await t.store.record(
                RecordDraft(
                    region: try RegionCode("320500"), uscc: t.jiangsu.enterprise.uscc, kind: .bad,
                    behaviourCode: try BehaviourCode("D1-3-01"), decisionNumber: "苏住建罚〔2026〕5号",
                    authority: "苏州市住房和城乡建设局", authorityLevel: .city, decisionDate: CardDate(Date()),
                    publicationMonths: 12, summary: "偷工减料"), by: recorder)
            let second = try await downloads(24)
            expectSigned(second)
            #expect(await shelf.buildsStarted == 2)
            await shelf.settle()
            let after = try await downloads(1)
            expectSigned(after)
            #expect(after.first?.revision == String(try await t.store.revision()))
            #expect(await shelf.buildsStarted == 2)
            // On disk: the two latest packages, each named after the revision its export read; no
            // provisional file left behind.
            let files = try FileManager.default.contentsOfDirectory(
                atPath: t.directory.appendingPathComponent("packages").path)
            #expect(files.count == 2, "\(files)")
            let revision = try await t.store.revision()
            #expect(files.contains { $0.hasPrefix("320000-r\(revision)-") }, "\(files)")
            #expect(!files.contains { $0.hasSuffix(".partial") })
        }
    }
}

extension CardDate {
    func shiftedBack(_ days: Int) -> CardDate { (try? adding(days: -days)) ?? self }
}

/// A log handler that keeps each message as one string.
final class CapturedLog: LogHandler, @unchecked Sendable {
    // @unchecked: guarded by the lock; copies share it.
    private let storage = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let metadata = (event.metadata ?? [:]).merging(self.metadata) { a, _ in a }
        storage.withLock {
            $0.append("\(event.message) \(metadata.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
        }
    }

    var all: [String] { storage.withLock { $0 } }
}
