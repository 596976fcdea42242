// The service's availability under the two loads of the security review (issue 12), measured on
// `handbook-issuer serve` as its own process so that the same benchmark runs against any build:
// this one and a baseline build of an earlier commit, side by side in one run.
//
// 0. Card-status and current-view throughput over HTTP (wrk, 4 connections), and the verifier's
//    look-ups one after the other: card status then view (two round trips, as before issue 14),
//    and the card's reference (one round trip, a build that has it).
// 1. Card-status throughput alone, then while 40 clients log in at once (scrypt at the production
//    cost): does a burst of logins starve the other requests?
// 2. The service's write latency (POST /v1/checks, one every 20 ms) alone, then while
//    `handbook-issuer import` applies a file of 100,000 enterprise rows: do the service's writes
//    wait for the whole import, or fail?
//
//   AvailabilityBenchmark --issuer PATH [--baseline PATH --baseline-label TEXT] [--seconds 10]
//       [--rows 100000]

import BenchmarkSupport
import Foundation
import GRDB
import HandbookCodec

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

let options = BenchmarkOptions(
    usage: """
        usage: AvailabilityBenchmark --issuer PATH [--baseline PATH --baseline-label TEXT]
                                     [--baseline-format 1] [--seconds 10] [--rows 100000]
          `handbook-issuer serve` of each build as its own process: card-status and view throughput,
          then card status during a burst of logins, service writes during a large import.
        """, values: ["--issuer", "--baseline", "--baseline-label", "--baseline-format", "--seconds", "--rows"])
let seconds = options.integer("--seconds", default: 10, in: 1...3_600)
let rows = options.integer("--rows", default: 100_000, in: 10...10_000_000)
let password = "benchmark password 2026"

struct Failure: Error, CustomStringConvertible {
    let description: String
}

/// Runs a program to its end; its standard output.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw Failure(
            description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

