// The officials' console on a large credit database (issue 16): the approval queue and the
// enterprise page rendered over HTTP on loopback under load (wrk, with a logged-in session's
// cookie), side by side in the same run with the store calls each page makes, made directly with
// the same concurrency.
//
//   ConsoleBenchmark [--database PATH] [--seconds 10] [--connections 4] [--pending 200]

import BenchmarkSupport
import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto
import Hummingbird
import IssuanceService
import Logging
import OfficialsConsole

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

let options = BenchmarkOptions(
    usage: """
        usage: ConsoleBenchmark [--database PATH] [--seconds 10] [--connections 4] [--pending 200]
          The console's approval queue and enterprise page over HTTP (wrk, logged in) beside the store
          calls each page makes. Default database: the StoreBenchmark's .build-bench/credit-1000000.sqlite;
          a Jiangsu recorder and approver are added to it, and records until `--pending` wait in the queue.
        """, values: ["--database", "--seconds", "--connections", "--pending"])
let path = options.text("--database") ?? ".build-bench/credit-1000000.sqlite"
let duration = options.integer("--seconds", default: 10, in: 1...3_600)
let connections = options.integer("--connections", default: 4, in: 1...1_000)
let pendingWanted = options.integer("--pending", default: 200, in: 1...500)
guard FileManager.default.fileExists(atPath: path) else {
    say("no database at \(path): run StoreBenchmark first (make bench does), or give --database")
    exit(1)
}
let store = try SQLCreditStore(path: path)
let password = "benchmark password"
let cheap: (n: UInt64, r: UInt64, p: UInt64) = (1_024, 8, 1)

/// An account of the benchmark, made once and kept in the database.
func account(_ name: String, _ role: Role, by admin: Account?) async throws -> Account {
    if let found = try await store.account(named: name) { return found }
    let scope =
        role == .admin ? RegionScope.init(RegionScope.platformProvinces) : RegionScope([try RegionCode("320000")])
    return try await store.createAccount(
        name: name, role: role, scope: scope, passwordHash: try PasswordHash.make(password, cost: cheap), by: admin)
}
// The database's first admin (`handbook-issuer init`), or the benchmark's own when it has none.
let admin: Account
if let found = try await store.account(named: "admin") {
    admin = found
} else {
    admin = try await account("bench-admin", .admin, by: nil)
}
let recorder = try await account("bench-recorder", .recorder, by: admin)
let approver = try await account("bench-approver", .approver, by: admin)

// Enterprises of Jiangsu, as an approver finds them by name.
var sampled: [Enterprise] = []
for prefix in ["南京", "苏州", "无锡", "常州", "扬州", "南通", "徐州", "盐城"] {
    sampled += try await store.enterprises(namePrefix: prefix, limit: 10, by: approver)
}
guard !sampled.isEmpty else {
    say("no Jiangsu enterprises found in \(path)")
    exit(1)
}
let today = CardDate(Date())
var waiting = try await store.creditRecords(WorkListQuery(statuses: [.recorded], limit: 500), by: approver).count
var made = 0
while waiting < pendingWanted {
    let enterprise = sampled[made % sampled.count]
    _ = try await store.record(
        RecordDraft(
            region: try RegionCode("320500"), uscc: enterprise.uscc, kind: .bad,
            behaviourCode: try BehaviourCode("D1-3-01"),
            decisionNumber: "苏建罚〔2026〕\(made + 1)号", authority: "苏州市住房和城乡建设局", authorityLevel: .city,
            decisionDate: today, publicationMonths: 6, summary: "偷工减料"),
        by: recorder)
    waiting += 1
    made += 1
}

var logger = Logger(label: "bench")
logger.logLevel = .error
let api = IssuanceAPI(
    store: store, sessions: Sessions(lifetime: 3_600), passwords: PasswordChecks(cost: cheap), issuer: nil,
    packages: nil)
let router = api.router()
try OfficialsConsole(api: api, options: .init(secureCookie: false)).addRoutes(to: router)
let server = try await LocalService.start(router, logger: logger)
let port = server.port

// Log in through the console's form; the session cookie goes with every request of the load.
guard let loginURL = URL(string: "http://127.0.0.1:\(port)/console/login") else { exit(1) }
var login = URLRequest(url: loginURL)
login.httpMethod = "POST"
login.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
login.httpBody = Data("name=bench-approver&password=benchmark+password&next=/console".utf8)
final class NoRedirect: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) { completionHandler(nil) }
}
let session = URLSession(configuration: .ephemeral, delegate: NoRedirect(), delegateQueue: nil)
let (_, answer) = try await session.data(for: login)
guard let setCookie = (answer as? HTTPURLResponse)?.value(forHTTPHeaderField: "Set-Cookie"),
    let cookie = setCookie.split(separator: ";").first.map(String.init)
else {
    say("the console login failed")
    exit(1)
}
let headers = ["Cookie": cookie]

func line(_ label: String, _ http: LoadFigures, _ direct: LoadFigures) -> String {
    "\(pad(label, 34)) HTTP p50 \(format(http.p50, decimals: 2)) ms, p99 \(format(http.p99, decimals: 2)) ms, \(Int(http.perSecond))/s"
        + "  |  store calls p50 \(format(direct.p50, decimals: 2)) ms, p99 \(format(direct.p99, decimals: 2)) ms, \(Int(direct.perSecond))/s"
}

let revision = try await store.revision()
say(
    "Officials' console on \(path) (revision \(revision)), \(waiting) records waiting in Jiangsu; wrk \(duration) s × \(connections) connections with a session; store: \(connections) tasks"
)
let queueHTTP = try wrkLoad(
    port: port, paths: ["/console/queue"], connections: connections, seconds: duration, headers: headers)
// What the page asks of the store: a page of 50 (and one more) of each list, and the shortenings.
let queueDirect = try await concurrentLoad([0], connections: connections, seconds: duration) { _ in
    _ = try await store.creditRecords(WorkListQuery(statuses: [.recorded], limit: 51), by: approver)
    _ = try await store.creditRecords(WorkListQuery(statuses: [.approved], limit: 51), by: approver)
    _ = try await store.pendingShortenings(limit: 200, by: approver)
}
say(line("approval queue (first page of 50)", queueHTTP, queueDirect))
let keys = sampled.map(\.uscc.value)
let pageHTTP = try wrkLoad(
    port: port, paths: keys.map { "/console/enterprises/\($0)" }, connections: connections, seconds: duration,
    headers: headers)
let pageDirect = try await concurrentLoad(keys, connections: connections, seconds: duration) { key in
    guard let enterprise = try await store.enterprise(identifiedBy: key, by: approver) else { return }
    _ = try await store.creditRecords(WorkListQuery(uscc: enterprise.uscc, newestFirst: true, limit: 200), by: approver)
}
say(line("enterprise page (\(keys.count) enterprises)", pageHTTP, pageDirect))
server.stop()
