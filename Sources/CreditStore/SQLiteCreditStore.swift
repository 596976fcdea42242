import CodedErrors
import Foundation
import GRDB
import HandbookCodec
import HandbookConfiguration
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
    /// Seconds a write waits for the lock another process holds.
    static let busyTimeout: TimeInterval = 30

    /// Opens (creating and migrating if needed) the database at `path`.
    public init(path: String, clock: @escaping @Sendable () -> Date = { Date() }) throws(StoreError) {
        self.path = path
        self.clock = clock
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // A write waits this long for another process's write (an import from the command line)
        // before it fails with STORE_BUSY.
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "CreditStore"
        configuration.prepareDatabase { db in
            // 64 MB of page cache per connection instead of SQLite's 2 MB: look-ups in a database
            // of a million enterprises then mostly stay in memory.
            try db.execute(sql: "PRAGMA cache_size = \(Self.writerCacheKiB)")
            // The name-search triggers call it on every write of a name.
            db.add(function: NameSearch.function)
        }
        do {
            // The file (and the -wal and -shm files SQLite creates with its mode) readable by the
            // owner only: it holds password hashes and full identity numbers.
            try PrivateFile.prepare(path)
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
        let applied = try readBlocking { db in try Schema.migrator.appliedMigrations(db) }
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
                if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                    return StoreError(
                        .busy,
                        "the credit database stayed busy past \(Int(busyTimeout)) s (another process is writing); try again"
                    )
                }
                return StoreError(.database, "SQLite: \(reason(error))")
            }
        }
        if error is CancellationError {
            return StoreError(.busy, "the request was cancelled while it waited for the database")
        }
        return StoreError(.database, "\(error)")
    }

    /// One write transaction, awaited: GRDB runs it on its writer's own thread, so a request waiting
    /// for the database holds no thread of the cooperative pool. Every error becomes a
    /// ``StoreError`` and rolls the transaction back.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    /// One read transaction on a snapshot, awaited on one of GRDB's reader threads.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    /// One write transaction on the calling thread: for command-line tools and set-up code that
    /// run outside any request.
    func writeBlocking<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    /// One read transaction on the calling thread (command-line tools, set-up code, long exports
    /// that run on a thread of their own).
    func readBlocking<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    // MARK: Revision and audit

    var now: Int64 { CardTimestamp(clock()).secondsSince1970 }

    static func currentRevision(_ db: Database) throws -> UInt64 {
        try revision(Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'revision'") ?? 0)
    }

    /// A revision as stored (SQLite integers are signed); a negative one means the file was tampered with.
    static func revision(_ stored: Int64) throws -> UInt64 {
        guard let value = UInt64(exactly: stored) else {
            throw StoreError(
                .database, "a revision of \(stored) in the database: the file was altered outside the program")
        }
        return value
    }

    /// Increments the revision and appends the audit entry of a change; returns the new revision.
    /// `region` is where the change belongs (who may read its audit entry); nil for changes of no
    /// one region, which only accounts of the whole platform read.
    @discardableResult
    func change(
        _ db: Database, by account: String, _ action: String, _ subject: String, region: RegionCode?,
        _ detail: [String: String]
    ) throws -> UInt64 {
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'revision'")
        let revision = try Self.currentRevision(db)
        try AuditChain.append(
            db, at: now, account: account, action: action, subject: subject, region: region?.code,
            detail: AuditChain.json(detail), revision: revision)
        return revision
    }

    public func revision() async throws(StoreError) -> UInt64 {
        try await read { try Self.currentRevision($0) }
    }

    public func auditEntries(after: Int64, limit: Int, by actor: Account) async throws(StoreError) -> [AuditEntry] {
        try actor.require(.readAudit)
        return try await read { db in
            try self.requireCurrent(actor, db)
            return try AuditChain.entries(db, after: after, limit: max(0, min(limit, 10_000)), visibleTo: actor)
        }
    }

    public func verifyAuditChain(by actor: Account) async throws(StoreError) -> AuditVerification {
        try actor.require(.readAudit)
        return try await read { db in try AuditChain.verify(db) }
    }

    // MARK: Accounts

    public func createAccount(
        name: String, role: Role, scope: RegionScope, passwordHash: String?, by actor: Account?
    ) async throws(StoreError) -> Account {
        try Credentials.validate(name: name)
        if let actor { try Self.requireManages(actor, scope) }
        return try await write { db in
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM accounts") ?? 0
            let actorName: String
            if let actor {
                try self.requireCurrent(actor, db)
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
            // Names are compared without case: a second account may not look like the first.
            guard
                try Int.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE lower(name) = lower(?)", arguments: [name])
                    == nil
            else {
                throw StoreError(.conflict, "an account named \(name) already exists")
            }
            try db.execute(
                sql: "INSERT INTO accounts (name, role, regions, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, role.rawValue, scope.description, passwordHash, self.now])
            let id = db.lastInsertedRowID
            try self.change(
                db, by: actorName, "account.create", name, region: scope.single,
                ["role": role.rawValue, "regions": scope.description])
            return Account(id: id, name: name, role: role, scope: scope, disabled: false)
        }
    }

    /// Throws unless `actor` is an admin whose regions hold every region of `scope`: an admin
    /// manages only accounts inside its own regions and never grants a region it does not hold.
    static func requireManages(_ actor: Account, _ scope: RegionScope) throws(StoreError) {
        try actor.require(.manageAccounts)
        guard actor.scope.contains(scope) else {
            throw StoreError(
                .forbidden,
                "account \(actor.name) acts for \(actor.scope); it may not manage an account of \(scope), which lies outside its regions"
            )
        }
    }

    /// The account named `name` for `actor` to manage: as if absent when it lies outside the
    /// actor's regions, so that an admin learns nothing of other provinces' accounts.
    func managedAccount(_ db: Database, _ name: String, by actor: Account) throws -> Account {
        try actor.require(.manageAccounts)
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE name = ?", arguments: [name]),
            case let account = try Self.account(row), actor.scope.contains(account.scope)
        else { throw StoreError(.notFound, "no account named \(LogText.escaped(name, limit: 64))") }
        return account
    }

    static func account(_ row: Row) throws -> Account {
        let regions: String = row["regions"]
        return Account(
            id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .inspector,
            scope: try RegionScope(parsing: regions), disabled: row["disabled"])
    }

    public func account(named name: String) async throws(StoreError) -> Account? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE name = ?", arguments: [name]).map(Self.account)
        }
    }

    public func passwordHash(ofAccount name: String) async throws(StoreError) -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM accounts WHERE name = ?", arguments: [name])
        }
    }

    public func accounts(by actor: Account) async throws(StoreError) -> [Account] {
        try actor.require(.manageAccounts)
        return try await read { db in
            try self.requireCurrent(actor, db)
            return try Row.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY name").map(Self.account).filter {
                actor.scope.contains($0.scope)
            }
        }
    }

    public func setDisabled(_ disabled: Bool, account name: String, by actor: Account) async throws(StoreError)
        -> Account
    {
        try await write { db in
            try self.requireCurrent(actor, db)
            var account = try self.managedAccount(db, name, by: actor)
            guard account.name != actor.name else {
                throw StoreError(.conflict, "an admin does not disable or enable its own account")
            }
            try db.execute(sql: "UPDATE accounts SET disabled = ? WHERE id = ?", arguments: [disabled, account.id])
            try self.change(
                db, by: actor.name, disabled ? "account.disable" : "account.enable", name,
                region: account.scope.single, [:])
            account = Account(
                id: account.id, name: account.name, role: account.role, scope: account.scope, disabled: disabled)
            return account
        }
    }

    public func updateAccount(_ name: String, role: Role?, scope: RegionScope?, by actor: Account)
        async throws(StoreError) -> Account
    {
        if let scope { try Self.requireManages(actor, scope) }
        return try await write { db in
            try self.requireCurrent(actor, db)
            let account = try self.managedAccount(db, name, by: actor)
            guard account.name != actor.name else {
                throw StoreError(.conflict, "an admin does not change its own role or regions")
            }
            let updated = Account(
                id: account.id, name: account.name, role: role ?? account.role, scope: scope ?? account.scope,
                disabled: account.disabled)
            guard updated != account else { return account }
            try db.execute(
                sql: "UPDATE accounts SET role = ?, regions = ? WHERE id = ?",
                arguments: [updated.role.rawValue, updated.scope.description, account.id])
            try self.change(
                db, by: actor.name, "account.update", name, region: updated.scope.single,
                [
                    "role": updated.role.rawValue, "regions": updated.scope.description,
                    "previousRole": account.role.rawValue, "previousRegions": account.scope.description,
                ])
            return updated
        }
    }

    public func setPasswordHash(_ hash: String, account name: String, by actor: Account) async throws(StoreError) {
        try await write { db in
            try self.requireCurrent(actor, db)
            let account = try self.managedAccount(db, name, by: actor)
            try db.execute(sql: "UPDATE accounts SET password_hash = ? WHERE id = ?", arguments: [hash, account.id])
            try self.change(db, by: actor.name, "account.password-reset", name, region: account.scope.single, [:])
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

    public func enterprise(identifiedBy key: String, by actor: Account) async throws(StoreError) -> Enterprise? {
        try actor.require(.readEnterprise)
        // An enterprise registered outside the platform's provinces belongs to none of them: every
        // office may find it by its identifier, to record what it did there (the seed's 二(一)).
        guard let found = try await enterprise(identifiedBy: key),
            actor.sees(found.registeredRegion)
                || !RegionScope.platformProvinces.contains(where: {
                    $0.covers(found.registeredRegion)
                })
        else {
            return nil
        }
        return found
    }

    /// The enterprise with that key, for the store's own use (no account: callers authorise).
    func enterprise(identifiedBy key: String) async throws(StoreError) -> Enterprise? {
        guard key.utf8.count <= 32 else { return nil }
        return try await read { db in
            let uscc =
                try String.fetchOne(db, sql: "SELECT uscc FROM enterprises WHERE uscc = ?", arguments: [key])
                ?? String.fetchOne(
                    db, sql: "SELECT uscc FROM enterprise_aliases WHERE value = ? ORDER BY kind LIMIT 1",
                    arguments: [key.replacingOccurrences(of: "-", with: "")])
            guard let uscc else { return nil }
            return try Self.enterprise(db, uscc: uscc)
        }
    }

    public func enterprises(namePrefix prefix: String, limit: Int, by actor: Account) async throws(StoreError)
        -> [Enterprise]
    {
        try actor.require(.searchEnterprises)
        guard !prefix.isEmpty, prefix.count <= 100 else {
            throw StoreError(.invalidInput, "a name prefix of 1–100 characters")
        }
        let wanted = max(1, min(limit, 200))
        return try await read { db in
            // Walks the name index in order and keeps the visible ones, so a search never tells
            // how many enterprises of other provinces share the prefix.
            let usccs = try Row.fetchCursor(
                db, sql: "SELECT uscc, registered_region FROM enterprises WHERE name >= ? AND name < ? ORDER BY name",
                arguments: [prefix, prefix + "\u{10FFFF}"])
            var found: [Enterprise] = []
            while found.count < wanted, let row = try usccs.next() {
                guard actor.sees(try RegionCode(row["registered_region"])),
                    let enterprise = try Self.enterprise(db, uscc: row["uscc"])
                else { continue }
                found.append(enterprise)
            }
            return found
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
        try readBlocking { db in
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
