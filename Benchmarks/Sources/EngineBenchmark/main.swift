// The credit store on SQLite and on PostgreSQL, side by side in one run (issue 17): a bulk load,
// an import, card-status and current-view look-ups made directly and over HTTP with wrk at 16 and
// 64 connections, and — for PostgreSQL — the hot standby's lag behind its primary.
//
//   EngineBenchmark --postgres URL --replica URL [--enterprises 20000] [--seconds 10]
//
// URL is a server (scripts/postgres.sh start / replica print them); a new database is created there.

import BenchmarkSupport
import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto
import Hummingbird
import IssuanceService
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

let options = BenchmarkOptions(
    usage: """
        usage: EngineBenchmark --postgres URL --replica URL [--enterprises 20000] [--seconds 10]
          The store on SQLite and on PostgreSQL in one run: bulk load, import, look-ups direct and over
          HTTP (wrk, 16 and 64 connections), the hot standby's lag.
        """, values: ["--postgres", "--replica", "--enterprises", "--seconds"])
let enterprises = options.integer("--enterprises", default: 20_000, in: 100...1_000_000)
let duration = options.integer("--seconds", default: 10, in: 1...3_600)
guard let serverURL = options.text("--postgres"), let replicaURL = options.text("--replica") else {
    say("give --postgres and --replica (scripts/postgres.sh start and scripts/postgres.sh replica print them)")
    exit(64)
}
let server = try PostgresLocation(url: serverURL)
let replicaServer = try PostgresLocation(url: replicaURL)
let dataset = DemoDataset(seed: 2007, count: DemoDataset.maximumCount)
let password = "benchmark password 2026"
let platform = RegionScope(["310000", "320000", "330000"].compactMap { try? RegionCode($0) })
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("engine-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
// A tenth of the enterprises, at most 2,000 (some 55,000 rows): the rate of an import into a full
// database, measured in minutes rather than hours on PostgreSQL.
let imported = min(max(100, enterprises / 10), 2_000)
let importFiles = try dataset.writeImportFiles(
    to: folder.appendingPathComponent("import"), range: enterprises..<(enterprises + imported))
let today = CardDate(Date())
let logger: Logger = {
    // Critical only: the requests wrk leaves in flight when a service is stopped are cancelled, and
    // would each log an error.
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    return logger
}()

struct EngineFigures {
    var name: String
    var loadRows = 0
    var loadSeconds = 0.0
    var importRows = 0
    var importSeconds = 0.0
    var statusStore = LoadFigures(p50: .nan, p99: .nan, perSecond: .nan)
    var viewStore = LoadFigures(p50: .nan, p99: .nan, perSecond: .nan)
    var http: [String: LoadFigures] = [:]
    var lag: (p50: Double, p99: Double)?
}

/// Everything measured on one store.
func run(_ name: String, _ store: SQLCreditStore, standby: SQLCreditStore?) async throws -> EngineFigures {
    var figures = EngineFigures(name: name)
    let admin = try await store.createAccount(
        name: "admin", role: .admin, scope: platform, passwordHash: nil, by: nil)
    let inspector = try await store.createAccount(
        name: "bench-inspector", role: .inspector, scope: platform, passwordHash: try PasswordHash.make(password),
        by: admin)
    for office in regionalOffices { try store.ensureOffice(office) }

    say("\(name): bulk load of \(enterprises) enterprises …")
    var start = ContinuousClock.now
    let loadStart = start
    try store.loadDemo(dataset, range: 0..<enterprises, by: admin) { done in
        if done % 100_000 == 0 { say("  \(done) enterprises after \(Int(seconds(ContinuousClock.now - loadStart))) s") }
    }
    figures.loadSeconds = seconds(ContinuousClock.now - start)
    figures.loadRows = try store.tableCounts().filter { $0.key != "meta" && $0.key != "audit_log" }.values.reduce(0, +)

    say("\(name): import of \(imported) more enterprises (\(importFiles.count) files) …")
    start = ContinuousClock.now
    for file in importFiles {
        figures.importRows += try await store.importFile(at: file, by: admin, progress: nil).rows
    }
    figures.importSeconds = seconds(ContinuousClock.now - start)

    var rng = SeededGenerator(seed: 77)
    let picks = try (0..<5_000).map { _ in try dataset.enterprise(Int.random(in: 0..<enterprises, using: &rng)) }
    say("\(name): look-ups, \(duration) s each …")
    figures.statusStore = try await concurrentLoad(picks, connections: 16, seconds: duration) {
        _ = try await store.cardStatus($0.card, by: inspector)
    }
    figures.viewStore = try await concurrentLoad(picks, connections: 16, seconds: duration) {
        _ = try await store.currentView(of: $0.enterprise.uscc, on: today, by: inspector)
    }

    // The service in this process on a free port.
    let api = IssuanceAPI(store: store, sessions: Sessions(lifetime: 3_600), issuer: nil, packages: nil)
    let service = try await LocalService.start(api.router(), logger: logger)
    var login = URLRequest(url: URL(string: "http://127.0.0.1:\(service.port)/v1/login")!)
    login.httpMethod = "POST"
    login.httpBody = try JSONSerialization.data(withJSONObject: ["name": "bench-inspector", "password": password])
    let (loginData, _) = try await URLSession.shared.data(for: login)
    let token = (try JSONSerialization.jsonObject(with: loginData) as? [String: Any])?["token"] as? String ?? ""
    for connections in [16, 64] {
        figures.http["status \(connections)"] = try wrkLoad(
            port: service.port, paths: picks.map { "/v1/cards/\($0.card)" }, connections: connections,
            seconds: duration, headers: ["Authorization": "Bearer \(token)"])
        figures.http["view \(connections)"] = try wrkLoad(
            port: service.port, paths: picks.map { "/v1/enterprises/\($0.enterprise.uscc)/view" },
            connections: connections, seconds: duration, headers: ["Authorization": "Bearer \(token)"])
    }
    service.stop()

    if let standby {
        // Time from a commit on the primary to its revision being readable on the standby.
        say("\(name): the standby's lag, 300 commits …")
        var lags: [Double] = []
        for round in 0..<300 {
            _ = try await store.setDisabled(round % 2 == 0, account: "bench-inspector", by: admin)
            let committed = ContinuousClock.now
            let target = try await store.revision()
            while try await standby.revision() < target { try await Task.sleep(for: .microseconds(200)) }
            lags.append(milliseconds(ContinuousClock.now - committed))
        }
        figures.lag = (percentile(lags, 0.5), percentile(lags, 0.99))
    }
    return figures
}

let sqlite = try SQLCreditStore(path: folder.appendingPathComponent("credit.sqlite").path)
let sqliteFigures = try await run("SQLite", sqlite, standby: nil)
try sqlite.close()

let databaseName = "engine_bench_\(getpid())"
try PostgresDatabases.create(databaseName, on: server)
defer { try? PostgresDatabases.drop(databaseName, on: server) }
let postgres = try SQLCreditStore(postgres: server.database(databaseName), connections: 16)
// The standby sees the new database once it has replayed its creation and the schema.
var standby: SQLCreditStore?
for _ in 0..<100 where standby == nil {
    standby = try? SQLCreditStore(postgres: replicaServer.database(databaseName), readOnly: true)
    if standby == nil { try await Task.sleep(for: .milliseconds(100)) }
}
let postgresFigures = try await run("PostgreSQL", postgres, standby: standby)
try standby?.close()
try postgres.close()

func rate(_ rows: Int, _ seconds: Double) -> String { "\(Int(Double(rows) / seconds)) rows/s" }
func figure(_ load: LoadFigures?) -> String {
    guard let load else { return "—" }
    return "p50 \(format(load.p50, decimals: 2)) ms, p99 \(format(load.p99, decimals: 2)) ms, \(Int(load.perSecond))/s"
}
say("")
say(
    "The store on SQLite and on PostgreSQL, \(enterprises) demo enterprises each (same run, release build, 2 cores; PostgreSQL 15 on loopback with a hot standby, fsync on, shared_buffers 1 GB):"
)
say("\(pad("", 30)) \(pad("SQLite", 48)) PostgreSQL")
say(
    "\(pad("bulk load", 30)) \(pad("\(rate(sqliteFigures.loadRows, sqliteFigures.loadSeconds)) (\(sqliteFigures.loadRows) rows)", 48)) \(rate(postgresFigures.loadRows, postgresFigures.loadSeconds)) (\(postgresFigures.loadRows) rows)"
)
say(
    "\(pad("import (\(imported) enterprises)", 30)) \(pad(rate(sqliteFigures.importRows, sqliteFigures.importSeconds), 48)) \(rate(postgresFigures.importRows, postgresFigures.importSeconds))"
)
say(
    "\(pad("card status, store, 16 tasks", 30)) \(pad(figure(sqliteFigures.statusStore), 48)) \(figure(postgresFigures.statusStore))"
)
say(
    "\(pad("current view, store, 16 tasks", 30)) \(pad(figure(sqliteFigures.viewStore), 48)) \(figure(postgresFigures.viewStore))"
)
for key in ["status 16", "status 64", "view 16", "view 64"] {
    let label = key.hasPrefix("status") ? "card status, HTTP" : "current view, HTTP"
    let connections = key.split(separator: " ").last ?? ""
    say(
        "\(pad("\(label), wrk \(connections)", 30)) \(pad(figure(sqliteFigures.http[key]), 48)) \(figure(postgresFigures.http[key]))"
    )
}
if let lag = postgresFigures.lag {
    say(
        "\(pad("standby lag (commit → visible)", 30)) \(pad("—", 48)) p50 \(format(lag.p50, decimals: 2)) ms, p99 \(format(lag.p99, decimals: 2)) ms"
    )
}
