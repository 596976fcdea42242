import CodedErrors
import Foundation
import HandbookCodec
import HandbookConfiguration
import HandbookCrypto

/// The credit database on SQL: one SQLite file (the embedded default) or a PostgreSQL server
/// (``PostgresEngine``). The store's operations are written once against ``SQLSession``; the engine
/// runs each as one transaction on threads of its own.
public final class SQLCreditStore: CreditStore {
    let engine: any SQLEngine
    /// The clock the store stamps changes with; tests give their own.
    let clock: @Sendable () -> Date
    /// The SQLite file's path, or the PostgreSQL URL without its password.
    public var path: String { engine.location }
    /// Which engine the store runs on.
    public var dialect: SQLDialect { engine.dialect }

    /// Opens (creating and migrating if needed) the SQLite database at `path`.
    public convenience init(path: String, clock: @escaping @Sendable () -> Date = { Date() }) throws(StoreError) {
        self.init(engine: try SQLiteEngine(path: path), clock: clock)
    }

    /// Opens (creating the schema and migrating if needed) the PostgreSQL database at `location`.
    /// `readOnly` opens a hot standby (or any database this process must not write): it must
    /// already be migrated, and every write is refused before it reaches the server.
    public convenience init(
        postgres location: PostgresLocation, connections: Int = 8, readOnly: Bool = false,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(StoreError) {
        self.init(
            engine: try PostgresEngine(location, connections: connections, readOnly: readOnly), clock: clock)
    }

    /// Opens the database a setting names: a `postgres://` URL selects PostgreSQL (its password
    /// from the environment, see ``PostgresLocation``), anything else is an SQLite file's path.
    public static func open(
        _ database: String, readOnly: Bool = false, clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(StoreError) -> SQLCreditStore {
        if PostgresLocation.isURL(database) {
            return try SQLCreditStore(postgres: PostgresLocation(url: database), readOnly: readOnly, clock: clock)
        }
        guard !readOnly else {
            throw StoreError(
                .invalidInput, "a read-only database is a postgres:// URL (a hot standby), not \(database)")
        }
        return try SQLCreditStore(path: database, clock: clock)
    }

    init(engine: any SQLEngine, clock: @escaping @Sendable () -> Date) {
        self.engine = engine
        self.clock = clock
    }

    /// Opens a database migrated only up to `version` (one of ``Schema/versions``): how a test makes
    /// a database of an earlier program.
    static func openAtVersion(_ version: String, database: String) throws(StoreError) -> SQLCreditStore {
        if PostgresLocation.isURL(database) {
            return SQLCreditStore(
                engine: try PostgresEngine(PostgresLocation(url: database), migratingUpTo: version), clock: { Date() })
        }
        return SQLCreditStore(engine: try SQLiteEngine(path: database, migratingUpTo: version), clock: { Date() })
    }

    /// The migrations this program knows and the ones the database has.
    public func schemaVersions() throws(StoreError) -> (known: [String], applied: [String]) {
        (Schema.versions, try engine.appliedMigrations())
    }

    /// Closes the database (for SQLite, after checkpointing the WAL into the main file).
    public func close() throws(StoreError) {
        try engine.close()
    }

    // MARK: Transactions

    static func mapped(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        return StoreError(.database, "\(error)")
    }

    /// One write transaction, awaited: the engine runs it on a thread of its own, so a request
    /// waiting for the database holds no thread of the cooperative pool. Every error becomes a
    /// ``StoreError`` and rolls the transaction back.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws(StoreError) -> T {
        try await engine.write(body)
    }

    /// One read transaction on a snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws(StoreError) -> T {
        try await engine.read(body)
    }

    /// One write transaction on the calling thread: for command-line tools and set-up code that
    /// run outside any request.
    func writeBlocking<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        try engine.writeBlocking(body)
    }

    /// One read transaction on the calling thread (command-line tools, set-up code, long exports
    /// that run on a thread of their own).
    func readBlocking<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        try engine.readBlocking(body)
    }

    // MARK: Revision and audit

    var now: Int64 { CardTimestamp(clock()).secondsSince1970 }

    static func currentRevision(_ db: any SQLSession) throws -> UInt64 {
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
        _ db: any SQLSession, by account: String, _ action: String, _ subject: String, region: RegionCode?,
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
            let id = try db.insertReturningID(
                sql: "INSERT INTO accounts (name, role, regions, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, role.rawValue, scope.description, passwordHash, self.now])

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
    func managedAccount(_ db: any SQLSession, _ name: String, by actor: Account) throws -> Account {
        try actor.require(.manageAccounts)
        guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM accounts WHERE name = ?", arguments: [name]),
            case let account = try Self.account(row), actor.scope.contains(account.scope)
        else { throw StoreError(.notFound, "no account named \(LogText.escaped(name, limit: 64))") }
        return account
    }

    static func account(_ row: SQLRow) throws -> Account {
        let regions: String = try row["regions"]
        return Account(
            id: try row["id"], name: try row["name"], role: Role(rawValue: try row["role"]) ?? .inspector,
            scope: try RegionScope(parsing: regions), disabled: try row["disabled"])
    }

    public func account(named name: String) async throws(StoreError) -> Account? {
        try await read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM accounts WHERE name = ?", arguments: [name]).map(Self.account)
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
            return try SQLRow.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY name").map(Self.account).filter {
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
    func requireCurrent(_ actor: Account, _ db: any SQLSession) throws {
        guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM accounts WHERE id = ?", arguments: [actor.id])
        else {
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
            let usccs = try SQLRow.fetchCursor(
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

    static func enterprise(_ db: any SQLSession, uscc: String) throws -> Enterprise? {
        guard
            let row = try SQLRow.fetchOne(
                db, sql: "SELECT * FROM enterprises WHERE uscc = ?", arguments: [uscc])
        else { return nil }
        var enterprise = Enterprise(
            uscc: try USCC(row["uscc"], mode: .lenient), name: try row["name"],
            legalRepresentative: try row["legal_representative"],
            registeredRegion: try RegionCode(row["registered_region"]))
        for alias in try SQLRow.fetchAll(
            db, sql: "SELECT kind, value FROM enterprise_aliases WHERE uscc = ?", arguments: [uscc])
        {
            let kind: String = try alias["kind"]
            let value: String = try alias["value"]
            if kind == "organization-code" {
                enterprise.organizationCode = try OrganizationCode(value)
            } else {
                enterprise.registrationNumber = try RegistrationNumber(value)
            }
        }
        return enterprise
    }
}

extension SQLCreditStore {
    /// The number of rows of each table, for reports, benchmarks and the migration's check.
    public func tableCounts() throws(StoreError) -> [String: Int] {
        let tables = try engine.tableNames()
        return try readBlocking { db in
            var counts: [String: Int] = [:]
            for table in tables {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"") ?? 0
            }
            return counts
        }
    }
}
