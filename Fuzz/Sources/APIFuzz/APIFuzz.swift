import CreditStore
import Foundation
import FuzzSupport
import HTTPTypes
import HandbookCodec
import Hummingbird
import IssuanceService
import Logging
import NIOCore
import NIOEmbedded

/// The service's router over a real SQLite file with the demo data, a token for an account of
/// each role (Jiangsu), a recorded record and an approved one to act on.
struct Fixture: Sendable {
    let responder: RouterResponder<ServiceContext>
    let tokens: [Role: String]
    let recorded: String
    let approved: String
    let card: String

    static let shared: Fixture = {
        do {
            let folder = try FuzzSupport.temporaryFolder("api-fuzz")
            let store = try SQLCreditStore(path: folder.appendingPathComponent("credit.sqlite").path)
            let everywhere = RegionScope(try ["310000", "320000", "330000"].map { try RegionCode($0) })
            let jiangsu = RegionScope([try RegionCode("320000")])
            let dataset = DemoDataset(seed: 11, count: 12)
            let setUp = FuzzSupport.wait { () -> (Account, [Role: Account], String, String)? in
                do {
                    let root = try await store.createAccount(
                        name: "root", role: .admin, scope: everywhere, passwordHash: nil, by: nil)
                    try store.loadDemo(dataset, range: 0..<12, by: root)
                    var accounts: [Role: Account] = [:]
                    for role in Role.allCases {
                        accounts[role] = try await store.createAccount(
                            name: role.rawValue, role: role, scope: jiangsu, passwordHash: nil, by: root)
                    }
                    let checker = try await store.createAccount(
                        name: "checker", role: .approver, scope: jiangsu, passwordHash: nil, by: root)
                    let uscc = try dataset.enterprise(6).enterprise.uscc
                    func draft(_ number: String) throws -> RecordDraft {
                        RecordDraft(
                            region: try RegionCode("320500"), uscc: uscc, kind: .bad,
                            behaviourCode: try BehaviourCode("D1-3-01"), decisionNumber: "苏住建罚〔2026〕\(number)号",
                            authority: "苏州市住房和城乡建设局", authorityLevel: .city, decisionDate: CardDate(Date()),
                            publicationMonths: 12, summary: "偷工减料")
                    }
                    guard let recorder = accounts[.recorder] else { return nil }
                    let recorded = try await store.record(try draft("1"), by: recorder)
                    let approved = try await store.record(try draft("2"), by: recorder)
                    _ = try await store.approve(approved.recordNumber, by: checker)
                    return (root, accounts, recorded.recordNumber.value, approved.recordNumber.value)
                } catch {
                    print("fuzz: set-up failed: \(error)")
                    return nil
                }
            }
            guard let (_, accounts, recorded, approved) = setUp else {
                fatalError("fuzz: the API fixture does not set up")
            }
            let sessions = Sessions(lifetime: 86_400 * 365)
            let tokens = FuzzSupport.wait { () -> [Role: String] in
                var tokens: [Role: String] = [:]
                for (role, account) in accounts { tokens[role] = try? await sessions.open(for: account.name).token }
                return tokens
            }
            // New passwords hashed at a low cost: the account routes would otherwise spend a tenth of a
            // second of scrypt on every valid body.
            let api = IssuanceAPI(
                store: store, sessions: sessions, passwords: PasswordChecks(cost: (n: 1 << 10, r: 8, p: 1)),
                issuer: nil,
                packages: nil)
            return Fixture(
                responder: api.router().buildResponder(), tokens: tokens, recorded: recorded, approved: approved,
                card: try dataset.enterprise(6).card.description)
        } catch {
            fatalError("fuzz: the API fixture does not set up: \(error)")
        }
    }()

    /// The routes that take a JSON body, each with the role that may call it (login is left out: it
    /// runs scrypt at full cost on purpose, a tenth of a second a try).
    var routes: [(HTTPRequest.Method, String, Role)] {
        [
            (.post, "/v1/records", .recorder),
            (.post, "/v1/records/\(recorded)/amend", .approver),
            (.post, "/v1/records/\(recorded)/reject", .approver),
            (.post, "/v1/records/\(approved)/publish", .approver),
            (.post, "/v1/records/\(approved)/withdraw", .approver),
            (.post, "/v1/records/\(approved)/shortenings", .recorder),
            (.post, "/v1/shortenings/1/reject", .approver),
            (.post, "/v1/checks", .inspector),
            (.post, "/v1/accounts", .admin),
            (.post, "/v1/accounts/auditor", .admin),
            (.post, "/v1/accounts/auditor/password", .admin),
            (.post, "/v1/issuances", .issuer),
            (.post, "/v1/cards/\(card)/revoke", .issuer),
            (.get, "/v1/enterprises?name=", .inspector),
            (.get, "/v1/audit?limit=", .auditor),
        ]
    }
}

/// libFuzzer entry point for the API's request bodies and query values: the first byte picks a
/// route, the rest is its JSON body (or, for a GET, its query value, percent-encoded).
///
/// Invariant: every request is answered with a status below 500 — a 4xx naming what is wrong, or
/// success — never an internal error; nothing traps.
/// Sets the fixture up before the first input, so that what the set-up allocates for good (the
/// database's caches, the runtime's) is not counted against an input by the leak check.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> Int32 {
    _ = Fixture.shared
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let fixture = Fixture.shared
    let routes = fixture.routes
    let (method, route, role) = routes[Int(input[0]) % routes.count]
    let rest = Array(input.dropFirst())
    var path = route
    var headers = HTTPFields()
    if let token = fixture.tokens[role] { headers[.authorization] = "Bearer \(token)" }
    var body = ByteBuffer()
    if method == .get {
        path += String(decoding: rest, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    } else {
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(rest.count)
        body = ByteBuffer(bytes: rest)
    }
    let request = Request(
        head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: headers),
        body: RequestBody(buffer: body))
    let status = FuzzSupport.wait { () -> Int in
        var logger = Logger(label: "api-fuzz")
        logger.logLevel = .critical
        let channel = NIOAsyncTestingChannel()
        let context = ServiceContext(source: .init(channel: channel, logger: logger))
        let status: Int
        do {
            status = Int(try await fixture.responder.respond(to: request, context: context).status.code)
        } catch let error as any HTTPResponseError {
            status = Int(error.status.code)
        } catch {
            status = 500
        }
        _ = try? await channel.finish()
        return status
    }
    precondition(status < 500 || status == 503, "\(method) \(path) answered \(status)")
    return 0
}
