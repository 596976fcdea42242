import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookCrypto
import Hummingbird
import HummingbirdTesting
import IssuanceService
import ServiceTestSupport
import Testing

@Suite("the HTTP API: login, errors, the workflow, packages")
struct APITests {
    @Test(
        "health and login need no token; everything else does; a logged-out or disabled account's token stops working")
    func sessions() async throws {
        let t = try await TestService()
        defer { t.remove() }
        try await t.application.test(.router) { client in
            let health = try await client.send(.get, "/v1/health")
            #expect(health.status == .ok)
            #expect(health.text.contains("\"status\":\"ok\""))
            let anonymous = try await client.send(.get, "/v1/me")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.errorCode == "AUTH_REQUIRED")
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            let forged = try await client.send(.get, "/v1/me", token: String(repeating: "ab", count: 32))
            #expect(forged.errorCode == "AUTH_EXPIRED")
            // An unknown route is a JSON 404, whatever the token.
            let unknownRoute = try await client.send(.get, "/v1/nothing-here", token: nil)
            #expect(unknownRoute.status == .notFound)
            #expect(unknownRoute.errorCode == "NOT_FOUND")

            let token = try await client.login("inspector-in")
            let me = try await client.send(.get, "/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(me.text.contains("\"role\":\"inspector\""))
            #expect(try await client.send(.post, "/v1/logout", token: token).status == .noContent)
            #expect(try await client.send(.get, "/v1/me", token: token).status == .unauthorized)

