import Foundation

/// A throughput measurement: run a closure in batches until each trial lasts long enough, repeat the
/// trials, and report the median rate, so a slow first run or a busy second core does not decide.
public struct Measurement: Sendable {
    public let label: String
    public let bytesPerIteration: Int
    public let secondsPerIteration: [Double]

    public var medianSeconds: Double {
        let sorted = secondsPerIteration.sorted()
        return sorted[sorted.count / 2]
    }

    /// Operations per second at the median.
    public var perSecond: Double { 1 / medianSeconds }

    public var megabytesPerSecond: Double { Double(bytesPerIteration) / medianSeconds / 1_000_000 }
}

public func measure(
    _ label: String, bytes: Int, trials: Int = 7, minimumTrial: Duration = .milliseconds(300), _ body: () -> Void
)
    -> Measurement
{
    let clock = ContinuousClock()
    // Warm up and find a batch size that lasts about the minimum trial time.
    var batch = 1
    while true {
        let elapsed = clock.measure { for _ in 0..<batch { body() } }
        if elapsed >= minimumTrial / 4 { break }
        batch *= 2
    }
    batch *= 4
    var samples: [Double] = []
    for _ in 0..<trials {
        let elapsed = clock.measure { for _ in 0..<batch { body() } }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        samples.append(seconds / Double(batch))
    }
    return Measurement(label: label, bytesPerIteration: bytes, secondsPerIteration: samples)
}

/// Keeps the optimiser from discarding a result.
@inline(never)
public func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// Pads `text` with spaces to `width` characters.
public func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// `value` rounded to `decimals` places.
public func format(_ value: Double, decimals: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    return String((value * scale).rounded() / scale)
}

/// Measures two closures with their trials interleaved (A, B, A, B, …), so that whatever else the
/// machine does during the run weighs on both alike; returns both measurements.
public func measurePair(
    _ first: (label: String, body: () -> Void), _ second: (label: String, body: () -> Void), bytes: Int,
    trials: Int = 9,
    minimumTrial: Duration = .milliseconds(300)
) -> (Measurement, Measurement) {
    let clock = ContinuousClock()
    func batchSize(_ body: () -> Void) -> Int {
        var batch = 1
        while clock.measure({ for _ in 0..<batch { body() } }) < minimumTrial / 4 { batch *= 2 }
        return batch * 4
    }
    let batches = (batchSize(first.body), batchSize(second.body))
    var samples: ([Double], [Double]) = ([], [])
    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
    for _ in 0..<trials {
        samples.0.append(seconds(clock.measure { for _ in 0..<batches.0 { first.body() } }) / Double(batches.0))
        samples.1.append(seconds(clock.measure { for _ in 0..<batches.1 { second.body() } }) / Double(batches.1))
    }
    return (
        Measurement(label: first.label, bytesPerIteration: bytes, secondsPerIteration: samples.0),
        Measurement(label: second.label, bytesPerIteration: bytes, secondsPerIteration: samples.1)
    )
}

/// Prints a line at once (unbuffered, also into a pipe).
public func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

public func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

public func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1_000 }

/// The `p` quantile (0…1) of `values`, in any order; NaN when there are none.
public func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
}

/// The port a server in the same process was given, set from its start-up callback.
final class PortBox: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = 0
    public init() {}
    public var port: Int { lock.withLock { value } }
    public func set(_ port: Int) { lock.withLock { value = port } }
}

/// A benchmark's command line, read as the project's tools read theirs: `--help` (or `-h`) prints
/// the usage and exits 0 before anything is built or measured; an unknown option, an option without
/// its value, or a number that does not parse exits 64 (EX_USAGE) with the usage.
public struct BenchmarkOptions: Sendable {
    public let usage: String
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    /// Parses `CommandLine.arguments` against the options that take a value and the flags.
    public init(usage: String, values known: [String] = [], flags knownFlags: [String] = []) {
        self.usage = usage
        var arguments = CommandLine.arguments.dropFirst()[...]
        while let argument = arguments.popFirst() {
            if argument == "--help" || argument == "-h" {
                say(usage)
                exit(0)
            } else if knownFlags.contains(argument) {
                flags.insert(argument)
            } else if known.contains(argument) {
                guard let value = arguments.popFirst() else { Self.refuse("\(argument) needs a value", usage) }
                values[argument] = value
            } else {
                Self.refuse("unknown option \(argument)", usage)
            }
        }
    }

    private static func refuse(_ problem: String, _ usage: String) -> Never {
        FileHandle.standardError.write(Data("\(problem)\n\(usage)\n".utf8))
        exit(64)
    }

    /// The text given for `name`, if any.
    public func text(_ name: String) -> String? { values[name] }

    /// Whether the flag was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The whole number given for `name` (within `range`), or `fallback`.
    public func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int> = 1...Int.max) -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            Self.refuse("\(name): a whole number from \(range.lowerBound) to \(range.upperBound) expected", usage)
        }
        return value
    }
}

/// Stops with a sentence instead of a backtrace when pcscd or the virtual reader is not there: the
/// card benchmarks need both (`scripts/pcscd.sh start`, which `make bench` runs).
public func requireReader(_ reader: String, present: () -> Bool) {
    guard present() else {
        FileHandle.standardError.write(
            Data(
                "this benchmark needs pcscd with the virtual reader \"\(reader)\" (scripts/pcscd.sh start; make bench starts it)\n"
                    .utf8))
        exit(69)
    }
}
