import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookCrypto
import Hummingbird
import HummingbirdTesting
import PublicSite
import ServiceTestSupport
import Synchronization
import TestSupport
import Testing

/// A real SQLite file with 300 demo enterprises, a recorder and an approver of Jiangsu, and the
/// public site on its own read-only connection, with a clock the test can move.
final class PublicFixture: Sendable {
    let directory: URL
    let store: SQLCreditStore
    let dataset = DemoDataset(seed: 2007, count: 300)
    let site: PublicSite
    let root: Account
    let time = MovableClock()

    init(limiter: RateLimiter = RateLimiter(burst: 100_000, perSecond: 100_000)) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("public-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = try TestDatabases.make(in: directory)
        store = try SQLCreditStore.open(path)
        let hash = try PasswordHash.make(testPassword, cost: cheapCost)
        root = try await store.createAccount(
            name: "root", role: .admin,
            scope: RegionScope([try RegionCode("310000"), try RegionCode("320000"), try RegionCode("330000")]),
            passwordHash: hash, by: nil)
        for role in [Role.recorder, .approver, .issuer] {
            _ = try await store.createAccount(
                name: role.rawValue, role: role, scope: RegionScope([try RegionCode("320000")]), passwordHash: hash,
                by: root)
        }
        for office in regionalOffices { try store.ensureOffice(office) }
        try store.loadDemo(dataset, range: 0..<300, by: root)
        let clock = time
        site = try PublicSite(
            catalog: try PublicCatalog(database: path),
            signing: PublicSite.ReportSigning(
                key: try PrivateKey(pemEncoded: try Repository.text("Keys/p256/package-signer.key.pem")),
                certificate: try Certificate(pemEncoded: try Repository.text("Keys/p256/package-signer.pem"))),
            limiter: limiter, clock: { clock.now() })
    }

    func move(to date: Date) { time.set(date) }

    var application: some ApplicationProtocol { Application(router: site.router()) }

