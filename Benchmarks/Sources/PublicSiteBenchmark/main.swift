// The public website on a large credit database (issue 15): name searches of one, two and three
// characters and enterprise pages over HTTP on loopback under load (wrk), side by side in the same
// run with the same queries made directly on the read-only catalog with the same concurrency.
//
//   PublicSiteBenchmark [--database PATH] [--seconds 10] [--connections 8]

import BenchmarkSupport
import CreditStore
import Foundation
import HandbookCodec
import Hummingbird
import Logging
import PublicSite

let options = BenchmarkOptions(
    usage: """
        usage: PublicSiteBenchmark [--database PATH] [--seconds 10] [--connections 8]
          Name search and enterprise pages of the public site over HTTP (wrk) beside the same queries
          on the catalog. Default database: the StoreBenchmark's .build-bench/credit-1000000.sqlite.
        """, values: ["--database", "--seconds", "--connections"])
let path = options.text("--database") ?? ".build-bench/credit-1000000.sqlite"
let duration = options.integer("--seconds", default: 10, in: 1...3_600)
let connections = options.integer("--connections", default: 8, in: 1...1_000)
guard FileManager.default.fileExists(atPath: path) else {
    say("no database at \(path): run StoreBenchmark first (make bench does), or give --database")
    exit(1)
}
// Opened once for writing so that an older file is migrated (the name index), then read-only.
_ = try SQLCreditStore(path: path)
let catalog = try PublicCatalog(path: path)
let site = try PublicSite(catalog: catalog, signing: nil, limiter: RateLimiter(burst: 1e12, perSecond: 1e12))
var logger = Logger(label: "bench")
logger.logLevel = .error
let server = try await LocalService.start(site.router(), logger: logger)
let port = server.port
let today = CardDate(Date())

typealias Figures = LoadFigures

func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

func wrk(_ paths: [String]) throws -> Figures {
    try wrkLoad(port: port, paths: paths, connections: connections, seconds: duration)
}

func direct<T: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) async throws -> Void) async throws -> Figures {
    try await concurrentLoad(items, connections: connections, seconds: duration, body)
}

func line(_ label: String, _ http: Figures, _ store: Figures) -> String {
    "\(pad(label, 30)) HTTP p50 \(format(http.p50, decimals: 2)) ms, p99 \(format(http.p99, decimals: 2)) ms, \(Int(http.perSecond))/s"
        + "  |  catalog p50 \(format(store.p50, decimals: 2)) ms, p99 \(format(store.p99, decimals: 2)) ms, \(Int(store.perSecond))/s"
}

// Queries people type: prefixes of real names of the database, one, two and three characters.
// Enterprises spread over the three provinces and their cities.
var sampled: [PublicEnterpriseSummary] = []
for region in ["310000", "320100", "320200", "320500", "321000", "330100", "330200", "330300", "330600"] {
    for number in [1, 60, 120] {
        sampled += try await catalog.enterprises(EnterpriseQuery(region: region, page: number), on: today).items
            .prefix(3)
    }
}
let sample = try await catalog.enterprises(EnterpriseQuery(page: 1), on: today)
let names = Array(Set(sampled.map(\.name))).sorted()
let enterprises = sampled.map(\.uscc)
say(
    "Public site on \(path) (revision \(sample.revision)), wrk \(duration) s × \(connections) connections; catalog: \(connections) tasks"
)
for length in 1...3 {
    let queries = Array(Set(names.map { String($0.prefix(length)) })).sorted()
    let http = try wrk(queries.map { "/enterprises?q=\(encoded($0))" })
    let store = try await direct(queries) { query in
        _ = try await catalog.enterprises(EnterpriseQuery(text: query), on: today)
    }
    say(line("name search, \(length) character\(length == 1 ? "" : "s") (\(queries.count) queries)", http, store))
}
let pageHTTP = try wrk(enterprises.map { "/enterprises/\($0)" })
let pageStore = try await direct(enterprises) { uscc in _ = try await catalog.enterprise(uscc, on: today) }
say(line("enterprise page (\(enterprises.count) enterprises)", pageHTTP, pageStore))
server.stop()
