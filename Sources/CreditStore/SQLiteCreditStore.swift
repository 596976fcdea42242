import Foundation
import GRDB
import HandbookCodec
import HandbookCrypto

/// The embedded credit database: one SQLite file in WAL mode with foreign keys on, created and
/// migrated on first open. Reads run concurrently on snapshots; writes are serialised, each one
/// transaction.
public final class SQLiteCreditStore: CreditStore {
    let pool: DatabasePool
    /// The clock the store stamps changes with; tests give their own.
    let clock: @Sendable () -> Date
    /// The file's path.
    public let path: String
    /// The page cache of each connection, in SQLite's negative-KiB form.
    static let writerCacheKiB = -65_536

    /// Opens (creating and migrating if needed) the database at `path`.
    public init(path: String, clock: @escaping @Sendable () -> Date = { Date() }) throws(StoreError) {
        self.path = path
        self.clock = clock
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "CreditStore"
        configuration.prepareDatabase { db in
            // 64 MB of page cache per connection instead of SQLite's 2 MB: look-ups in a database
            // of a million enterprises then mostly stay in memory.
            try db.execute(sql: "PRAGMA cache_size = \(Self.writerCacheKiB)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.database, "cannot open the credit database \(path): \(Self.reason(error))")
        }
        try Self.migrate(pool, path: path)
    }

    /// Opens a database migrated only up to `version` (one of ``Schema/versions``): how a test makes
    /// a database of an earlier program.
    static func openAtVersion(_ version: String, path: String) throws -> DatabasePool {
        let pool = try DatabasePool(path: path)
        try Schema.migrator.migrate(pool, upTo: version)
        return pool
    }

    private static func migrate(_ pool: DatabasePool, path: String) throws(StoreError) {
        let migrator = Schema.migrator
        do {
            let applied = try pool.read { try migrator.appliedIdentifiers($0) }
            let unknown = applied.subtracting(migrator.migrations)
            guard unknown.isEmpty else {
                throw StoreError(
                    .incompatibleDatabase,
                    "\(path) was written by a newer program (migrations \(unknown.sorted().joined(separator: ", "))); use that program or a newer one"
                )
            }
            try migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "cannot migrate the credit database \(path): \(Self.reason(error))")
        }
    }

    /// The migrations this program knows and the ones the file has.
    public func schemaVersions() throws(StoreError) -> (known: [String], applied: [String]) {
        let applied = try read { db in try Schema.migrator.appliedMigrations(db) }
        return (Schema.versions, applied)
    }

    /// Checkpoints the WAL into the main file and closes the database.
    public func close() throws(StoreError) {
        do {
            _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            try pool.close()
        } catch {
            throw StoreError(.database, "closing \(path): \(Self.reason(error))")
        }
    }

