import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import Hummingbird
import HummingbirdTesting
import IssuanceService
import ServiceTestSupport
import Testing

/// Every route × every role × inside/outside its regions. An allowed request may still fail for
/// another reason (409 when a record is already approved, 404 for an unknown journal entry); what it
/// must never get is 401 or 403. A role that may not take the action gets exactly 403. An account of
/// the right role outside the region gets 403 when it chose the region itself (creating a record in
/// it, downloading its package, making an account there), and otherwise exactly the 404 of a thing
/// that does not exist: a refusal must not tell another province what exists.
@Suite("authorisation: each role × each route × inside and outside its regions")
struct AuthorisationMatrixTests {
    struct Route: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let body: Data?
        let roles: Set<Role>
        /// What an account of the right role outside Jiangsu gets.
        let outside: Outside
    }

    enum Outside {
        /// The route concerns no region (or filters what it answers): allowed.
        case allowed
        /// The caller names a region it does not hold: 403.
        case refused
        /// Something of Jiangsu that exists: 404, as if it did not.
        case hidden
    }

    func routes(_ t: TestService, record: String, shortening: Int64) -> [Route] {
        func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }
        let uscc = t.jiangsu.enterprise.uscc.value
        let card = t.jiangsu.card.description
        let document = try! DocumentNumber(region: RegionCode("320000"), serial: 7).value
        let everyone = Set(Role.allCases)
        let checkedAt = CardTimestamp(Date()).description
        let draft =
            [
                "region": "320500", "uscc": uscc, "kind": "bad", "behaviourCode": "D1-3-01",
                "decisionNumber": "苏住建罚〔2026〕9号",
                "authority": "苏州市住房和城乡建设局", "authorityLevel": "city", "decisionDate": "2026-11-20", "summary": "偷工减料",
                "publicationMonths": 12,
            ] as [String: Any]
        return [
            Route(method: .get, path: "/v1/me", body: nil, roles: everyone, outside: .allowed),
            Route(
                method: .get, path: "/v1/enterprises?name=%E8%8B%8F%E5%B7%9E", body: nil,
                roles: everyone.subtracting([.auditor]), outside: .allowed),
            Route(
                method: .get, path: "/v1/enterprises/\(uscc)", body: nil, roles: everyone.subtracting([.auditor]),
                outside: .hidden),
            Route(
                method: .get, path: "/v1/enterprises/\(uscc)/view", body: nil,
                roles: [.inspector, .issuer, .approver, .recorder, .admin], outside: .hidden),
            Route(method: .post, path: "/v1/records", body: json(draft), roles: [.recorder], outside: .refused),
            Route(
                method: .get, path: "/v1/records/\(record)", body: nil,
                roles: [.recorder, .approver, .auditor, .admin], outside: .hidden),
            Route(
                method: .post, path: "/v1/records/\(record)/approve", body: nil, roles: [.approver], outside: .hidden),
            Route(
                method: .post, path: "/v1/records/\(record)/reject", body: json(["reason": "重复"]), roles: [.approver],
                outside: .hidden),
            Route(
                method: .post, path: "/v1/records/\(record)/publish", body: json([:]), roles: [.approver],
                outside: .hidden),
            Route(
                method: .post, path: "/v1/records/\(record)/amend",
                body: json(["reason": "更正", "summary": "偷工减料（更正）"]), roles: [.approver], outside: .hidden),
            Route(
                method: .post, path: "/v1/records/\(record)/shortenings",
                body: json(["until": "2027-03-01", "reason": "整改"]),
                roles: [.recorder, .approver], outside: .hidden),
            Route(
                method: .post, path: "/v1/shortenings/\(shortening)/approve", body: nil, roles: [.approver],
                outside: .hidden),
            Route(
                method: .post, path: "/v1/records/\(record)/withdraw", body: json(["reason": "撤销"]), roles: [.approver],
                outside: .hidden),
            Route(method: .get, path: "/v1/readers", body: nil, roles: [.issuer, .admin], outside: .allowed),
            Route(
                method: .post, path: "/v1/issuances", body: json(["uscc": uscc, "reader": "No Such Reader"]),
                roles: [.issuer], outside: .refused),
            Route(
                method: .get, path: "/v1/issuances/999", body: nil, roles: [.issuer, .admin, .auditor],
                outside: .allowed),
            Route(
                method: .get, path: "/v1/cards/\(card)", body: nil, roles: [.inspector, .issuer, .admin, .auditor],
                outside: .hidden),
            Route(
                method: .get, path: "/v1/cards/\(card)/reference", body: nil, roles: [.inspector, .issuer, .admin],
                outside: .hidden),
            Route(
                method: .get, path: "/v1/cards/\(card)/checks", body: nil, roles: [.auditor, .admin, .issuer],
                outside: .hidden),
            Route(
                method: .post, path: "/v1/checks",
                body: json(["checkedAt": checkedAt, "cardSerial": card, "verdict": "current"]),
                roles: [.inspector, .issuer, .admin], outside: .hidden),
            Route(
                method: .get, path: "/v1/packages/320000", body: nil, roles: [.inspector, .issuer, .approver, .admin],
                outside: .refused),
            Route(
                method: .post, path: "/v1/documents/\(document)/revoke", body: json(["reason": "遗失"]),
                roles: [.issuer, .admin], outside: .hidden),
            Route(
                method: .post, path: "/v1/cards/\(card)/revoke", body: json(["reason": "遗失"]),
                roles: [.issuer, .admin], outside: .hidden),
            Route(method: .get, path: "/v1/audit", body: nil, roles: [.auditor, .admin], outside: .allowed),
            Route(method: .get, path: "/v1/audit/verify", body: nil, roles: [.auditor, .admin], outside: .allowed),
            Route(method: .get, path: "/v1/accounts", body: nil, roles: [.admin], outside: .allowed),
            Route(
                method: .post, path: "/v1/accounts",
                body: json([
                    "name": "new-inspector", "role": "inspector", "regions": ["320000"],
                    "password": "a long enough password",
                ]),
                roles: [.admin], outside: .refused),
            Route(method: .post, path: "/v1/accounts/victim/disable", body: nil, roles: [.admin], outside: .hidden),
        ]
    }

    @Test("every route answers each role inside and outside its regions as the table says")
    func matrix() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let root = try #require(try await t.store.account(named: "root"))
        let recorder = try #require(try await t.store.account(named: "recorder-in"))
        _ = try await t.store.createAccount(
            name: "victim", role: .inspector, scope: RegionScope([try RegionCode("320000")]), passwordHash: nil,
            by: root)
        // A published record of Jiangsu with a pending shortening, for the record routes.
        var draft = RecordDraft(
            region: try RegionCode("320500"), uscc: t.jiangsu.enterprise.uscc, kind: .bad,
            behaviourCode: try BehaviourCode("D1-1-03"), decisionNumber: "苏住建罚〔2026〕1号", authority: "苏州市住房和城乡建设局",
            authorityLevel: .city, decisionDate: try CardDate(yyyymmdd: "20261101"), publicationMonths: 12,
            summary: "出借资质")
        let published = try await t.store.record(draft, by: recorder)
        let approver = try #require(try await t.store.account(named: "approver-in"))
        _ = try await t.store.approve(published.recordNumber, by: approver)
        _ = try await t.store.publish(published.recordNumber, on: try CardDate(yyyymmdd: "20261102"), by: approver)
        let shortening = try await t.store.requestShortening(
            published.recordNumber, until: try CardDate(yyyymmdd: "20270501"), reason: "整改", by: recorder)
        draft.summary = "第二条"
        let routes = routes(t, record: published.recordNumber.value, shortening: shortening.id)
        #expect(routes.count == 28)

        try await t.application.test(.router) { client in
            var tokens: [String: String] = [:]
            for role in Role.allCases {
                for side in ["in", "out"] {
                    tokens["\(role.rawValue)-\(side)"] = try await client.login("\(role.rawValue)-\(side)")
                }
            }
            var checked = 0
            for route in routes {
                // Without a token every route is closed.
                let anonymous = try await client.send(route.method, route.path, raw: route.body)
                #expect(anonymous.status == .unauthorized, "\(route.path) without a token: \(anonymous.status)")
                for role in Role.allCases {
                    for side in ["in", "out"] {
                        let response = try await client.send(
                            route.method, route.path, token: tokens["\(role.rawValue)-\(side)"], raw: route.body)
                        let label =
                            "\(role.rawValue)-\(side) \(route.method) \(route.path) → \(response.status) \(response.text)"
                        if !route.roles.contains(role) {
                            #expect(response.status == .forbidden, "\(label)")
                            #expect(response.errorCode == "STORE_FORBIDDEN", "\(label)")
                        } else if side == "in" || route.outside == .allowed {
                            #expect(response.status != .forbidden && response.status != .unauthorized, "\(label)")
                        } else if route.outside == .refused {
                            #expect(response.status == .forbidden, "\(label)")
                            #expect(response.errorCode == "STORE_FORBIDDEN", "\(label)")
                        } else {
                            #expect(response.status == .notFound, "\(label)")
                            #expect(response.errorCode == "STORE_NOT_FOUND", "\(label)")
                        }
                        checked += 1
                    }
                }
            }
            #expect(checked == 28 * 12)
        }
    }
}
