import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import Hummingbird
import HummingbirdTesting
import IssuanceService
import Testing

/// Every route × every role × inside/outside its regions: allowed, or 403. An allowed request may
/// still fail for another reason (409 when a record is already approved, 404 for an unknown journal
/// entry); what it must never get is 401 or 403. A refused one must get exactly 403.
@Suite("authorisation: each role × each route × inside and outside its regions")
struct AuthorisationMatrixTests {
    struct Route: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let body: Data?
        let roles: Set<Role>
        /// Whether the route concerns something of Jiangsu (so `-out` accounts are outside).
        let regional: Bool
    }

    func routes(_ t: TestService, record: String, shortening: Int64) -> [Route] {
        func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }
        let uscc = t.jiangsu.enterprise.uscc.value
        let card = t.jiangsu.card.description
        let document = try! DocumentNumber(region: RegionCode("320000"), serial: 7).value
        let everyone = Set(Role.allCases)
        let draft =
            [
                "region": "320500", "uscc": uscc, "kind": "bad", "behaviourCode": "D1-3-01",
                "decisionNumber": "苏住建罚〔2026〕9号",
                "authority": "苏州市住房和城乡建设局", "authorityLevel": "city", "decisionDate": "2026-11-20", "summary": "偷工减料",
                "publicationMonths": 12,
            ] as [String: Any]
        return [
            Route(method: .get, path: "/v1/me", body: nil, roles: everyone, regional: false),
            Route(
                method: .get, path: "/v1/enterprises?name=%E8%8B%8F%E5%B7%9E", body: nil,
                roles: everyone.subtracting([.auditor]), regional: false),
            Route(
                method: .get, path: "/v1/enterprises/\(uscc)", body: nil, roles: everyone.subtracting([.auditor]),
                regional: true),
            Route(
                method: .get, path: "/v1/enterprises/\(uscc)/view", body: nil,
                roles: [.inspector, .issuer, .approver, .recorder, .admin], regional: true),
            Route(method: .post, path: "/v1/records", body: json(draft), roles: [.recorder], regional: true),
            Route(
                method: .get, path: "/v1/records/\(record)", body: nil,
                roles: [.recorder, .approver, .auditor, .admin], regional: true),
            Route(method: .post, path: "/v1/records/\(record)/approve", body: nil, roles: [.approver], regional: true),
            Route(
                method: .post, path: "/v1/records/\(record)/reject", body: json(["reason": "重复"]), roles: [.approver],
                regional: true),
            Route(
                method: .post, path: "/v1/records/\(record)/publish", body: json([:]), roles: [.approver],
                regional: true),
            Route(
                method: .post, path: "/v1/records/\(record)/amend",
                body: json(["reason": "更正", "summary": "偷工减料（更正）"]), roles: [.approver], regional: true),
            Route(
                method: .post, path: "/v1/records/\(record)/shortenings",
                body: json(["until": "2027-03-01", "reason": "整改"]),
                roles: [.recorder, .approver], regional: true),
            Route(
                method: .post, path: "/v1/shortenings/\(shortening)/approve", body: nil, roles: [.approver],
                regional: true),
            Route(
                method: .post, path: "/v1/records/\(record)/withdraw", body: json(["reason": "撤销"]), roles: [.approver],
                regional: true),
            Route(method: .get, path: "/v1/readers", body: nil, roles: [.issuer, .admin], regional: false),
            Route(
                method: .post, path: "/v1/issuances", body: json(["uscc": uscc, "reader": "No Such Reader"]),
                roles: [.issuer], regional: true),
            Route(
                method: .get, path: "/v1/issuances/999", body: nil, roles: [.issuer, .admin, .auditor], regional: false),
            Route(
                method: .get, path: "/v1/cards/\(card)", body: nil, roles: [.inspector, .issuer, .admin, .auditor],
                regional: true),
            Route(
                method: .get, path: "/v1/cards/\(card)/checks", body: nil, roles: [.auditor, .admin, .issuer],
                regional: true),
            Route(
                method: .post, path: "/v1/checks",
                body: json(["checkedAt": "2026-11-29T08:00:00Z", "cardSerial": card, "verdict": "current"]),
                roles: [.inspector, .issuer, .admin], regional: false),
            Route(
                method: .get, path: "/v1/packages/320000", body: nil, roles: [.inspector, .issuer, .approver, .admin],
                regional: true),
            Route(
                method: .post, path: "/v1/documents/\(document)/revoke", body: json(["reason": "遗失"]),
                roles: [.issuer, .admin], regional: true),
            Route(
                method: .post, path: "/v1/cards/\(card)/revoke", body: json(["reason": "遗失"]),
                roles: [.issuer, .admin], regional: true),
            Route(method: .get, path: "/v1/audit", body: nil, roles: [.auditor, .admin], regional: false),
            Route(method: .get, path: "/v1/audit/verify", body: nil, roles: [.auditor, .admin], regional: false),
            Route(method: .get, path: "/v1/accounts", body: nil, roles: [.admin], regional: false),
            Route(
                method: .post, path: "/v1/accounts",
                body: json([
                    "name": "new-inspector", "role": "inspector", "regions": ["320000"],
                    "password": "a long enough password",
                ]),
                roles: [.admin], regional: false),
            Route(method: .post, path: "/v1/accounts/victim/disable", body: nil, roles: [.admin], regional: false),
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
        #expect(routes.count == 27)

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
                        let allowed = route.roles.contains(role) && (side == "in" || !route.regional)
                        if allowed {
                            #expect(
                                response.status != .forbidden && response.status != .unauthorized,
                                "\(role.rawValue)-\(side) \(route.method) \(route.path) → \(response.status) \(response.text)"
                            )
                        } else {
                            #expect(
                                response.status == .forbidden,
                                "\(role.rawValue)-\(side) \(route.method) \(route.path) → \(response.status) \(response.text)"
                            )
                            #expect(response.errorCode == "STORE_FORBIDDEN")
                        }
                        checked += 1
                    }
                }
            }
            #expect(checked == 27 * 12)
        }
    }
}
