import Foundation
import HandbookCrypto

/// The console's browser sessions: a random 256-bit identifier in an HttpOnly, SameSite=Strict
/// cookie, a CSRF token of its own, an idle and an absolute lifetime. Only a SHA-256 of each
/// identifier is kept, in memory (a restart logs everyone out). The account behind a session is
/// read from the database at every request, so a disabled account stops at once.
public actor ConsoleSessions {
    struct Session: Sendable {
        let account: String
        let csrf: String
        let created: Date
        var lastSeen: Date
    }

    private var sessions: [[UInt8]: Session] = [:]
    /// Seconds without a request after which a session ends.
    public let idle: TimeInterval
    /// Seconds after login after which a session ends however busy it is.
    public let lifetime: TimeInterval
    private let clock: @Sendable () -> Date
    private let capacity = 10_000

    public init(idle: TimeInterval, lifetime: TimeInterval, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.idle = idle
        self.lifetime = lifetime
        self.clock = clock
    }

    /// Opens a session for `account`: its identifier and CSRF token.
    func open(for account: String) throws -> (id: String, csrf: String) {
        let id = hex(try randomBytes(32))
        let csrf = hex(try randomBytes(32))
        let now = clock()
        if sessions.count >= capacity {
            sessions = sessions.filter { isLive($0.value, now) }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastSeen < $1.value.lastSeen }) {
                sessions[oldest.key] = nil
            }
        }
        sessions[key(id)] = Session(account: account, csrf: csrf, created: now, lastSeen: now)
        return (id, csrf)
    }

    /// The live session of an identifier; a request through it counts as activity.
    func session(_ id: String) -> Session? {
        guard id.utf8.count == 64, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        let key = key(id)
        guard var session = sessions[key] else { return nil }
        let now = clock()
        guard isLive(session, now) else {
            sessions[key] = nil
            return nil
        }
        session.lastSeen = now
        sessions[key] = session
        return session
    }

    func close(_ id: String) { sessions[key(id)] = nil }

    /// Ends every session of an account (disabled, its role or regions changed, its password reset).
    func closeAll(of account: String) { sessions = sessions.filter { $0.value.account != account } }

    private func isLive(_ session: Session, _ now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeen) < idle && now.timeIntervalSince(session.created) < lifetime
    }

    private func key(_ id: String) -> [UInt8] { Digest.sha256.hash(Array(id.utf8)) }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
