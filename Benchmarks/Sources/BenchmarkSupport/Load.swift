import Foundation

/// Latency quantiles and throughput of a load.
public struct LoadFigures: Sendable {
    public var p50: Double
    public var p99: Double
    public var perSecond: Double

    public init(p50: Double, p99: Double, perSecond: Double) {
        self.p50 = p50
        self.p99 = p99
        self.perSecond = perSecond
    }
}

/// `wrk` against `http://127.0.0.1:port`, requesting `paths` in turn (a Lua script), with
/// `connections` connections for `seconds`; each request carries `headers`.
public func wrkLoad(
    port: Int, paths: [String], connections: Int, seconds: Int, headers: [String: String] = [:]
) throws -> LoadFigures {
    let script = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(getpid()).lua")
    let list = paths.map { "\"\($0)\"" }.joined(separator: ",")
    let headerTable = headers.map { "[\"\($0.key)\"] = \"\($0.value)\"" }.joined(separator: ", ")
    try """
    local paths = {\(list)}
    local i = 0
    request = function()
      i = i + 1
      return wrk.format("GET", paths[(i % #paths) + 1], {\(headerTable)})
    end
    """.write(to: script, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: script) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "wrk", "-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script.path, "http://127.0.0.1:\(port)",
    ]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    func milliseconds(_ label: String) -> Double {
        guard
            let line = text.split(separator: "\n").first(where: {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix(label)
            }),
            let value = line.split(separator: " ").last
        else { return .nan }
        let number = Double(value.filter { $0.isNumber || $0 == "." }) ?? .nan
        if value.hasSuffix("us") { return number / 1_000 }
        if value.hasSuffix("ms") { return number }
        return number * 1_000
    }
    let rate =
        text.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }.flatMap {
            Double($0.split(separator: " ").last ?? "")
        } ?? .nan
    if text.contains("Non-2xx") { say("  wrk saw non-2xx answers:\n\(text)") }
    return LoadFigures(p50: milliseconds("50%"), p99: milliseconds("99%"), perSecond: rate)
}

/// The same work made directly, `connections` tasks at a time for `seconds`, over `items` in turn.
public func concurrentLoad<T: Sendable>(
    _ items: [T], connections: Int, seconds: Int, _ body: @escaping @Sendable (T) async throws -> Void
) async throws -> LoadFigures {
    let deadline = ContinuousClock.now + .seconds(seconds)
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for worker in 0..<connections {
            group.addTask {
                var mine: [Double] = []
                var index = worker
                while ContinuousClock.now < deadline {
                    let start = ContinuousClock.now
                    try await body(items[index % items.count])
                    mine.append(milliseconds(ContinuousClock.now - start))
                    index += connections
                }
                return mine
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all
    }
    return LoadFigures(
        p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99),
        perSecond: Double(latencies.count) / Double(seconds))
}
