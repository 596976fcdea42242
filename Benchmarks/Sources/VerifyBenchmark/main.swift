// Tap to verdict (issue 7): for each card profile (and SM2 beside P-256 on one profile), many taps
// through the real pcscd and the virtual card, checked by the verifier's own `Checker` offline
// (against a signed data package, read once as `watch` does) and online (against the issuance
// service on loopback, in this process): median and p99 of the whole check and of its three parts —
// card I/O, cryptography, reconciliation. Beside them, from the same run, what each part cannot go
// below: the PC/SC round trips of the tap's commands, OpenSSL's raw signature verifications, and the
// service's reference look-up made directly over HTTP, beside the two look-ups it replaced.
//
//   VerifyBenchmark [--database PATH] [--taps 200]     (run from the repository root, pcscd running)

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
import Verifier
import VirtualCard

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

let options = BenchmarkOptions(
    usage: """
        usage: VerifyBenchmark [--database PATH] [--taps 200]
          Tap to verdict through pcscd, offline and online, with its parts (pcscd running).
        """, values: ["--database", "--taps"])
let taps = options.integer("--taps", default: 200, in: 1...1_000_000)
let reader = "Virtual PCD 00 00"
requireReader(reader) { (try? PCSCContext().readers().contains(reader)) ?? false }
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("verify-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }

// The credit database: the store benchmark's if given, else 2,000 demo enterprises.
let password = "benchmark password 2026"
let databasePath = options.text("--database") ?? folder.appendingPathComponent("credit.sqlite").path
let fresh = options.text("--database") == nil
if !fresh && !FileManager.default.fileExists(atPath: databasePath) {
    say("no database at \(databasePath): run StoreBenchmark first (make bench does)")
    exit(1)
}
let store = try SQLCreditStore(path: databasePath)
let dataset = DemoDataset(seed: 2007, count: DemoDataset.maximumCount)
let allRegions = RegionScope([try RegionCode("310000"), try RegionCode("320000"), try RegionCode("330000")])
if fresh {
    let root = try await store.createAccount(
        name: "bench-admin", role: .admin, scope: allRegions, passwordHash: try PasswordHash.make(password), by: nil)
    try store.loadDemo(dataset, range: 0..<2_000, by: root)
}
let benchAdmin = try await store.account(named: "bench-admin")
let firstAdmin = try await store.account(named: "admin")
guard let admin = benchAdmin ?? firstAdmin else {
    say("no admin account in \(databasePath)")
    exit(1)
}
for (name, role) in [("bench-inspector", Role.inspector), ("bench-issuer", Role.issuer)]
where try await store.account(named: name) == nil {
    _ = try await store.createAccount(
        name: name, role: role, scope: allRegions, passwordHash: try PasswordHash.make(password), by: admin)
}
for office in regionalOffices { try store.ensureOffice(office) }
let enterprises = try store.tableCounts()["enterprises"] ?? 0
// Four Jiangsu enterprises, a card each (one enterprise's new card would supersede the others').
let jiangsu = try (0..<200).map(dataset.enterprise).filter { $0.enterprise.registeredRegion.code.hasPrefix("32") }
    .prefix(4).map(\.enterprise.uscc)
let issuerAccount = try await store.account(named: "bench-issuer")!

// The service, in this process, on a free loopback port.
var logger = Logger(label: "bench")
logger.logLevel = .error
func credentials(_ algorithm: String) throws -> OfficeCredentials {
    OfficeCredentials(
        office: IssuingOffice(region: try RegionCode("320000"), name: "江苏省住房和城乡建设厅"),
        key: try PrivateKey(pemEncoded: try text("Keys/\(algorithm)/office-320000.key.pem")),
        certificate: try Certificate(pemEncoded: try text("Keys/\(algorithm)/office-320000.pem")),
        masterKey: try SymmetricKey(hex: try text("Keys/issuer-master-key.hex")))
}
let api = IssuanceAPI(
    store: store, sessions: Sessions(lifetime: 3_600),
    issuer: CardIssuer(store: store, credentials: try credentials("p256"), logger: logger), packages: nil)
let server = try await LocalService.start(api.router(), logger: logger)
let service = "http://127.0.0.1:\(server.port)"

// The cards: one per row, each issued through pcscd, then taken out.
let cards = [("handbook-8k", "p256"), ("handbook-32k", "p256"), ("handbook-64k", "p256"), ("handbook-32k", "sm2")]
let pcsc = try PCSCContext()
var images: [URL] = []
for (index, (profileName, algorithm)) in cards.enumerated() {
    let image = folder.appendingPathComponent("\(profileName)-\(algorithm).json")
    let office = try credentials(algorithm)
    try CardImage.blank(
        profile: CardProfile.named(profileName)!, serial: try CardSerial(hex: "86560C000000000\(index)"),
        masterKey: office.masterKey
    ).save(to: image)
    try pcsc.waitUntil(reader: reader, hasCard: false, timeout: .seconds(10))
    let insertion = try VirtualCardInsertion(imageURL: image, port: 35963)
    try pcsc.waitUntil(reader: reader, hasCard: true, timeout: .seconds(10))
    _ = try await CardIssuer(store: store, credentials: office, logger: logger).issue(
        uscc: jiangsu[index], reader: reader, by: issuerAccount)
    await insertion.remove()
    images.append(image)
}

// The package of Jiangsu, signed now that it knows every card, and read once as `watch` does.
let packageURL = folder.appendingPathComponent("320000.package.jsonl")
let today = CardDate(Date())
let packageClock = ContinuousClock.now
_ = try await PackageExport.export(
    from: store, region: try RegionCode("320000"), on: today, at: Date(), by: admin,
    key: try PrivateKey(pemEncoded: try text("Keys/p256/package-signer.key.pem")),
    certificate: try Certificate(pemEncoded: try text("Keys/p256/package-signer.pem")),
    revocationLists: [try CertificateRevocationList(pemEncoded: try text("Keys/p256/crl.pem"))], to: packageURL)
let packageExportMs = milliseconds(ContinuousClock.now - packageClock)
let packageBytes = (try FileManager.default.attributesOfItem(atPath: packageURL.path)[.size] as? Int) ?? 0

var offlineSettings = VerifierSettings.defaults
offlineSettings.package = packageURL.path
var onlineSettings = VerifierSettings.defaults
onlineSettings.service = service
onlineSettings.account = "bench-inspector"
let loadClock = ContinuousClock.now
let offline = try Checker(settings: offlineSettings, password: password, logChecks: false)
let packageLoadMs = milliseconds(ContinuousClock.now - loadClock)
let online = try Checker(settings: onlineSettings, password: password, logChecks: false)

say(
    "Tap to verdict through pcscd and the virtual card, \(taps) taps per row (database: \(enterprises) enterprises; Jiangsu's package \(packageBytes / 1024) KiB, exported in \(format(packageExportMs, decimals: 0)) ms, read and verified once in \(format(packageLoadMs, decimals: 0)) ms)"
)
say("A tap: connect to the reader, read the card, verify the document, INTERNAL AUTHENTICATE, reconcile, verdict.")
say(
    pad("card", 22) + pad("mode", 9) + pad("verdict", 9) + pad("total p50/p99 ms", 19) + pad("card I/O", 15)
        + pad("crypto", 15) + pad("reconciliation", 15) + "rest")

// Baseline parts measured per row.
struct Baselines {
    var commands = 0
    var roundTripMs = 0.0
    var connectMs = 0.0
    /// Medians: connect, read, INTERNAL AUTHENTICATE, disconnect, and the PC/SC exchanges alone.
    var anatomy: [Double] = []
}

var rows: [(String, Baselines)] = []
for (profileName, algorithm) in cards {
    let image = images[rows.count]
    try pcsc.waitUntil(reader: reader, hasCard: false, timeout: .seconds(10))
    let insertion = try VirtualCardInsertion(imageURL: image, port: 35963)
    try pcsc.waitUntil(reader: reader, hasCard: true, timeout: .seconds(10))

    // The floor of card I/O: the tap's commands counted in one traced tap, one command's PC/SC
    // round trip (a bare SELECT), and connecting.
    var baseline = Baselines()
    let trace = APDUTrace()
    do {
        let connection = try pcsc.connect(reader: reader, trace: trace)
        let card = HandbookCard(transport: connection)
        _ = try card.read()
        _ = try card.sign(challenge: try randomBytes(16))
        connection.disconnect()
        baseline.commands = trace.entries.count
        var selects: [Double] = []
        var connects: [Double] = []
        for _ in 0..<taps {
            var start = ContinuousClock.now
            let again = try pcsc.connect(reader: reader)
            connects.append(milliseconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            _ = try HandbookCard(transport: again).channel.selectApplication(CardLayout.aid)
            selects.append(milliseconds(ContinuousClock.now - start))
            again.disconnect()
        }
        baseline.roundTripMs = percentile(selects, 0.5)
        baseline.connectMs = percentile(connects, 0.5)
        // The anatomy of the card I/O of a tap: connect, read (transaction, SELECT, status, slot),
        // INTERNAL AUTHENTICATE, disconnect; and the PC/SC exchanges alone, from the trace.
        var parts: [[Double]] = Array(repeating: [], count: 5)
        for _ in 0..<taps {
            let traced = APDUTrace()
            var start = ContinuousClock.now
            let connection = try pcsc.connect(reader: reader, trace: traced)
            parts[0].append(milliseconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            let card = HandbookCard(transport: connection)
            _ = try card.read()
            parts[1].append(milliseconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            _ = try card.sign(challenge: try randomBytes(16))
            parts[2].append(milliseconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            connection.disconnect()
            parts[3].append(milliseconds(ContinuousClock.now - start))
            parts[4].append(traced.entries.reduce(0) { $0 + milliseconds($1.duration) })
        }
        baseline.anatomy = parts.map { percentile($0, 0.5) }
    }

    for (mode, checker) in [("offline", offline), ("online", online)] {
        var reports: [VerifyReport] = []
        _ = await checker.decide(.reader(reader))  // warm up (online: the login)
        for _ in 0..<taps { reports.append(await checker.decide(.reader(reader))) }
        let verdicts = Set(reports.map(\.verdict))
        func figure(_ values: [Double]) -> String {
            "\(format(percentile(values, 0.5), decimals: 2))/\(format(percentile(values, 0.99), decimals: 2))"
        }
        say(
            pad("\(profileName) \(algorithm == "sm2" ? "SM2" : "P-256")", 22) + pad(mode, 9)
                + pad(verdicts.sorted().joined(separator: ","), 9)
                + pad(figure(reports.map(\.timings.totalMilliseconds)), 19)
                + pad(figure(reports.map(\.timings.cardMilliseconds)), 15)
                + pad(figure(reports.map(\.timings.cryptoMilliseconds)), 15)
                + pad(figure(reports.map(\.timings.reconciliationMilliseconds)), 15)
                + figure(
                    reports.map {
                        $0.timings.totalMilliseconds - $0.timings.cardMilliseconds - $0.timings.cryptoMilliseconds
                            - $0.timings.reconciliationMilliseconds
                    }))
    }
    insertion.pull()
    rows.append(("\(profileName) \(algorithm)", baseline))
}

say("")
say("Baselines from the same run:")
for (row, baseline) in rows {
    say(
        "  card I/O floor, \(pad(row, 18)): \(baseline.commands) commands × \(format(baseline.roundTripMs, decimals: 3)) ms (a bare SELECT's PC/SC round trip) + connect \(format(baseline.connectMs, decimals: 3)) ms = \(format(Double(baseline.commands) * baseline.roundTripMs + baseline.connectMs, decimals: 2)) ms"
    )
    let a = baseline.anatomy.map { format($0, decimals: 3) }
    say(
        "    the card I/O of a tap, medians: connect \(a[0]) + read \(a[1]) + INTERNAL AUTHENTICATE \(a[2]) + disconnect \(a[3]) ms; of which PC/SC exchanges \(a[4]) ms"
    )
}
// The cryptography floor: four signature verifications per check (the document, the office
// certificate under the root, the root's CRL, the card's answer), each at OpenSSL's raw rate.
for algorithm in ["p256", "sm2"] {
    let key = try PrivateKey(pemEncoded: try text("Keys/\(algorithm)/office-320000.key.pem"))
    let message = [UInt8](repeating: 0x5A, count: 2_048)
    let signature = try key.sign(message)
    let publicKey = key.publicKey
    let raw = measure("verify", bytes: message.count) {
        blackHole(try? publicKey.isValidSignature(signature, for: message, algorithm: publicKey.algorithm))
    }
    say(
        "  cryptography floor, \(algorithm == "sm2" ? "SM2  " : "P-256"): 4 verifications × \(format(raw.medianSeconds * 1_000, decimals: 3)) ms (OpenSSL, one raw verify of 2 KiB) = \(format(4 * raw.medianSeconds * 1_000, decimals: 2)) ms"
    )
}
// The online floor: the service's card status and current view fetched directly.
do {
    var login = URLRequest(url: URL(string: "\(service)/v1/login")!)
    login.httpMethod = "POST"
    login.setValue("application/json", forHTTPHeaderField: "Content-Type")
    login.httpBody = try JSONSerialization.data(withJSONObject: ["name": "bench-inspector", "password": password])
    let (data, _) = try await URLSession.shared.data(for: login)
    let token = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["token"] as! String
    func get(_ path: String) async throws {
        var request = URLRequest(url: URL(string: service + path)!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (_, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            say("\(path) did not answer 200")
            exit(1)
        }
    }
    // Interleaved, so that whatever else the machine does weighs on both alike: the one reference
    // look-up the verifier makes now, and the two look-ups (card status, then view) it made before.
    var one: [Double] = []
    var two: [Double] = []
    for _ in 0..<taps {
        var start = ContinuousClock.now
        try await get("/v1/cards/86560C0000000001/reference")
        one.append(milliseconds(ContinuousClock.now - start))
        start = ContinuousClock.now
        try await get("/v1/cards/86560C0000000001")
        try await get("/v1/enterprises/\(jiangsu[1])/view")
        two.append(milliseconds(ContinuousClock.now - start))
    }
    say(
        "  online floor: GET the card's reference over loopback, no decoding: p50 \(format(percentile(one, 0.5), decimals: 2)) ms, p99 \(format(percentile(one, 0.99), decimals: 2)) ms"
    )
    say(
        "    before (two round trips): GET card status + GET current view: p50 \(format(percentile(two, 0.5), decimals: 2)) ms, p99 \(format(percentile(two, 0.99), decimals: 2)) ms"
    )
}
server.stop()
