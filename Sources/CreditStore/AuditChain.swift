import Foundation
import HandbookCodec
import HandbookCrypto

/// The append-only audit log. Each entry's hash is SHA-256 over the previous entry's hash and the
/// entry's own fields, each length-prefixed, so editing, removing or reordering any entry breaks
/// every hash after it. Triggers refuse UPDATE and DELETE; the chain catches whoever drops them.
enum AuditChain {
    static let genesis = [UInt8](repeating: 0, count: 32)

    /// The detail object as JSON. Written by hand rather than through JSONEncoder, which can throw:
    /// string keys and values always encode.
    static func json(_ detail: [String: String]) -> String {
        "{"
            + detail.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            .joined(separator: ",") + "}"
    }

    /// A JSON string literal of `text` (RFC 8259: quotation mark, backslash and controls escaped).
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// The bytes hashed for one entry. The region, which entries carry since migration v4, is
    /// hashed when it is set: entries written before keep their hashes.
    static func hashInput(
        previous: [UInt8], id: Int64, at: Int64, account: String, action: String, subject: String, detail: String,
        revision: Int64, region: String?
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
        if let region { append(region) }
        return bytes
    }

    static func append(
        _ db: any SQLSession, at: Int64, account: String, action: String, subject: String, region: String?,
        detail: String, revision: UInt64
    ) throws {
        guard let storedRevision = Int64(exactly: revision) else {
            throw StoreError(.database, "revision \(revision) does not fit the database")
        }
        let last = try SQLRow.fetchOne(db, sql: "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        let previous: [UInt8] = try last.map { [UInt8](try $0["hash"] as Data) } ?? genesis
        let id: Int64 = (try last?["id"] ?? 0) + 1
        let hash = Digest.sha256.hash(
            hashInput(
                previous: previous, id: id, at: at, account: account, action: action, subject: subject,
                detail: detail, revision: storedRevision, region: region))
        try db.execute(
            sql: """
                INSERT INTO audit_log (id, at, account, action, subject, detail, revision, previous_hash, hash, region)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, at, account, action, subject, detail, storedRevision, Data(previous), Data(hash), region,
            ])
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func entry(_ row: SQLRow) throws -> AuditEntry {
        AuditEntry(
            id: try row["id"], at: CardTimestamp(secondsSince1970: try row["at"]), account: try row["account"],
            action: try row["action"], subject: try row["subject"], region: try row["region"],
            detail: try row["detail"],
            revision: try SQLCreditStore.revision(row["revision"]), previousHash: hex(try row["previous_hash"] as Data),
            hash: hex(try row["hash"] as Data))
    }

    /// The entries after `after` that `actor` may read (those of its regions), at most `limit`.
    static func entries(_ db: any SQLSession, after: Int64, limit: Int, visibleTo actor: Account) throws -> [AuditEntry]
    {
        var result: [AuditEntry] = []
        let cursor = try SQLRow.fetchCursor(
            db, sql: "SELECT * FROM audit_log WHERE id > ? ORDER BY id", arguments: [after])
        while result.count < limit, let row = try cursor.next() {
            let region: String? = try row["region"]
            guard actor.sees(try region.map { try RegionCode($0) }) else { continue }
            result.append(try entry(row))
        }
        return result
    }

    /// The newest entry's hash, hex (zeros for an empty log).
    static func head(_ db: any SQLSession) throws -> String {
        hex(try Data.fetchOne(db, sql: "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1") ?? Data(genesis))
    }

    static func verify(_ db: any SQLSession) throws -> AuditVerification {
        var previous = genesis
        var expectedID: Int64 = 1
        var count = 0
        let cursor = try SQLRow.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY id")
        while let row = try cursor.next() {
            let id: Int64 = try row["id"]
            let stored = [UInt8](try row["hash"] as Data)
            let storedPrevious = [UInt8](try row["previous_hash"] as Data)
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
                    previous: previous, id: id, at: try row["at"], account: try row["account"],
                    action: try row["action"],
                    subject: try row["subject"], detail: try row["detail"], revision: try row["revision"],
                    region: try row["region"]))
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
