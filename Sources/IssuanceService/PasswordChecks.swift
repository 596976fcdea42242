import CodedErrors
import CreditStore
import Foundation
import HandbookCrypto
import NIOPosix
import Synchronization

/// Checks login passwords on threads of their own, so that scrypt (tens of milliseconds of CPU and
/// 32 MiB each) never runs on the threads that serve requests: a burst of logins slows logins,
/// not `/v1/health` or card status.
///
/// At most ``threads`` checks run at once; at most ``queueLimit`` more wait, and beyond that a login
/// is refused at once (`429 AUTH_BUSY`) rather than queued without bound. A login for a name that
/// does not exist, or a disabled one, runs the same scrypt against a decoy hash, so that the time of
/// an answer says nothing about which names exist.
public final class PasswordChecks: Sendable {
    /// The threads that run scrypt.
    public let threads: Int
    /// The checks that may wait for a thread.
    public let queueLimit: Int
    private let pool: NIOThreadPool
    private let waiting = Mutex(0)

    /// The scrypt cost of new hashes (``PasswordHash/defaultCost`` unless told otherwise).
    public let cost: (n: UInt64, r: UInt64, p: UInt64)
    /// A hash of a random password nobody knows, at the cost of new hashes: checked when there is
    /// no account's hash to check, for equal work.
    public let decoyHash: String

    /// A decoy made in advance at the default cost, for the unlikely case that OpenSSL cannot make one.
    static let defaultDecoy =
        "scrypt$32768$8$1$ZwqT1mN+C89NvV1w4912fQ==$Ej5dsP+CBv1e4v7YnJHVZBoZEqCJwmiJy36JKs898Bg="

    public init(
        threads: Int = 2, queueLimit: Int = 128, cost: (n: UInt64, r: UInt64, p: UInt64) = PasswordHash.defaultCost
    ) {
        self.threads = max(1, threads)
        self.queueLimit = max(0, queueLimit)
        self.cost = cost
        decoyHash = (try? PasswordHash.make(UUID().uuidString, cost: cost)) ?? Self.defaultDecoy
        pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    deinit { try? pool.syncShutdownGracefully() }

    /// Runs `work` (scrypt) on the password threads, within the same bound as the checks.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = waiting.withLock { count -> Bool in
            guard count < threads + queueLimit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw ServiceError(.rateLimited, "AUTH_BUSY", "too many passwords are being checked; try again in a second")
        }
        defer { waiting.withLock { $0 -= 1 } }
        return try await pool.runIfActive(work)
    }

    /// Whether `password` matches `hash`; with no hash (no such account, or disabled), the same work
    /// against the decoy, and false.
    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let stored = hash ?? decoyHash
        let matches = try await run { PasswordHash.verify(password, against: stored) }
        return hash != nil && matches
    }
}

/// Failed logins, throttled per (account name, client address) with a back-off that doubles with
/// each failure, and per client address across names: a wrong password from one place never locks
/// the account for everyone else, and a client spraying many names is slowed all the same. A
/// success clears its (name, address) pair.
public actor LoginThrottle {
    struct Failures {
        var count: Int
        var last: Date
    }
    private var byPair: [String: Failures] = [:]
    private var byAddress: [String: Failures] = [:]
    /// Failures of one (name, address) before the back-off starts.
    private let freeFailures: Int
    /// Failures from one address, over all names, before its back-off starts.
    private let freeAddressFailures: Int
    /// The longest back-off, and how long failures are remembered.
    private let window: TimeInterval
    private let clock: @Sendable () -> Date

    public init(
        freeFailures: Int = 3, freeAddressFailures: Int = 20, window: TimeInterval = 900,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.freeFailures = freeFailures
        self.freeAddressFailures = freeAddressFailures
        self.window = window
        self.clock = clock
    }

    /// Seconds until `name` may try again from `address`, or nil if it may now.
    public func retryAfter(name: String, address: String) -> Int? {
        let now = clock()
        let waits = [
            wait(byPair[pair(name, address)], free: freeFailures, now: now),
            wait(byAddress[address], free: freeAddressFailures, now: now),
        ].compactMap { $0 }
        return waits.max()
    }

    /// Notes a failed attempt.
    public func failed(name: String, address: String) {
        let now = clock()
        note(&byPair[pair(name, address)], now: now)
        note(&byAddress[address], now: now)
        if byPair.count + byAddress.count > 100_000 {
            byPair = byPair.filter { now.timeIntervalSince($0.value.last) < window }
            byAddress = byAddress.filter { now.timeIntervalSince($0.value.last) < window }
        }
    }

    /// Notes a successful login: the pair starts afresh.
    public func succeeded(name: String, address: String) { byPair[pair(name, address)] = nil }

    private func pair(_ name: String, _ address: String) -> String { name.lowercased() + "\u{0}" + address }

    private func note(_ failures: inout Failures?, now: Date) {
        if let current = failures, now.timeIntervalSince(current.last) < window {
            failures = Failures(count: current.count + 1, last: now)
        } else {
            failures = Failures(count: 1, last: now)
        }
    }

    /// 2^(failures − free) seconds after the last failure, at most the window.
    private func wait(_ failures: Failures?, free: Int, now: Date) -> Int? {
        guard let failures, failures.count >= free, now.timeIntervalSince(failures.last) < window else { return nil }
        let backOff = min(window, pow(2, Double(min(failures.count - free, 20))))
        let remaining = backOff - now.timeIntervalSince(failures.last)
        return remaining > 0 ? Int(remaining.rounded(.up)) : nil
    }
}
