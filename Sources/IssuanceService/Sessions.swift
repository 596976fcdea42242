import CreditStore
import Foundation
import HandbookCrypto

/// Bearer tokens handed out at login: 256 random bits each, kept in memory with their expiry (a
/// restart logs everyone out). Only a SHA-256 of each token is held, so a memory dump gives none.
public actor Sessions {
    public struct Session: Sendable {
        public let accountName: String
        public let expiresAt: Date
        /// The account as last read from the database, and when: requests within
        /// ``Sessions/accountRecheck`` of that reuse it instead of reading it again.
        public var account: Account?
        public var checkedAt: Date = .distantPast
    }

    /// How long a session trusts the account it read (disabling through the API ends sessions at
    /// once; a change made elsewhere, by the command line, takes effect within this time).
    public static let accountRecheck: TimeInterval = 5

    private var sessions: [[UInt8]: Session] = [:]
    private let lifetime: TimeInterval
    private let clock: @Sendable () -> Date
    /// The most sessions kept; the oldest expire first when more are opened.
    private let capacity = 10_000

    public init(lifetime: TimeInterval, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.lifetime = lifetime
        self.clock = clock
    }

    /// Opens a session; returns the token and its expiry.
    public func open(for account: String) throws -> (token: String, expiresAt: Date) {
        let token = try randomBytes(32)
        let now = clock()
        if sessions.count >= capacity {
            sessions = sessions.filter { $0.value.expiresAt > now }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                sessions[oldest.key] = nil
            }
        }
        let expiresAt = now.addingTimeInterval(lifetime)
        sessions[Digest.sha256.hash(token)] = Session(accountName: account, expiresAt: expiresAt)
        return (token.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(), expiresAt)
    }

    /// The session of a token, if it is known and not expired.
    public func session(for token: String) -> Session? {
        guard token.utf8.count == 64, let bytes = Self.bytes(hex: token) else { return nil }
        let key = Digest.sha256.hash(bytes)
        guard let session = sessions[key] else { return nil }
        guard session.expiresAt > clock() else {
            sessions[key] = nil
            return nil
        }
        return session
    }

    /// The session's account if it was read from the database recently enough.
    public func recentAccount(for token: String) -> Account? {
        guard let bytes = Self.bytes(hex: token), let session = sessions[Digest.sha256.hash(bytes)],
            clock().timeIntervalSince(session.checkedAt) < Self.accountRecheck
        else { return nil }
        return session.account
    }

    /// Notes the account as just read from the database.
    public func remember(_ account: Account, for token: String) {
        guard let bytes = Self.bytes(hex: token) else { return }
        let key = Digest.sha256.hash(bytes)
        sessions[key]?.account = account
        sessions[key]?.checkedAt = clock()
    }

    /// Ends a session.
    public func close(_ token: String) {
        guard let bytes = Self.bytes(hex: token) else { return }
        sessions[Digest.sha256.hash(bytes)] = nil
    }

    /// Ends every session of an account (when it is disabled).
    public func closeAll(of account: String) {
        sessions = sessions.filter { $0.value.accountName != account }
    }

    static func bytes(hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in hex.utf8 {
            let value: UInt8
            switch character {
            case 0x30...0x39: value = character - 0x30
            case 0x61...0x66: value = character - 0x61 + 10
            default: return nil
            }
            if let h = high {
                bytes.append(h << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return high == nil ? bytes : nil
    }
}

/// Failed logins, counted per account name and per client address: after `limit` failures within
/// `window`, further attempts are refused until the window has passed (a success clears the name).
public actor LoginThrottle {
    private var failures: [String: [Date]] = [:]
    private let limit: Int
    private let window: TimeInterval
    private let clock: @Sendable () -> Date

    public init(limit: Int = 5, window: TimeInterval = 900, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.limit = limit
        self.window = window
        self.clock = clock
    }

    /// Seconds until `keys` may try again, or nil if they may now.
    public func retryAfter(_ keys: [String]) -> Int? {
        let now = clock()
        var wait: TimeInterval = 0
        for key in keys {
            let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
            failures[key] = recent.isEmpty ? nil : recent
            if recent.count >= limit, let first = recent.first {
                wait = max(wait, window - now.timeIntervalSince(first))
            }
        }
        return wait > 0 ? Int(wait.rounded(.up)) : nil
    }

    public func failed(_ keys: [String]) {
        let now = clock()
        for key in keys {
            var recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
            recent.append(now)
            failures[key] = Array(recent.suffix(limit * 2))
        }
        if failures.count > 100_000 {
            failures = failures.filter { $0.value.last.map { now.timeIntervalSince($0) < window } ?? false }
        }
    }

    public func succeeded(_ key: String) { failures[key] = nil }
}