            let inspector = try await client.login("inspector-in")
            let admin = try await client.login("root")
            #expect(try await client.send(.post, "/v1/accounts/inspector-in/disable", token: admin).status == .ok)
            let disabled = try await client.send(.get, "/v1/me", token: inspector)
            #expect(disabled.status == .unauthorized)
            let again = try await client.send(
                .post, "/v1/login", body: ["name": "inspector-in", "password": testPassword])
            #expect(again.errorCode == "AUTH_FAILED")
        }
    }

    @Test("failed logins of a name from an address back off, with Retry-After; other names still log in")
    func throttling() async throws {
        let t = try await TestService()
        defer { t.remove() }
        try await t.application.test(.router) { client in
            for _ in 0..<3 {
                let wrong = try await client.send(
                    .post, "/v1/login", body: ["name": "auditor-in", "password": "guess"])
                #expect(wrong.status == .unauthorized)
                #expect(wrong.errorCode == "AUTH_FAILED")
                #expect(!wrong.text.contains("guess"))
            }
            let throttled = try await client.send(
                .post, "/v1/login", body: ["name": "auditor-in", "password": testPassword])
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.errorCode == "AUTH_THROTTLED")
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
            // Another name from the same address is not held back by this one's failures.
            let other = try await client.send(
                .post, "/v1/login", body: ["name": "recorder-in", "password": testPassword])
            #expect(other.status == .ok)
        }
    }

    @Test("bad requests get the right status and code, and change nothing")
    func badRequests() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let before = try await t.store.revision()
        let uscc = t.jiangsu.enterprise.uscc.value
        try await t.application.test(.router) { client in
            let recorder = try await client.login("recorder-in")
            let valid: [String: Any] = [
                "region": "320500", "uscc": uscc, "kind": "bad", "behaviourCode": "D1-3-01",
                "decisionNumber": "苏住建罚〔2026〕9号",
                "authority": "苏州市住房和城乡建设局", "authorityLevel": "city", "decisionDate": "2026-11-20", "summary": "偷工减料",
                "publicationMonths": 12,
            ]
            func post(_ body: [String: Any]) async throws -> TestResponse {
                try await client.send(.post, "/v1/records", token: recorder, body: body)
            }
            func with(_ key: String, _ value: Any) -> [String: Any] {
                var body = valid
                body[key] = value
                return body
            }
            let cases: [(String, TestResponse, HTTPResponse.Status, String, String)] = [
                (
                    "malformed JSON",
                    try await client.send(.post, "/v1/records", token: recorder, raw: Data("{\"region\":".utf8)),
                    .badRequest, "BAD_JSON", "not a valid"
                ),
                (
                    "wrong type", try await post(with("publicationMonths", "twelve")), .badRequest, "BAD_JSON",
                    "publicationMonths"
                ),
                (
                    "missing field", try await post(valid.filter { $0.key != "summary" }), .badRequest, "BAD_JSON",
                    "summary"
                ),
                (
                    "bad USCC",
                    try await post(with("uscc", String(uscc.dropLast()) + (uscc.hasSuffix("0") ? "1" : "0"))),
                    .unprocessableContent, "INVALID_FIELD", "uscc"
                ),
                (
                    "bad region", try await post(with("region", "329999")), .unprocessableContent, "INVALID_FIELD",
                    "region"
                ),
                (
                    "bad code", try await post(with("behaviourCode", "X-1")), .unprocessableContent, "INVALID_FIELD",
                    "behaviourCode"
                ),
                (
                    "bad date", try await post(with("decisionDate", "2026-02-30")), .unprocessableContent,
                    "INVALID_FIELD", "decisionDate"
                ),
                (
                    "bad choice", try await post(with("kind", "terrible")), .unprocessableContent, "INVALID_FIELD",
                    "kind"
                ),
                (
                    "bad window", try await post(with("publicationMonths", 48)), .unprocessableContent,
                    "STORE_INVALID_INPUT", "6 to 36"
                ),
                (
                    "oversized", try await post(with("summary", String(repeating: "长", count: 30_000))),
                    .contentTooLarge, "BODY_TOO_LARGE", "larger"
                ),
                (
                    "unknown record",
                    try await client.send(
                        .get, "/v1/records/3205009999999999", token: try await client.login("auditor-in")), .notFound,
                    "STORE_NOT_FOUND", "3205009999999999"
                ),
                (
                    "bad record number",
                    try await client.send(
                        .post, "/v1/records/ABC/approve", token: try await client.login("approver-in")),
                    .unprocessableContent, "INVALID_FIELD", "number"
                ),
                (
                    "bad card serial",
                    try await client.send(.get, "/v1/cards/XYZ", token: try await client.login("inspector-in")),
                    .unprocessableContent, "INVALID_FIELD", "serial"
                ),
            ]
            for (label, response, status, code, fragment) in cases {
                #expect(response.status == status, "\(label): \(response.status) \(response.text.prefix(300))")
                #expect(response.errorCode == code, "\(label): \(response.text.prefix(300))")
                #expect(response.text.contains(fragment), "\(label): \(response.text.prefix(300))")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
        #expect(try await t.store.revision() == before)
    }

    @Test("the record workflow over HTTP: record, approve, publish, shorten; the view and the audit log follow")
    func workflow() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let uscc = t.jiangsu.enterprise.uscc.value
        try await t.application.test(.router) { client in
            let recorder = try await client.login("recorder-in")
            let approver = try await client.login("approver-in")
            let created = try await client.send(
                .post, "/v1/records", token: recorder,
                body: [
                    "region": "320500", "uscc": uscc, "kind": "bad", "behaviourCode": "D1-3-01",
                    "decisionNumber": "苏住建罚〔2026〕9号", "authority": "苏州市住房和城乡建设局", "authorityLevel": "city",
                    "decisionDate": "2026-11-20", "summary": "偷工减料", "publicationMonths": 12,
                ])
            #expect(created.status == .created)
            let number = try created.json(StoredRecord.self).recordNumber.value
            #expect(try await client.send(.post, "/v1/records/\(number)/approve", token: approver).status == .ok)
            let published = try await client.send(
                .post, "/v1/records/\(number)/publish", token: approver, body: ["on": "2026-11-27"])
            #expect(published.status == .ok)
            #expect(try published.json(StoredRecord.self).publishedUntil?.description == "2027-11-27")

            let view = try await client.send(.get, "/v1/enterprises/\(uscc)/view?on=2026-12-01", token: approver)
            #expect(view.status == .ok)
            #expect(try view.json(RevisionedView.self).view.creditRecords.contains { $0.recordNumber.value == number })

            let request = try await client.send(
                .post, "/v1/records/\(number)/shortenings", token: recorder,
                body: ["until": "2027-03-01", "reason": "整改到位"])
            #expect(request.status == .created)
            let id = try request.json(ShorteningRequest.self).id
            let shortened = try await client.send(.post, "/v1/shortenings/\(id)/approve", token: approver)
            #expect(try shortened.json(StoredRecord.self).publishedUntil?.description == "2027-03-01")

            let auditor = try await client.login("auditor-in")
            let detail = try await client.send(.get, "/v1/records/\(number)", token: auditor)
            #expect(detail.text.contains("\"action\":\"shortened\""))
            let audit = try await client.send(.get, "/v1/audit?after=0&limit=1000", token: auditor)
            let entries = try audit.json([AuditEntry].self).filter { $0.subject == number }
            #expect(
                entries.map(\.action) == [
                    "record.recorded", "record.approved", "record.published", "record.shortening-requested",
                    "record.shortened",
                ])
            let verify = try await client.send(.get, "/v1/audit/verify", token: auditor)
            #expect(try verify.json(AuditVerification.self).isIntact)

            // A proof of check is kept and listed for the card.
            let inspector = try await client.login("inspector-in")
            let card = t.jiangsu.card.description
            let sent = try await client.send(
                .post, "/v1/checks", token: inspector,
                body: [
                    "checkedAt": "2026-11-29T08:00:00Z", "cardSerial": card, "verdict": "outdated",
                    "comparedRevision": 9,
                ])
            #expect(sent.status == .created)
            let checks = try await client.send(.get, "/v1/cards/\(card)/checks", token: auditor)
            #expect(try checks.json([StoredCheck].self).first?.check.verdict == "outdated")
        }
    }

    @Test("a region's package downloads and verifies; card status answers")
    func packagesAndStatus() async throws {
        let t = try await TestService()
        defer { t.remove() }
        try await t.application.test(.router) { client in
            let inspector = try await client.login("inspector-in")
            let response = try await client.send(.get, "/v1/packages/320000", token: inspector)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/jsonl")
            let package = try DataPackageVerifier.verify(
                Array(response.body.readableBytesView), trustStore: try trustStore(), maximumAge: 3_600)
            #expect(package.contents.views[t.jiangsu.enterprise.uscc] != nil)
            #expect(package.contents.views[t.zhejiang.enterprise.uscc] == nil)
            let status = try await client.send(.get, "/v1/cards/\(t.jiangsu.card)", token: inspector)
            let report = try status.json(CardStatusReport.self)
            #expect(report.state == .issued)
            #expect(report.uscc == t.jiangsu.enterprise.uscc)
            let issuer = try await client.login("issuer-in")
            let revoked = try await client.send(
                .post, "/v1/cards/\(t.jiangsu.card)/revoke", token: issuer, body: ["reason": "遗失"])
            #expect(try revoked.json(CardStatusReport.self).state == .revoked)
            #expect(
                try await client.send(.get, "/v1/cards/\(t.jiangsu.card)", token: inspector).text.contains(
                    "\"documentState\":\"revoked\""))
        }
    }

    @Test("a card's reference: card, document and view in one snapshot, the asked document only if it is the card's")
    func cardReference() async throws {
        let t = try await TestService()
        defer { t.remove() }
        try await t.application.test(.router) { client in
            let inspector = try await client.login("inspector-in")
            let status = try await client.send(.get, "/v1/cards/\(t.jiangsu.card)", token: inspector).json(
                CardStatusReport.self)
            let current = try #require(status.document)
            let answer = try await client.send(.get, "/v1/cards/\(t.jiangsu.card)/reference", token: inspector)
            #expect(answer.status == .ok, "\(answer.text)")
            let reference = try answer.json(CardReference.self)
            #expect(reference.card.serial == t.jiangsu.card)
            #expect(reference.card.state == .issued)
            #expect(reference.card.uscc == t.jiangsu.enterprise.uscc)
            #expect(reference.document?.number == current)
            #expect(reference.document?.state == .current)
            #expect(reference.view?.enterprise.uscc == t.jiangsu.enterprise.uscc)
            #expect(reference.revision == status.revision)
            #expect(reference.asOf == CardDate(Date()))
            // The view is the one the view route gives at the same revision.
            let view = try await client.send(
                .get, "/v1/enterprises/\(t.jiangsu.enterprise.uscc)/view", token: inspector
            )
            .json(RevisionedView.self)
            #expect(view.revision == reference.revision)
            #expect(view.view == reference.view)
            // Another enterprise's document, asked about through this card, is unknown here.
            let other = try await client.send(
                .get,
                "/v1/cards/\(t.jiangsu.card)/reference?document=\(try DocumentNumber(region: RegionCode("330000"), serial: 1))",
                token: inspector)
            #expect(other.status == .ok)
            #expect(try other.json(CardReference.self).document == nil)
            #expect(
                try await client.send(
                    .get, "/v1/cards/\(t.jiangsu.card)/reference?document=NOT-A-NUMBER", token: inspector
                )
                .text.contains("document"))
            // A revoked card says so, with its document revoked, in one answer.
            let issuer = try await client.login("issuer-in")
            _ = try await client.send(
                .post, "/v1/cards/\(t.jiangsu.card)/revoke", token: issuer, body: ["reason": "遗失"])
            let revoked = try await client.send(.get, "/v1/cards/\(t.jiangsu.card)/reference", token: inspector).json(
                CardReference.self)
            #expect(revoked.card.state == .revoked)
            #expect(revoked.document?.state == .revoked)
            #expect(revoked.revision > reference.revision)
        }
    }
}
