// The credit database at scale (issue 5): build 1,000,000 demo enterprises with ~10,000,000
// credit records into the embedded SQLite file, report time and size; import fresh provincial
// files into it and report rows per second beside the direct bulk-load rate; then the latency of
// card-status and current-view look-ups made directly on the store.
//
//   StoreBenchmark [--enterprises N] [--database PATH] [--reuse]

import BenchmarkSupport
import CreditStore
import Foundation
import HandbookCodec

/// Prints a line at once, even when standard output is a file (a long run is followed as it goes).

let options = BenchmarkOptions(
    usage: """
        usage: StoreBenchmark [--enterprises N] [--database PATH] [--reuse]
          Builds N demo enterprises (default 1,000,000: about ten minutes and 5 GB) into a SQLite
          file, imports fresh files into it, then times look-ups on the store.
          --reuse           keep and reuse an existing database of that size
          --generate-only   only time the demo generator
          --build-only      stop once the database is built
        """, values: ["--enterprises", "--database"], flags: ["--reuse", "--generate-only", "--build-only"])
let count = options.integer("--enterprises", default: 1_000_000, in: 100...10_000_000)
let path = options.text("--database") ?? ".build-bench/credit-\(count).sqlite"
let reuse = options.flag("--reuse")
let seed: UInt64 = 2007
let dataset = DemoDataset(seed: seed, count: DemoDataset.maximumCount)
let today = try CardDate(year: 2026, month: 11, day: 29)
let clock = ContinuousClock()

func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int64) ?? 0
}

say("Credit database at scale: \(count) demo enterprises (seed \(seed)), SQLite at \(path)")

if options.flag("--generate-only") {
    var records = 0
    let elapsed = try clock.measure {
        for index in 0..<count { records += try dataset.enterprise(index).records.count }
    }
    say("generated \(count) enterprises, \(records) records in \(format(seconds(elapsed), decimals: 2)) s")
    exit(0)
}

// 1. Build.
let exists = FileManager.default.fileExists(atPath: path)
if !reuse || !exists {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}
let store = try SQLCreditStore(path: path)
let admin: Account
if let existing = try await store.account(named: "admin") {
    admin = existing
} else {
    admin = try await store.createAccount(
        name: "admin", role: .admin,
        scope: RegionScope([try RegionCode("310000"), try RegionCode("320000"), try RegionCode("330000")]),
        passwordHash: nil, by: nil)
}
if !(reuse && exists) {
    var lastReport = ContinuousClock.now
    let build = try clock.measure {
        try store.loadDemo(dataset, range: 0..<count, batch: 20_000, by: admin) { done in
            if ContinuousClock.now - lastReport > .seconds(30) {
                lastReport = .now
                say("  … \(done) enterprises")
            }
        }
    }
    try store.close()
    say(
        "build: \(count) enterprises in \(format(seconds(build), decimals: 1)) s (\(Int(Double(count) / seconds(build))) enterprises/s)"
    )
}
let reopened = try SQLCreditStore(path: path)
let tallies = try reopened.tableCounts()
let totalRows = tallies.values.reduce(0, +)
say("rows: " + tallies.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
say(
    "size: \(format(Double(fileSize(path) + fileSize(path + "-wal")) / 1_073_741_824, decimals: 2)) GiB for \(totalRows) rows"
)

if options.flag("--build-only") { exit(0) }

// 2. Import throughput: fresh enterprises written as provincial files, imported into the big database
// (after what earlier runs added, when the database is reused).
let importCount = 20_000
/// The first block of `importCount` demo indices from `start` on that the database holds none of
/// (a reused database holds the blocks of earlier runs).
func freeBlock(from start: Int) async throws -> Int {
    var block = start
    while true {
        let first = try await reopened.enterprise(
            identifiedBy: try dataset.enterprise(block).enterprise.uscc.value, by: admin)
        let last = try await reopened.enterprise(
            identifiedBy: try dataset.enterprise(block + importCount - 1).enterprise.uscc.value, by: admin)
        if first == nil && last == nil { return block }
        block += importCount
    }
}
let present = try await freeBlock(from: count)
let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("store-benchmark-\(getpid())")
defer { try? FileManager.default.removeItem(at: folder) }
let files = try dataset.writeImportFiles(to: folder, range: present..<(present + importCount))
var importedRows = 0
var importSeconds = 0.0
var perEntity: [ImportEntity: (rows: Int, seconds: Double)] = [:]
for file in files {
    var summary: ImportSummary?
    let elapsed = try await clock.measure {
        summary = try await reopened.importFile(at: file, by: admin, progress: nil)
    }
    importedRows += summary!.rows
    importSeconds += seconds(elapsed)
    let entity = summary!.entity
    perEntity[entity, default: (0, 0)].rows += summary!.rows
    perEntity[entity, default: (0, 0)].seconds += seconds(elapsed)
}
// Baseline: as many enterprises again loaded directly (no parsing, no validation, no comparison with
// what is stored), counted in the same unit: the lines their import files would have.
let directStart = try await freeBlock(from: present + importCount)
let directRange = directStart..<(directStart + importCount)
let directRows = try directRange.reduce(0) { total, index in
    let demo = try dataset.enterprise(index)
    return total + 1 + demo.qualifications.count + demo.practitioners.count + demo.projects.count + demo.records.count
}
let directElapsed = try clock.measure {
    try reopened.loadDemo(dataset, range: directRange, batch: 20_000, by: admin)
}
say(
    "import: \(importedRows) rows from \(files.count) files in \(format(importSeconds)) s = \(Int(Double(importedRows) / importSeconds)) rows/s; "
        + "direct bulk load of the same kind of data: \(Int(Double(directRows) / seconds(directElapsed))) rows/s")
for entity in ImportEntity.allCases {
    if let item = perEntity[entity] {
        say("  \(pad(entity.rawValue, 15)) \(item.rows) rows, \(Int(Double(item.rows) / item.seconds)) rows/s")
    }
}

// 3. Look-ups on the store: uniformly random enterprises of the whole database.
var rng = SeededGenerator(seed: 99)
let samples = 20_000
let picks = try (0..<samples).map { _ in try dataset.enterprise(Int.random(in: 0..<count, using: &rng)) }
for pick in picks.prefix(500) {  // warm the page cache a little, as a running service would be
    _ = try await reopened.cardStatus(pick.card, by: admin)
}
func lookups(_ label: String, _ body: (DemoEnterprise) async throws -> Bool) async throws {
    var latencies: [Double] = []
    latencies.reserveCapacity(samples)
    var found = 0
    let total = try await clock.measure {
        for pick in picks {
            let start = ContinuousClock.now
            if try await body(pick) { found += 1 }
            latencies.append(seconds(ContinuousClock.now - start) * 1_000)
        }
    }
    latencies.sort()
    say(
        "\(pad(label, 14)) p50 \(format(percentile(latencies, 0.50), decimals: 3)) ms, p99 \(format(percentile(latencies, 0.99), decimals: 3)) ms, max \(format(latencies.last!, decimals: 1)) ms, \(Int(Double(samples) / seconds(total))) look-ups/s (one task), \(found)/\(samples) found"
    )
}
say("look-ups directly on the store, \(samples) random enterprises:")
try await lookups("card status") { try await reopened.cardStatus($0.card, by: admin) != nil }
try await lookups("current view") {
    try await reopened.currentView(of: $0.enterprise.uscc, on: today, by: admin) != nil
}