/// One HTTP request; the status (0 when no answer came) and the body.
func request(_ url: String, method: String = "GET", token: String? = nil, body: [String: Any]? = nil) async -> (
    Int, Data
) {
    guard let target = URL(string: url) else { return (0, Data()) }
    var request = URLRequest(url: target)
    request.httpMethod = method
    request.timeoutInterval = 60
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    if let body, let data = try? JSONSerialization.data(withJSONObject: body) {
        request.httpBody = data
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    guard let (data, response) = try? await URLSession.shared.data(for: request) else { return (0, Data()) }
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
}

/// A database with demo data, an inspector with a production-cost password, the service on it, and
/// an import file of `rows` Jiangsu enterprises, for one build of `handbook-issuer`.
final class Setup: @unchecked Sendable {
    // @unchecked: set up once, then only read.
    let issuer: String
    let folder: URL
    let config: String
    let importFile: String
    var service: Process?
    var port = 0
    var token = ""
    var card = ""
    var uscc = ""

    init(issuer: String, format: Int) throws {
        self.issuer = issuer
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("availability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        config = folder.appendingPathComponent("issuer.json").path
        try JSONSerialization.data(withJSONObject: [
            "database": folder.appendingPathComponent("credit.sqlite").path,
            "office": [
                "region": "320000", "name": "江苏省住房和城乡建设厅",
                // Absolute: a build from before the review requires them and reads them from its
                // working directory; later builds read them relative to the file.
                "key": FileManager.default.currentDirectoryPath + "/Keys/p256/office-320000.key.pem",
                "certificate": FileManager.default.currentDirectoryPath + "/Keys/p256/office-320000.pem",
            ],
        ]).write(to: URL(fileURLWithPath: config))
        let environment = ["HANDBOOK_PASSWORD": password]
        try run(issuer, ["init", "--config", config], environment: environment)
        try run(
            issuer, ["accounts", "add", "inspector", "--role", "inspector", "--regions", "320000", "--config", config],
            environment: environment)
        try run(issuer, ["seed-demo", "--enterprises", "3000", "--config", config], environment: environment)
        // The import file: `rows` Jiangsu enterprises of the demo generator (seed 99, none of them in
        // the database), in the import format this build reads — version 2 with its end line, or
        // version 1 for a build from before the review (`--baseline-format 1`). Written here from the
        // codec's generator, the same rows for both builds, rather than by each build's `seed-demo
        // --files`, which writes every entity of 350,000 enterprises to get them.
        importFile = folder.appendingPathComponent("import.jsonl").path
        try Data(importRows(format: format).utf8).write(to: URL(fileURLWithPath: importFile))

        // A Jiangsu card, read straight from the file (no program of either build involved).
        let database = try DatabaseQueue(
            path: folder.appendingPathComponent("credit.sqlite").path,
            configuration: {
                var c = Configuration(); c.readonly = true; return c
            }())
        (card, uscc) = try database.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT c.serial, c.uscc FROM cards c JOIN enterprises e ON e.uscc = c.uscc
                    WHERE e.registered_region LIKE '32%' ORDER BY c.serial LIMIT 1
                    """)
            return (row?["serial"] ?? "", row?["uscc"] ?? "")
        }
        try database.close()
    }

    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: issuer)
        process.arguments = ["serve", "--config", config, "--listen", "127.0.0.1:0"]
        process.environment = ProcessInfo.processInfo.environment.merging(["LOG_LEVEL": "error"]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while !seen.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = seen.range(of: #"127\.0\.0\.1:\d+"#, options: .regularExpression),
            let port = seen[range].split(separator: ":").last.flatMap({ Int($0) })
        else { throw Failure(description: "the service did not start: \(seen)") }
        service = process
        self.port = port
        let (status, data) = await request(
            "http://127.0.0.1:\(port)/v1/login", method: "POST", body: ["name": "inspector", "password": password])
        guard status == 200, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let token = object["token"] as? String
        else { throw Failure(description: "login answered \(status)") }
        self.token = token
    }

    func stop() {
        service?.terminate()
        service?.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// The Jiangsu enterprise rows of the import, made once for every build.
let jiangsuRows: [String] = {
    let dataset = DemoDataset(seed: 99, count: DemoDataset.maximumCount)
    var lines: [String] = []
    var index = 0
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    while lines.count < rows {
        defer { index += 1 }
        guard let demo = try? dataset.enterprise(index), demo.province.code == "320000" else { continue }
        let uscc = demo.enterprise.uscc.value
        let body = Array(uscc)[8..<16]
        let row = [
            "uscc": uscc, "name": demo.enterprise.name, "legalRepresentative": demo.enterprise.legalRepresentative,
            "registeredRegion": demo.enterprise.registeredRegion.code,
            "organizationCode": String(body) + "-" + String(Array(uscc)[16]),
        ]
        if let data = try? encoder.encode(row) { lines.append(String(decoding: data, as: UTF8.self)) }
    }
    return lines
}()

/// The import file in `format` 1 or 2.
func importRows(format: Int) -> String {
    let header =
        #"{"entity":"enterprises","format":"credit-handbook-import","region":"320000","source":"availability benchmark","version":\#(format)}"#
    var lines = [header] + jiangsuRows
    if format >= 2 { lines.append(#"{"end":true,"rows":\#(jiangsuRows.count)}"#) }
    return lines.joined(separator: "\n") + "\n"
}

/// wrk on the card-status route: requests per second and the 99th percentile in milliseconds.
func cardStatusLoad(_ setup: Setup) throws -> (rate: Double, p99: Double) {
    try load(setup, "/v1/cards/\(setup.card)")
}

/// wrk on one route: requests per second and the 99th percentile in milliseconds.
func load(_ setup: Setup, _ path: String) throws -> (rate: Double, p99: Double) {
    let output = try run(
        "/usr/bin/wrk",
        [
            "-t", "2", "-c", "4", "-d", "\(seconds)s", "--latency", "-H", "Authorization: Bearer \(setup.token)",
            "http://127.0.0.1:\(setup.port)\(path)",
        ])
    func number(after label: String) -> Double? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains(label) }) else { return nil }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let index = fields.firstIndex(where: { $0.hasPrefix(label) }), index + 1 < fields.count else {
            return nil
        }
        return milliseconds(String(fields[index + 1]))
    }
    func milliseconds(_ text: String) -> Double? {
        for (suffix, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1_000.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(text)
    }
    let rateLine = output.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
    let rate = rateLine.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    return (rate, number(after: "99%") ?? .nan)
}

/// 40 clients logging in over and over until `stop`: how many logins were answered.
func loginStorm(_ setup: Setup, until stop: ContinuousClock.Instant) async -> (ok: Int, refused: Int) {
    await withTaskGroup(of: (Int, Int).self) { group in
        for _ in 0..<40 {
            group.addTask {
                var ok = 0
                var refused = 0
                while ContinuousClock.now < stop {
                    let (status, _) = await request(
                        "http://127.0.0.1:\(setup.port)/v1/login", method: "POST",
                        body: ["name": "inspector", "password": password])
                    if status == 200 { ok += 1 } else { refused += 1 }
                }
                return (ok, refused)
            }
        }
        return await group.reduce(into: (0, 0)) {
            $0.0 += $1.0; $0.1 += $1.1
        }
    }
}

/// Writes through the service (a proof of check every 20 ms) while `busy` says so: each one's
/// latency in milliseconds, and how many failed.
func writes(_ setup: Setup, while busy: @escaping @Sendable () -> Bool) async -> (latencies: [Double], failed: Int) {
    var latencies: [Double] = []
    var failed = 0
    let clock = ContinuousClock()
    while busy() {
        let started = clock.now
        let (status, _) = await request(
            "http://127.0.0.1:\(setup.port)/v1/checks", method: "POST", token: setup.token,
            body: [
                "checkedAt": ISO8601DateFormatter().string(from: Date()), "cardSerial": setup.card,
                "verdict": "current",
            ])
        let elapsed = clock.now - started
        let ms = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
        if status == 201 || status == 200 { latencies.append(ms) } else { failed += 1 }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return (latencies, failed)
}

final class Flag: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var value = true
    var isSet: Bool { lock.withLock { value } }
    func clear() { lock.withLock { value = false } }
}

/// The median milliseconds of `rounds` verifier look-ups made one after the other, each of
/// `paths` requested in turn (what one tap waits for); nil when a build does not answer them.
func lookups(_ setup: Setup, _ paths: [String], rounds: Int = 400) async -> Double? {
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        let started = clock.now
        for path in paths {
            let (status, _) = await request("http://127.0.0.1:\(setup.port)\(path)", token: setup.token)
            guard status == 200 else { return nil }
        }
        times.append(milliseconds(clock.now - started))
    }
    return percentile(times, 0.5)
}

struct Figures {
    var viewRate = 0.0, viewP99 = 0.0, twoLookups = Double.nan, oneReference: Double? = nil
    var quietRate = 0.0, quietP99 = 0.0, stormRate = 0.0, stormP99 = 0.0, logins = 0, loginsRefused = 0
    var writeP99Quiet = 0.0, writeP99Import = 0.0, writeMaxImport = 0.0, writesFailed = 0, writesDone = 0
    var importSeconds = 0.0
}

func measureBuild(_ issuer: String, format: Int) async throws -> Figures {
    let setup = try Setup(issuer: issuer, format: format)
    defer { setup.stop() }
    try await setup.start()
    var figures = Figures()
    (figures.viewRate, figures.viewP99) = try load(setup, "/v1/enterprises/\(setup.uscc)/view")
    figures.twoLookups =
        await lookups(setup, ["/v1/cards/\(setup.card)", "/v1/enterprises/\(setup.uscc)/view"]) ?? .nan
    figures.oneReference = await lookups(setup, ["/v1/cards/\(setup.card)/reference"])
    (figures.quietRate, figures.quietP99) = try cardStatusLoad(setup)
    let stop = ContinuousClock.now + .seconds(seconds + 2)
    async let storm = loginStorm(setup, until: stop)
    try await Task.sleep(for: .seconds(1))
    (figures.stormRate, figures.stormP99) = try cardStatusLoad(setup)
    (figures.logins, figures.loginsRefused) = await storm

    let quietFlag = Flag()
    Task {
        try? await Task.sleep(for: .seconds(5))
        quietFlag.clear()
    }
    figures.writeP99Quiet = percentile(await writes(setup) { quietFlag.isSet }.latencies, 0.99)
    let importing = Flag()
    let started = ContinuousClock.now
    let importer = Task.detached {
        defer { importing.clear() }
        try? run(
            issuer, ["import", "--config", setup.config, setup.importFile], environment: ["HANDBOOK_PASSWORD": password]
        )
    }
    let during = await writes(setup) { importing.isSet }
    _ = await importer.value
    let elapsed = ContinuousClock.now - started
    figures.importSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    figures.writeP99Import = percentile(during.latencies, 0.99)
    figures.writeMaxImport = during.latencies.max() ?? .nan
    figures.writesFailed = during.failed
    figures.writesDone = during.latencies.count
    return figures
}

guard let issuer = options.text("--issuer") else {
    say("usage: AvailabilityBenchmark --issuer PATH [--baseline PATH --baseline-label TEXT] [--seconds 10]")
    exit(64)
}
let baseline = options.text("--baseline")
let baselineLabel = options.text("--baseline-label") ?? "baseline"
let baselineFormat = options.integer("--baseline-format", default: 1, in: 1...2)
say("Availability of `handbook-issuer serve` (\(seconds) s per load, \(rows)-row import)")
let current = try await measureBuild(issuer, format: 2)
let before: Figures? = try await { () async throws -> Figures? in
    guard let baseline else { return nil }
    return try await measureBuild(baseline, format: baselineFormat)
}()

@MainActor func row(_ label: String, _ value: (Figures) -> String) {
    say(pad(label, 58) + pad(value(current), 16) + (before.map { value($0) } ?? "—"))
}
say(pad("", 58) + pad("this build", 16) + baselineLabel)
row("card status alone: requests/s") { format($0.quietRate, decimals: 0) }
row("current view alone: requests/s") { format($0.viewRate, decimals: 0) }
row("current view alone: p99 ms") { format($0.viewP99, decimals: 2) }
row("a tap's look-ups: card status, then view: median ms") { format($0.twoLookups, decimals: 2) }
row("a tap's look-up: the card's reference: median ms") {
    $0.oneReference.map { format($0, decimals: 2) } ?? "no such route"
}
row("card status alone: p99 ms") { format($0.quietP99, decimals: 2) }
row("card status during 40 concurrent logins: requests/s") { format($0.stormRate, decimals: 0) }
row("card status during 40 concurrent logins: p99 ms") { format($0.stormP99, decimals: 2) }
row("logins answered 200 / refused in that time") { "\($0.logins) / \($0.loginsRefused)" }
row("service write (POST /v1/checks) alone: p99 ms") { format($0.writeP99Quiet, decimals: 1) }
row("service writes during the import: p99 ms") { format($0.writeP99Import, decimals: 1) }
row("service writes during the import: slowest ms") { format($0.writeMaxImport, decimals: 1) }
row("service writes during the import: done / failed") { "\($0.writesDone) / \($0.writesFailed)" }
row("import of \(rows) rows: seconds") { format($0.importSeconds, decimals: 1) }
