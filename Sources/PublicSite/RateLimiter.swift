import Foundation
import Hummingbird
import Synchronization

/// Per-address token buckets: each address may make `burst` requests at once and `perSecond` a
/// second after that; beyond, 429 with Retry-After. The table of addresses is bounded: when full,
/// the buckets that have refilled are dropped first.
public final class RateLimiter: Sendable {
    public let burst: Double
    public let perSecond: Double
    let maximumAddresses: Int
    let clock: @Sendable () -> ContinuousClock.Instant
    private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    public init(
        burst: Double = 60, perSecond: Double = 20, maximumAddresses: Int = 50_000,
        clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.burst = burst
        self.perSecond = perSecond
        self.maximumAddresses = maximumAddresses
        self.clock = clock
    }

    /// Takes a token for `address`: nil when allowed, else the seconds to wait.
    public func take(_ address: String) -> Int? {
        let now = clock()
        return buckets.withLock { table -> Int? in
            var bucket = table[address] ?? (tokens: burst, at: now)
            let elapsed = now - bucket.at
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * perSecond)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                table[address] = bucket
                // Bounded before the conversion: a rate near zero must not make an infinite wait.
                let wait = ((1 - bucket.tokens) / max(perSecond, 1e-6)).rounded(.up)
                return Int(min(max(wait, 1), 3_600))
            }
            bucket.tokens -= 1
            if table[address] == nil && table.count >= maximumAddresses {
                // Full: forget the addresses whose buckets would be full again by now.
                table = table.filter { _, value in
                    let idle = now - value.at
                    return value.tokens + Double(idle.components.seconds) * perSecond < burst
                }
                if table.count >= maximumAddresses { table.removeAll(keepingCapacity: true) }
            }
            table[address] = bucket
            return nil
        }
    }
}

struct RateLimit: RouterMiddleware {
    typealias Context = PublicContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if let wait = limiter.take(context.clientAddress) {
            throw PublicFailure(
                status: .tooManyRequests, headingKey: "tooMany", messageKey: "tooManyMessage", retryAfter: wait)
        }
        return try await next(request, context)
    }
}
