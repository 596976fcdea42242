import Foundation
import GRDB
import HandbookCodec
import HandbookCrypto

/// The append-only audit log. Each entry's hash is SHA-256 over the previous entry's hash and the
/// entry's own fields, each length-prefixed, so editing, removing or reordering any entry breaks
/// every hash after it. Triggers refuse UPDATE and DELETE; the chain catches whoever drops them.
enum AuditChain {
    static let genesis = [UInt8](repeating: 0, count: 32)

    static func json(_ detail: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(detail), as: UTF8.self)
    }

    /// The bytes hashed for one entry.
    static func hashInput(
        previous: [UInt8], id: Int64, at: Int64, account: String, action: String, subject: String, detail: String,
        revision: Int64
    ) -> [UInt8] {
        var bytes = previous
        func append(_ value: Int64) { withUnsafeBytes(of: value.bigEndian) { bytes += $0 } }
        func append(_ text: String) {
            append(Int64(text.utf8.count))
            bytes += text.utf8
        }
        append(id)
        append(at)
        append(account)
        append(action)
        append(subject)
        append(detail)
        append(revision)
        return bytes
    }

    static func append(
        _ db: Database, at: Int64, account: String, action: String, subject: String, detail: String,
        revision: UInt64
    ) throws {
        let last = try Row.fetchOne(db, sql: "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        let previous: [UInt8] = last.map { [UInt8]($0["hash"] as Data) } ?? genesis
        let id: Int64 = (last?["id"] ?? 0) + 1
        let hash = Digest.sha256.hash(
            hashInput(
                previous: previous, id: id, at: at, account: account, action: action, subject: subject,
                detail: detail, revision: Int64(revision)))
        try db.execute(
            sql: """
                INSERT INTO audit_log (id, at, account, action, subject, detail, revision, previous_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [id, at, account, action, subject, detail, Int64(revision), Data(previous), Data(hash)])
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func entry(_ row: Row) -> AuditEntry {
        AuditEntry(
            id: row["id"], at: CardTimestamp(secondsSince1970: row["at"]), account: row["account"],
            action: row["action"], subject: row["subject"], detail: row["detail"],
            revision: UInt64(row["revision"] as Int64), previousHash: hex(row["previous_hash"] as Data),
            hash: hex(row["hash"] as Data))
    }

    static func entries(_ db: Database, after: Int64, limit: Int) throws -> [AuditEntry] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit]
        ).map(entry)
    }

    /// The newest entry's hash, hex (zeros for an empty log).
    static func head(_ db: Database) throws -> String {
        hex(try Data.fetchOne(db, sql: "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1") ?? Data(genesis))
    }

    static func verify(_ db: Database) throws -> AuditVerification {
        var previous = genesis
        var expectedID: Int64 = 1
        var count = 0
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY id")
        while let row = try cursor.next() {
            let id: Int64 = row["id"]
            let stored = [UInt8](row["hash"] as Data)
            let storedPrevious = [UInt8](row["previous_hash"] as Data)
            func broken(_ problem: String) -> AuditVerification {
                AuditVerification(entries: count, head: hex(previous), firstBrokenEntry: id, problem: problem)
            }
            guard id == expectedID else {
                return broken("entry \(expectedID) is missing: the next entry is \(id)")
            }
            guard storedPrevious == previous else {
                return broken("entry \(id) does not follow entry \(id - 1): its previous hash differs")
            }
            let computed = Digest.sha256.hash(
                hashInput(
                    previous: previous, id: id, at: row["at"], account: row["account"], action: row["action"],
                    subject: row["subject"], detail: row["detail"], revision: row["revision"]))
            guard computed == stored else {
                return broken("entry \(id) was altered: its fields no longer hash to its stored hash")
            }
            previous = stored
            expectedID += 1
            count += 1
        }
        return AuditVerification(entries: count, head: hex(previous), firstBrokenEntry: nil, problem: nil)
    }
}