    func account(_ name: String) async throws -> Account { try #require(try await store.account(named: name)) }

    /// A Jiangsu enterprise of the demo data.
    func jiangsu(_ skip: Int = 0) throws -> DemoEnterprise {
        try (0..<300).lazy.map { try self.dataset.enterprise($0) }.filter { $0.province.code == "320000" }
            .dropFirst(skip).first!
    }

    func remove() {
        try? store.close()
        TestDatabases.remove(store.path)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A clock a test moves.
final class MovableClock: Sendable {
    private let value = Mutex(Date())
    func now() -> Date { value.withLock { $0 } }
    func set(_ date: Date) { value.withLock { $0 = date } }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

/// Every link of a page, for following them.
func links(_ html: String) -> [String] {
    html.matches(of: #/href="([^"]+)"/#).map { String($0.output.1).replacingOccurrences(of: "&amp;", with: "&") }
}

@Suite("the public site, in process, on a real database (SQLite, or PostgreSQL in the second pass)")
struct PublicSiteTests {
    @Test("one, two and three characters of a Chinese name find it through the index; every hit contains them")
    func chineseSearch() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        let name = try f.dataset.enterprise(5).enterprise.name
        let characters = Array(name)
        try await f.application.test(.router) { client in
            for length in 1...3 {
                let query = String(characters[0..<length])
                let answer = try await client.execute(
                    uri: "/api/enterprises?q=\(encoded(query))", method: .get)
                #expect(answer.status == .ok)
                let page = try JSONDecoder().decode(
                    PublicPage<PublicEnterpriseSummary>.self, from: Data(answer.body.readableBytesView))
                #expect(page.total > 0, "\(query)")
                #expect(page.items.allSatisfy { $0.name.contains(query) }, "\(query): \(page.items.map(\.name))")
                // The HTML page says the count and links the enterprise.
                let html = try await client.execute(uri: "/enterprises?q=\(encoded(query))", method: .get).text
                #expect(html.contains("共 \(page.total) 条结果") || html.contains("条结果"))
            }
            // The whole name reaches the enterprise page.
            let found = try await client.execute(uri: "/enterprises?q=\(encoded(name))", method: .get).text
            let uscc = try f.dataset.enterprise(5).enterprise.uscc.value
            #expect(found.contains("/enterprises/\(uscc)"))
            let page = try await client.execute(uri: "/enterprises/\(uscc)", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains(name))
            // By USCC and by organisation code, exactly.
            let byCode = try await client.execute(uri: "/api/enterprises?q=\(uscc)", method: .get)
            #expect(
                try JSONDecoder().decode(
                    PublicPage<PublicEnterpriseSummary>.self, from: Data(byCode.body.readableBytesView)
                ).items.map(\.uscc) == [uscc])
            let organisation = String(uscc.dropFirst(8).prefix(8)) + "-" + String(uscc.dropFirst(16).prefix(1))
            let byOrganisation = try await client.execute(uri: "/api/enterprises?q=\(organisation)", method: .get)
            #expect(
                try JSONDecoder().decode(
                    PublicPage<PublicEnterpriseSummary>.self, from: Data(byOrganisation.body.readableBytesView)
                ).items.map(\.uscc) == [uscc])
        }
    }

    @Test("wildcards and FTS syntax in a query are text: %, _, quotes, OR, NEAR, * match nothing they do not spell")
    func wildcardsAreText() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        let name = try f.dataset.enterprise(5).enterprise.name
        let two = String(Array(name)[0..<2])
        try await f.application.test(.router) { client in
            for query in [
                "%", "_", "%%", "\"", "*", "\(two) OR 苏州", "NEAR(\(two))", "\(two)*", "\"\(two)\" OR \"x\"", "^\(two)",
            ] {
                let answer = try await client.execute(uri: "/api/enterprises?q=\(encoded(query))", method: .get)
                #expect(answer.status == .ok, "\(query)")
                let page = try JSONDecoder().decode(
                    PublicPage<PublicEnterpriseSummary>.self, from: Data(answer.body.readableBytesView))
                // Only letters and digits are searched, in order: every hit contains them all, in order.
                let letters = String(query.filter { $0.isLetter || $0.isNumber }).lowercased()
                #expect(
                    page.items.allSatisfy {
                        $0.name.lowercased().filter { $0.isLetter || $0.isNumber }.contains(letters)
                    }, "\(query)")
                if letters.isEmpty { #expect(page.total == 0, "\(query)") }
            }
            // "两字 OR 苏州" would be a union in FTS syntax; here it is one string no name holds.
            let union = try await client.execute(uri: "/api/enterprises?q=\(encoded("\(two) OR 苏州"))", method: .get)
            #expect(
                try JSONDecoder().decode(
                    PublicPage<PublicEnterpriseSummary>.self, from: Data(union.body.readableBytesView)
                ).total == 0)
            // Over-long input is refused, not cut.
            let long = try await client.execute(
                uri: "/enterprises?q=\(String(repeating: "华", count: 51))", method: .get)
            #expect(long.status == .badRequest)
        }
    }

    @Test("a bad record recorded, approved and published appears; after its window or withdrawn it does not")
    func publicationWindow() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        let enterprise = try f.jiangsu(3).enterprise
        let recorder = try await f.account("recorder")
        let approver = try await f.account("approver")
        let today = CardDate(Date())
        let record = try await f.store.record(
            RecordDraft(
                region: try RegionCode("320500"), uscc: enterprise.uscc, kind: .bad,
                behaviourCode: try BehaviourCode("D1-3-01"), decisionNumber: "苏住建罚〔2026〕77号",
                authority: "苏州市住房和城乡建设局", authorityLevel: .city, decisionDate: today,
                publicationMonths: 6, summary: "偷工减料 <script>alert(1)</script>"), by: recorder)
        try await f.application.test(.router) { client in
            // Recorded but not yet published: not public.
            #expect(
                try await client.execute(uri: "/records/\(record.recordNumber.value)", method: .get).status == .notFound
            )
            _ = try await f.store.approve(record.recordNumber, by: approver)
            let published = try await f.store.publish(record.recordNumber, on: today, by: approver)
            let until = try #require(published.publishedUntil)
            let page = try await client.execute(uri: "/enterprises/\(enterprise.uscc.value)", method: .get).text
            #expect(page.contains(record.recordNumber.value))
            #expect(page.contains("D1-3-01"))
            #expect(page.contains("公开至 \(until)"))
            #expect(page.contains("苏住建罚〔2026〕77号"))
            #expect(page.contains("江苏省住房和城乡建设厅"))
            // Escaped, never markup.
            #expect(!page.contains("<script>alert(1)</script>"))
            #expect(page.contains("&lt;script&gt;"))
            let list = try await client.execute(uri: "/records?kind=bad&region=320500", method: .get).text
            #expect(list.contains(record.recordNumber.value))
            #expect(try await client.execute(uri: "/records/\(record.recordNumber.value)", method: .get).status == .ok)