    // MARK: Transactions

    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "SQLite error \(error.resultCode)"
        }
        return "\(error)"
    }

    static func mapped(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_FOREIGNKEY:
                return StoreError(.invalidInput, "a reference to something that does not exist (\(reason(error)))")
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
                return StoreError(.conflict, "already exists (\(reason(error)))")
            default:
                return StoreError(.database, "SQLite: \(reason(error))")
            }
        }
        return StoreError(.database, "\(error)")
    }

    /// One write transaction; every error becomes a ``StoreError`` and rolls it back.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    /// One read transaction on a snapshot.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    // MARK: Revision and audit

    var now: Int64 { Int64(clock().timeIntervalSince1970.rounded(.down)) }

    static func currentRevision(_ db: Database) throws -> UInt64 {
        UInt64(try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'revision'") ?? 0)
    }

    /// Increments the revision and appends the audit entry of a change; returns the new revision.
    @discardableResult
    func change(_ db: Database, by account: String, _ action: String, _ subject: String, _ detail: [String: String])
        throws -> UInt64
    {
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'revision'")
        let revision = try Self.currentRevision(db)
        try AuditChain.append(
            db, at: now, account: account, action: action, subject: subject, detail: AuditChain.json(detail),
            revision: revision)
        return revision
    }

    public func revision() async throws(StoreError) -> UInt64 {
        try read { try Self.currentRevision($0) }
    }

    public func auditEntries(after: Int64, limit: Int) async throws(StoreError) -> [AuditEntry] {
        try read { db in try AuditChain.entries(db, after: after, limit: max(0, min(limit, 10_000))) }
    }

    public func verifyAuditChain() async throws(StoreError) -> AuditVerification {
        try read { db in try AuditChain.verify(db) }
    }

    // MARK: Accounts

    public func createAccount(
        name: String, role: Role, scope: RegionScope, passwordHash: String?, by actor: Account?
    ) async throws(StoreError) -> Account {
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
        else {
            throw StoreError(
                .invalidInput, "account name \"\(name)\": 1–64 letters, digits, '-', '_' or '.' expected")
        }
        return try write { db in
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM accounts") ?? 0
            let actorName: String
            if let actor {
                try self.requireCurrent(actor, db)
                try actor.authorise([.admin], for: nil, to: "create accounts")
                actorName = actor.name
            } else {
                guard count == 0 else {
                    throw StoreError(.forbidden, "only an admin account may create accounts")
                }
                guard role == .admin else {
                    throw StoreError(.invalidInput, "the first account of a database must be an admin")
                }
                actorName = "init"
            }
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE name = ?", arguments: [name]) == nil else {
                throw StoreError(.conflict, "an account named \(name) already exists")
            }
            try db.execute(
                sql: "INSERT INTO accounts (name, role, regions, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, role.rawValue, scope.description, passwordHash, self.now])
            let id = db.lastInsertedRowID
            try self.change(
                db, by: actorName, "account.create", name, ["role": role.rawValue, "regions": scope.description])
            return Account(id: id, name: name, role: role, scope: scope, disabled: false)
        }
    }

    static func account(_ row: Row) throws -> Account {
        let regions: String = row["regions"]
        return Account(
            id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .inspector,
            scope: try RegionScope(parsing: regions), disabled: row["disabled"])
    }

    public func account(named name: String) async throws(StoreError) -> Account? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE name = ?", arguments: [name]).map(Self.account)
        }
    }

    public func passwordHash(ofAccount name: String) async throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM accounts WHERE name = ?", arguments: [name])
        }
    }

    public func accounts() async throws(StoreError) -> [Account] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY name").map(Self.account) }
    }

    public func setDisabled(_ disabled: Bool, account name: String, by actor: Account) async throws(StoreError)
        -> Account
    {
        try write { db in
            try self.requireCurrent(actor, db)
            try actor.authorise([.admin], for: nil, to: "disable accounts")
            try db.execute(
                sql: "UPDATE accounts SET disabled = ? WHERE name = ?", arguments: [disabled, name])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no account named \(name)") }
            try self.change(db, by: actor.name, disabled ? "account.disable" : "account.enable", name, [:])
            return try Self.account(
                try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE name = ?", arguments: [name])!)
        }
    }

    /// Checks the actor against the database, not only the value the caller holds: an account
    /// disabled since its token was issued acts no more.
    func requireCurrent(_ actor: Account, _ db: Database) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE id = ?", arguments: [actor.id]) else {
            throw StoreError(.unknownAccount, "account \(actor.name) does not exist")
        }
        let stored = try Self.account(row)
        guard stored.name == actor.name, stored.role == actor.role, stored.scope == actor.scope else {
            throw StoreError(.unknownAccount, "account \(actor.name) has changed; log in again")
        }
        guard !stored.disabled else { throw StoreError(.unknownAccount, "account \(actor.name) is disabled") }
    }

    // MARK: Enterprises

    public func enterprise(identifiedBy key: String) async throws(StoreError) -> Enterprise? {
        try read { db in
            let uscc =
                try String.fetchOne(db, sql: "SELECT uscc FROM enterprises WHERE uscc = ?", arguments: [key])
                ?? String.fetchOne(
                    db, sql: "SELECT uscc FROM enterprise_aliases WHERE value = ? ORDER BY kind LIMIT 1",
                    arguments: [key.replacingOccurrences(of: "-", with: "")])
            guard let uscc else { return nil }
            return try Self.enterprise(db, uscc: uscc)
        }
    }

    public func enterprises(namePrefix prefix: String, limit: Int) async throws(StoreError) -> [Enterprise] {
        guard !prefix.isEmpty else { throw StoreError(.invalidInput, "a name prefix of at least one character") }
        return try read { db in
            let usccs = try String.fetchAll(
                db, sql: "SELECT uscc FROM enterprises WHERE name >= ? AND name < ? ORDER BY name LIMIT ?",
                arguments: [prefix, prefix + "\u{10FFFF}", max(1, min(limit, 200))])
            return try usccs.compactMap { try Self.enterprise(db, uscc: $0) }
        }
    }

    static func enterprise(_ db: Database, uscc: String) throws -> Enterprise? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM enterprises WHERE uscc = ?", arguments: [uscc])
        else { return nil }
        var enterprise = Enterprise(
            uscc: try USCC(row["uscc"], mode: .lenient), name: row["name"],
            legalRepresentative: row["legal_representative"],
            registeredRegion: try RegionCode(row["registered_region"]))
        for alias in try Row.fetchAll(
            db, sql: "SELECT kind, value FROM enterprise_aliases WHERE uscc = ?", arguments: [uscc])
        {
            let kind: String = alias["kind"]
            let value: String = alias["value"]
            if kind == "organization-code" {
                enterprise.organizationCode = try OrganizationCode(value)
            } else {
                enterprise.registrationNumber = try RegistrationNumber(value)
            }
        }
        return enterprise
    }
}

extension SQLiteCreditStore {
    /// The number of rows of each table, for reports and benchmarks.
    public func tableCounts() throws(StoreError) -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            for table in try String.fetchAll(
                db,
                sql:
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'"
            ) {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"") ?? 0
            }
            return counts
        }
    }
}
