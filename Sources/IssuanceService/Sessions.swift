import CodedErrors
import CreditStore
import Foundation
import HandbookCrypto

/// Bearer tokens handed out at login: 256 random bits each, kept in memory with their expiry (a
/// restart logs everyone out). Only a SHA-256 of each token is held, so a memory dump gives none.
/// The account behind a token is read from the database at every request, so disabling an account
/// (through the API or the command line) ends its sessions at once.
public actor Sessions {
    public struct Session: Sendable {
        public let accountName: String
        public let expiresAt: Date
    }

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