            // The day after the window: gone from every page.
            f.move(to: try CardTimestamp(date: try until.adding(days: 1), hour: 4, minute: 0, second: 0).foundationDate)
            #expect(
                !(try await client.execute(uri: "/enterprises/\(enterprise.uscc.value)", method: .get).text.contains(
                    record.recordNumber.value)))
            #expect(
                try await client.execute(uri: "/records/\(record.recordNumber.value)", method: .get).status == .notFound
            )
            #expect(
                !(try await client.execute(uri: "/records?kind=bad&region=320500", method: .get).text.contains(
                    record.recordNumber.value)))

            // Back in the window, then withdrawn: gone.
            f.move(to: Date())
            #expect(try await client.execute(uri: "/records/\(record.recordNumber.value)", method: .get).status == .ok)
            _ = try await f.store.withdraw(record.recordNumber, reason: "复议撤销", by: approver)
            #expect(
                try await client.execute(uri: "/records/\(record.recordNumber.value)", method: .get).status == .notFound
            )
            #expect(
                !(try await client.execute(uri: "/enterprises/\(enterprise.uscc.value)", method: .get).text.contains(
                    record.recordNumber.value)))
        }
    }

    @Test("lists are paged 20 a page in a stable order with page links; page numbers are bounded")
    func paging() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        try await f.application.test(.router) { client in
            let first = try JSONDecoder().decode(
                PublicPage<PublicRecord>.self,
                from: Data(try await client.execute(uri: "/api/records?kind=good", method: .get).body.readableBytesView)
            )
            #expect(first.total > 40)
            #expect(first.items.count == 20)
            let second = try JSONDecoder().decode(
                PublicPage<PublicRecord>.self,
                from: Data(
                    try await client.execute(uri: "/api/records?kind=good&page=2", method: .get).body.readableBytesView)
            )
            #expect(Set(first.items.map(\.recordNumber)).isDisjoint(with: second.items.map(\.recordNumber)))
            let again = try JSONDecoder().decode(
                PublicPage<PublicRecord>.self,
                from: Data(try await client.execute(uri: "/api/records?kind=good", method: .get).body.readableBytesView)
            )
            #expect(again.items == first.items)
            let html = try await client.execute(uri: "/records?kind=good", method: .get).text
            #expect(links(html).contains("/records?kind=good&page=2"))
            #expect(html.contains("aria-current=\"page\""))
            for bad in ["0", "501", "-1", "x", "99999999999999999999"] {
                #expect(
                    try await client.execute(uri: "/records?page=\(bad)", method: .get).status == .badRequest, "\(bad)")
            }
            let empty = try await client.execute(uri: "/enterprises?q=%E9%BE%98%E9%BE%98%E9%BE%98", method: .get).text
            #expect(empty.contains("没有找到符合条件的结果"))
        }
    }

    @Test(
        "filters narrow every list: region, qualification category and grade, bad records now, award, role, record kind"
    )
    func filters() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        try await f.application.test(.router) { client in
            let all = try decode(
                PublicPage<PublicEnterpriseSummary>.self,
                try await client.execute(uri: "/api/enterprises", method: .get))
            let jiangsu = try decode(
                PublicPage<PublicEnterpriseSummary>.self,
                try await client.execute(uri: "/api/enterprises?region=320000", method: .get))
            #expect(jiangsu.total > 0 && jiangsu.total < all.total)
            #expect(jiangsu.items.allSatisfy { $0.region.hasPrefix("32") })
            let bad = try decode(
                PublicPage<PublicEnterpriseSummary>.self,
                try await client.execute(uri: "/api/enterprises?bad=1", method: .get))
            #expect(bad.total > 0 && bad.items.allSatisfy { $0.unfavourableNow > 0 })
            // Category and grade: every hit holds such a qualification, valid now.
            let sample = try #require(try f.dataset.enterprise(4).qualifications.first)
            let query = "/api/enterprises?category=\(encoded(sample.category))&grade=\(encoded(sample.grade))"
            let graded = try decode(
                PublicPage<PublicEnterpriseSummary>.self, try await client.execute(uri: query, method: .get))
            #expect(graded.total > 0)
            for item in graded.items.prefix(5) {
                let page = try decode(
                    PublicEnterprise.self, try await client.execute(uri: "/api/enterprises/\(item.uscc)", method: .get))
                #expect(
                    page.qualifications.contains {
                        $0.category == sample.category && $0.grade == sample.grade && $0.standing == "valid"
                    })
            }
            // Projects by award and by role.
            let award = try #require(
                try (0..<300).lazy.flatMap { try f.dataset.enterprise($0).projects.flatMap(\.awards) }.first)
            let awarded = try decode(
                PublicPage<PublicParticipation>.self,
                try await client.execute(uri: "/api/projects?award=\(encoded(award))", method: .get))
            #expect(awarded.total > 0 && awarded.items.allSatisfy { $0.awards.contains(award) })
            let supervision = try decode(
                PublicPage<PublicParticipation>.self,
                try await client.execute(uri: "/api/projects?role=supervision", method: .get))
            #expect(supervision.items.allSatisfy { $0.role == "supervision" })
            // Records by kind, category and level; blacklist only.
            let category = try decode(
                PublicPage<PublicRecord>.self,
                try await client.execute(uri: "/api/records?kind=bad&category=D1-3&level=province", method: .get))
            #expect(
                category.items.allSatisfy {
                    $0.kind == "bad" && ($0.behaviourCode ?? "").hasPrefix("D1-3-") && $0.authorityLevel == "province"
                })
            let blacklist = try decode(
                PublicPage<PublicRecord>.self,
                try await client.execute(uri: "/api/records?kind=blacklist", method: .get))
            #expect(blacklist.items.allSatisfy { $0.kind == "blacklist" })
            for bad in [
                "/api/records?kind=secret", "/api/records?category=D1-01", "/api/projects?role=owner",
                "/api/enterprises?region=999999",
            ] {
                #expect(try await client.execute(uri: bad, method: .get).status == .badRequest, "\(bad)")
            }
            // A practitioner by registration number, exactly; the page masks the identity.
            let person = try f.dataset.enterprise(8).practitioners[0]
            let found = try decode(
                PublicPage<PublicRegistration>.self,
                try await client.execute(
                    uri: "/api/practitioners?q=\(encoded(person.registrationNumber))", method: .get))
            #expect(found.items.map(\.registrationNumber) == [person.registrationNumber])
            #expect(found.items.first?.maskedIdentityNumber == person.identity.masked)
        }
    }

    @Test("Chinese by default, English with one switch that keeps the page")
    func languages() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        let uscc = try f.dataset.enterprise(7).enterprise.uscc.value
        try await f.application.test(.router) { client in
            let chinese = try await client.execute(uri: "/enterprises/\(uscc)", method: .get).text
            #expect(chinese.contains("<html lang=\"zh-CN\">"))
            #expect(links(chinese).contains("/enterprises/\(uscc)?lang=en"))
            let english = try await client.execute(uri: "/enterprises/\(uscc)?lang=en", method: .get).text
            #expect(english.contains("<html lang=\"en\">"))
            #expect(english.contains("Qualifications"))
            #expect(links(english).contains("/enterprises/\(uscc)"))
            // Links inside an English page stay English; a search keeps its query when switched.
            #expect(links(english).contains("/practitioners?lang=en"))
            let search = try await client.execute(uri: "/enterprises?q=%E5%8D%8E&lang=en", method: .get).text
            #expect(links(search).contains("/enterprises?q=%E5%8D%8E"))
        }
    }

    @Test("the document check: current, superseded with its date, revoked with its date — nothing more")
    func documentCheck() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        let demo = try f.jiangsu(1)
        let issuer = try await f.account("issuer")
        let before = try #require(try await f.store.cardStatus(demo.card, by: f.root))
        let old = try #require(before.document)
        try await f.application.test(.router) { client in
            let current = try await client.execute(uri: "/check?key=\(old.value)", method: .get).text
            #expect(current.contains("现行有效"))
            #expect(current.contains(demo.enterprise.name))
            #expect(!current.contains(demo.card.description))
            // By card serial: the card's current document.
            #expect(
                try await client.execute(uri: "/check?key=\(demo.card.description)", method: .get).text.contains(
                    old.value))

            // A new issuance supersedes it.
            let entry = try await f.store.openIssuance(
                card: demo.card, profile: "handbook-32k", uscc: demo.enterprise.uscc, office: try RegionCode("320000"),
                reader: nil, by: issuer)
            _ = try await f.store.advanceIssuance(
                entry.id, to: .writing, document: [0x61, 0x00], viewRevision: try await f.store.revision(),
                expiresOn: try CardDate(Date()).adding(months: 12))
            _ = try await f.store.advanceIssuance(
                entry.id, to: .committing, document: nil, viewRevision: nil, expiresOn: nil)
            let issued = try await f.store.commitIssuance(entry.id)
            let superseded = try await client.execute(uri: "/check?key=\(old.value)", method: .get).text
            #expect(superseded.contains("已被新手册取代"))
            #expect(superseded.contains("取代日期 \(CardDate(Date()))"))
            let new = try #require(try await f.store.cardStatus(demo.card, by: f.root)?.document)
            #expect(issued.superseded.contains(old))
            try await f.store.revokeDocument(new, reason: "遗失", by: issuer)
            let revoked = try await client.execute(uri: "/check?key=\(new.value)", method: .get).text
            #expect(revoked.contains("已吊销"))
            #expect(revoked.contains("吊销日期 \(CardDate(Date()))"))
            #expect(!revoked.contains("遗失"))
            let unknown = try await client.execute(uri: "/check?key=3200000099999999", method: .get).text
            #expect(unknown.contains("没有这本手册"))
        }
    }

    @Test("the signed report verifies offline and names the enterprise; a changed byte does not verify")
    func signedReport() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        let demo = try f.dataset.enterprise(9)
        try await f.application.test(.router) { client in
            let answer = try await client.execute(
                uri: "/enterprises/\(demo.enterprise.uscc.value)/report.json", method: .get)
            #expect(answer.status == .ok)
            let bytes = Array(answer.body.readableBytesView)
            let verified = try DataPackageVerifier.verify(
                bytes, trustStore: try Repository.trustStore(), now: Date(), maximumAge: 3_600)
            #expect(verified.contents.views[demo.enterprise.uscc]?.enterprise.name == demo.enterprise.name)
            // The same file claiming another revision: well formed, signature broken.
            let text = String(decoding: bytes, as: UTF8.self)
            let claimed = try #require(text.firstMatch(of: #/"databaseRevision":([0-9]+)/#))
            let forgedText = text.replacingCharacters(
                in: claimed.range, with: "\"databaseRevision\":\((UInt64(claimed.output.1) ?? 0) + 1)")
            let forged = Array(forgedText.utf8)
            #expect(throws: DataPackageError.self) {
                try DataPackageVerifier.verify(
                    forged, trustStore: try Repository.trustStore(), now: Date(), maximumAge: 3_600)
            }
            // And with handbook-verify report, as a client would.
            let file = f.directory.appendingPathComponent("report.jsonl")
            try Data(bytes).write(to: file)
            let run = try await runProgram(Repository.executable("handbook-verify").path, ["report", file.path])
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.contains(demo.enterprise.name))
            try Data(forged).write(to: file)
            #expect(
                try await runProgram(Repository.executable("handbook-verify").path, ["report", file.path]).status == 5)
        }
    }

    @Test("the public listener answers no /v1 or console route; it sets its security headers; 304 with the ETag")
    func boundaries() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        try await f.application.test(.router) { client in
            for path in [
                "/v1/health", "/v1/login", "/v1/cards/8656000000000032", "/console", "/console/login",
                "/v1/packages/320000",
            ] {
                #expect(try await client.execute(uri: path, method: .get).status == .notFound, "\(path)")
                #expect(try await client.execute(uri: path, method: .post).status == .notFound, "POST \(path)")
            }
            #expect(
                try await client.execute(uri: "/v1/login", method: .post, body: ByteBuffer(string: "{}")).status != .ok)
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(home.headers[.xContentTypeOptions] == "nosniff")
            let tag = try #require(home.headers[.eTag])
            var headers = HTTPFields()
            headers[.ifNoneMatch] = tag
            let again = try await client.execute(uri: "/", method: .get, headers: headers)
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            // A new revision changes the tag.
            _ = try await f.store.record(
                RecordDraft(
                    region: try RegionCode("320500"), uscc: try f.jiangsu().enterprise.uscc, kind: .good,
                    behaviourCode: nil, decisionNumber: "苏建奖〔2026〕1号", authority: "江苏省住房和城乡建设厅",
                    authorityLevel: .province, decisionDate: CardDate(Date()), publicationMonths: 36, summary: "表彰"),
                by: try await f.account("recorder"))
            #expect(try await client.execute(uri: "/", method: .get, headers: headers).status == .ok)
        }
    }

    @Test("past the rate limit an address gets 429 with Retry-After")
    func rateLimit() async throws {
        let f = try await PublicFixture(limiter: RateLimiter(burst: 5, perSecond: 0.01))
        defer { f.remove() }
        try await f.application.test(.router) { client in
            for _ in 0..<5 { #expect(try await client.execute(uri: "/", method: .get).status == .ok) }
            let refused = try await client.execute(uri: "/", method: .get)
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[HTTPField.Name("Retry-After")!] ?? "") ?? 0 >= 1)
        }
    }

    @Test("no page of the demo data shows a full identity number, and none can be searched for")
    func noIdentityNumbers() async throws {
        let f = try await PublicFixture()
        defer { f.remove() }
        let numbers = Set(
            try (0..<300).flatMap { try f.dataset.enterprise($0).practitioners.map { $0.identity.number } })
        #expect(numbers.count > 100)
        try await f.application.test(.router) { client in
            var pages: [String] = [
                "/", "/practitioners", "/practitioners?page=2", "/projects", "/records?kind=good", "/records?kind=bad",
                "/api/practitioners", "/api/records?kind=bad",
            ]
            // Every enterprise of the demo data: its page, its JSON and its practitioners' and projects' pages.
            for index in 0..<300 {
                let demo = try f.dataset.enterprise(index)
                pages.append("/enterprises/\(demo.enterprise.uscc.value)")
                pages.append("/api/enterprises/\(demo.enterprise.uscc.value)")
                pages += demo.practitioners.map { "/practitioners/\($0.registrationNumber)" }
                pages += demo.projects.prefix(1).map { "/projects/\($0.number.value)" }
            }
            // Every run of 8 or more identity characters on a page is looked up among the numbers
            // (all the demo's identity documents are letters, digits and parentheses).
            for path in pages {
                let text = try await client.execute(uri: path, method: .get).text
                for run in text.matches(of: #/[0-9A-Za-z()]{8,}/#) where numbers.contains(String(run.output)) {
                    Issue.record("\(path) shows the identity number \(PersonIdentifier.mask(String(run.output)))")
                }
            }
            // Searching by a full identity number finds nobody.
            let number = try #require(numbers.first)
            let search = try await client.execute(uri: "/api/practitioners?q=\(number)", method: .get)
            #expect(
                try JSONDecoder().decode(PublicPage<PublicRegistration>.self, from: Data(search.body.readableBytesView))
                    .total == 0)
        }
    }
}

/// An answer's body as JSON.
func decode<T: Decodable>(_ type: T.Type, _ answer: TestResponse) throws -> T {
    try JSONDecoder().decode(type, from: Data(answer.body.readableBytesView))
}

/// A query parameter's value, percent-encoded.
func encoded(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
}
