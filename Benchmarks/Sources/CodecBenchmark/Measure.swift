/// A throughput measurement: run a closure in batches until each trial lasts long enough, repeat the
/// trials, and report the median rate, so a slow first run or a busy second core does not decide.
struct Measurement {
    let label: String
    let bytesPerIteration: Int
    let secondsPerIteration: [Double]

    var medianSeconds: Double {
        let sorted = secondsPerIteration.sorted()
        return sorted[sorted.count / 2]
    }

    var megabytesPerSecond: Double { Double(bytesPerIteration) / medianSeconds / 1_000_000 }
}

func measure(
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
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
