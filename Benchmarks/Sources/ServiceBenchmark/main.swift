// The issuance service at scale (issue 6): on the credit database of StoreBenchmark (1,000,000
// enterprises), card-status and current-view look-ups over HTTP on loopback under concurrent load
// (wrk), side by side with the same look-ups made directly on the store with the same concurrency;
// then the time to issue a card through pcscd for each card profile.
//
//   ServiceBenchmark [--database PATH] [--seconds 10] [--connections 16] [--issuances 15]

import BenchmarkSupport
import CardReader
import CreditStore
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import Hummingbird
import ISO7816
import IssuanceService
import Logging
import VirtualCard

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

let options = BenchmarkOptions(
    usage: """
        usage: ServiceBenchmark [--database PATH] [--seconds 10] [--connections 16] [--issuances 15]
          Card-status and view look-ups over HTTP under load beside the same look-ups on the store,
          then issuance through pcscd per card profile (pcscd running; the database of StoreBenchmark).
        """, values: ["--database", "--seconds", "--connections", "--issuances"])
let path = options.text("--database") ?? ".build-bench/credit-1000000.sqlite"
let duration = options.integer("--seconds", default: 10, in: 1...3_600)
let connections = options.integer("--connections", default: 16, in: 1...1_000)
let issuances = options.integer("--issuances", default: 15, in: 0...10_000)
requireReader("Virtual PCD 00 00") { (try? PCSCContext().readers().contains("Virtual PCD 00 00")) ?? false }
guard FileManager.default.fileExists(atPath: path) else {
    say("no database at \(path): run StoreBenchmark first (make bench does)")
    exit(1)
}
let store = try SQLCreditStore(path: path)
let enterprises = try store.tableCounts()["enterprises"] ?? 0
let dataset = DemoDataset(seed: 2007, count: DemoDataset.maximumCount)
say("Issuance service on \(path) (\(enterprises) enterprises), wrk \(duration) s × \(connections) connections")

// An inspector and an issuer to log in as.
let password = "benchmark password 2026"
guard let root = try await store.account(named: "admin") else {
    say("no admin account in \(path): build it with StoreBenchmark")
    exit(1)
}
for (name, role) in [("bench-inspector", Role.inspector), ("bench-issuer", Role.issuer)]
where try await store.account(named: name) == nil {
    _ = try await store.createAccount(
        name: name, role: role, scope: root.scope, passwordHash: try PasswordHash.make(password), by: root)
}
for office in regionalOffices { try store.ensureOffice(office) }

// The service, in this process, on a free loopback port.
var logger = Logger(label: "bench")
logger.logLevel = .error
let credentials = OfficeCredentials(
    office: IssuingOffice(region: try RegionCode("320000"), name: "江苏省住房和城乡建设厅"),
    key: try PrivateKey(pemEncoded: try String(contentsOfFile: "Keys/p256/office-320000.key.pem", encoding: .utf8)),
    certificate: try Certificate(
        pemEncoded: try String(contentsOfFile: "Keys/p256/office-320000.pem", encoding: .utf8)),
    masterKey: try SymmetricKey(hex: try String(contentsOfFile: "Keys/issuer-master-key.hex", encoding: .utf8)))
let issuer = CardIssuer(store: store, credentials: credentials, logger: logger)
_ = try await issuer.recover()  // as the service does at start-up
let api = IssuanceAPI(store: store, sessions: Sessions(lifetime: 3_600), issuer: issuer, packages: nil)
let server = try await LocalService.start(api.router(), logger: logger)
let port = server.port

var login = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/login")!)
login.httpMethod = "POST"
login.httpBody = try JSONSerialization.data(withJSONObject: ["name": "bench-inspector", "password": password])
let (loginData, _) = try await URLSession.shared.data(for: login)
let token = (try JSONSerialization.jsonObject(with: loginData) as! [String: Any])["token"] as! String

// The same random enterprises for both sides.
var rng = SeededGenerator(seed: 77)
let picks = try (0..<5_000).map { _ in
    try dataset.enterprise(Int.random(in: 0..<min(enterprises, 1_000_000), using: &rng))
}
guard let inspector = try await store.account(named: "bench-inspector") else { exit(1) }
let today = CardDate(Date())

typealias Figures = LoadFigures

func wrk(_ paths: [String]) throws -> Figures {
    try wrkLoad(
        port: port, paths: paths, connections: connections, seconds: duration,
        headers: ["Authorization": "Bearer \(token)"])
}

func direct(_ body: @escaping @Sendable (DemoEnterprise) async throws -> Void) async throws -> Figures {
    try await concurrentLoad(picks, connections: connections, seconds: duration, body)
}

func line(_ label: String, _ http: Figures, _ store: Figures) -> String {
    "\(pad(label, 13)) HTTP p50 \(format(http.p50, decimals: 2)) ms, p99 \(format(http.p99, decimals: 2)) ms, \(Int(http.perSecond))/s"
        + "  |  store p50 \(format(store.p50, decimals: 2)) ms, p99 \(format(store.p99, decimals: 2)) ms, \(Int(store.perSecond))/s"
}

say(
    "look-ups of \(picks.count) random enterprises, \(connections) at a time (HTTP: wrk over loopback; store: \(connections) tasks):"
)
let statusHTTP = try wrk(picks.map { "/v1/cards/\($0.card)" })
let statusStore = try await direct { _ = try await store.cardStatus($0.card, by: inspector) }
say(line("card status", statusHTTP, statusStore))
let viewHTTP = try wrk(picks.map { "/v1/enterprises/\($0.enterprise.uscc)/view" })
let viewStore = try await direct { _ = try await store.currentView(of: $0.enterprise.uscc, on: today, by: inspector) }
say(line("current view", viewHTTP, viewStore))

// Issuance through pcscd, per profile: the card in "Virtual PCD 00 00", issued again and again.
let issuerAccount = try await store.account(named: "bench-issuer")!
let jiangsu = picks.first { $0.province.code == "320000" }!
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-cards-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let pcsc = try PCSCContext()
say("issuance through pcscd (\(issuances) issuances per profile, the first personalises the card):")
for (index, profile) in CardProfile.all.enumerated() {
    let image = folder.appendingPathComponent("\(profile.name).json")
    let serial = try CardSerial(hex: "86560B000000000\(index)")
    try CardImage.blank(profile: profile, serial: serial, masterKey: credentials.masterKey).save(to: image)
    try pcsc.waitUntil(reader: "Virtual PCD 00 00", hasCard: false, timeout: .seconds(10))
    let insertion = try VirtualCardInsertion(imageURL: image, port: 35963)
    try pcsc.waitUntil(reader: "Virtual PCD 00 00", hasCard: true, timeout: .seconds(10))
    var times: [Double] = []
    var first = 0.0
    var bytes = 0
    for round in 0..<issuances {
        let start = ContinuousClock.now
        let result = try await issuer.issue(
            uscc: jiangsu.enterprise.uscc, reader: "Virtual PCD 00 00", by: issuerAccount)
        let elapsed = seconds(ContinuousClock.now - start) * 1_000
        bytes = result.bytes
        if round == 0 { first = elapsed } else { times.append(elapsed) }
    }
    insertion.pull()
    times.sort()
    say(
        "  \(pad(profile.name, 13)) re-issue median \(format(times[times.count / 2], decimals: 1)) ms (min \(format(times.first!, decimals: 1)), max \(format(times.last!, decimals: 1))), first issuance with personalisation \(format(first, decimals: 1)) ms; document \(bytes) bytes"
    )
}
server.stop()
