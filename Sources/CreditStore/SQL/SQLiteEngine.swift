import Foundation
import GRDB
import HandbookConfiguration

/// A GRDB connection inside a transaction, as the store's statements see it.
final class SQLiteSession: SQLSession {
    let db: Database

    init(_ db: Database) { self.db = db }

    var dialect: SQLDialect { .sqlite }

    static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        if !arguments.named.isEmpty {
            return StatementArguments(arguments.named.mapValues { $0.databaseValue })
        }
        return StatementArguments(arguments.positional.map { $0.databaseValue })
    }

    func execute(sql: String, arguments: SQLArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: Self.arguments(arguments)).map(Self.row)
    }

    func fetchCursor(sql: String, arguments: SQLArguments) throws -> any SQLCursor {
        SQLiteCursor(try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: Self.arguments(arguments)))
    }

    func insertReturningID(sql: String, arguments: SQLArguments) throws -> Int64 {
        try execute(sql: sql, arguments: arguments)
        return db.lastInsertedRowID
    }

    static func row(_ row: Row) -> SQLRow {
        SQLRow(names: Array(row.columnNames), values: row.databaseValues.map(SQLValue.init))
    }
}

final class SQLiteCursor: SQLCursor {
    let cursor: RowCursor
    init(_ cursor: RowCursor) { self.cursor = cursor }
    func next() throws -> SQLRow? { try cursor.next().map(SQLiteSession.row) }
}

extension SQLValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let number): self = .integer(number)
        case .double(let number): self = .real(number)
        case .string(let text): self = .text(text)
        case .blob(let data): self = .blob([UInt8](data))
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let number): number.databaseValue
        case .real(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }
}

/// The embedded engine: one SQLite file in WAL mode with foreign keys on, created and migrated on
/// first open. Reads run concurrently on snapshots; writes are serialised, each one transaction;
/// GRDB runs both on threads of its own, never on the cooperative pool.
final class SQLiteEngine: SQLEngine {
    let pool: DatabasePool
    let path: String
    /// The page cache of each connection, in SQLite's negative-KiB form.
    static let cacheKiB = -65_536
    /// Seconds a write waits for the lock another process holds.
    static let busyTimeout: TimeInterval = 30

    var dialect: SQLDialect { .sqlite }
    var location: String { path }

    /// Opens the file, migrating it to `target` (one of ``Schema/versions``; nil: every migration).
    init(path: String, migratingUpTo target: String? = nil) throws(StoreError) {
        self.path = path
        do {
            // The file (and the -wal and -shm files SQLite creates with its mode) readable by the
            // owner only: it holds password hashes and full identity numbers.
            try PrivateFile.prepare(path)
            pool = try DatabasePool(path: path, configuration: Self.configuration(label: "CreditStore"))
        } catch {
            throw StoreError(.database, "cannot open the credit database \(path): \(Self.reason(error))")
        }
        try migrate(upTo: target)
    }

    /// Opens an existing, migrated file read-only (the public catalogue's connections).
    init(readingOnly path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "PublicCatalog"
        configuration.maximumReaderCount = 4
        configuration.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.database, "cannot open the credit database \(path) read-only: \(Self.reason(error))")
        }
    }

    static func configuration(label: String) -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // A write waits this long for another process's write (an import from the command line)
        // before it fails with STORE_BUSY.
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = label
        configuration.prepareDatabase { db in
            // 64 MB of page cache per connection instead of SQLite's 2 MB: look-ups in a database
            // of a million enterprises then mostly stay in memory.
            try db.execute(sql: "PRAGMA cache_size = \(cacheKiB)")
            // The name-search triggers call it on every write of a name.
            db.add(function: NameSearch.function)
        }
        return configuration
    }

    private func migrate(upTo target: String?) throws(StoreError) {
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
            if let target {
                try migrator.migrate(pool, upTo: target)
            } else {
                try migrator.migrate(pool)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "cannot migrate the credit database \(path): \(Self.reason(error))")
        }
    }

    func appliedMigrations() throws(StoreError) -> [String] {
        do {
            return try pool.read { try Schema.migrator.appliedMigrations($0) }
        } catch {
            throw Self.mapped(error)
        }
    }

    func close() throws(StoreError) {
        do {
            _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            try pool.close()
        } catch {
            throw StoreError(.database, "closing \(path): \(Self.reason(error))")
        }
    }

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

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.write { db in try body(SQLiteSession(db)) }
        } catch {
            throw Self.mapped(error)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.read { db in try body(SQLiteSession(db)) }
        } catch {
            throw Self.mapped(error)
        }
    }

    func writeBlocking<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write { db in try body(SQLiteSession(db)) }
        } catch {
            throw Self.mapped(error)
        }
    }

    func readBlocking<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read { db in try body(SQLiteSession(db)) }
        } catch {
            throw Self.mapped(error)
        }
    }

    func withImportConnection<T>(_ body: (any SQLConnection) throws -> T) throws(StoreError) -> T {
        let lock = try ImportLock(path: path + ".import-lock")
        defer { lock.release() }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: Self.configuration(label: "CreditStore.import"))
        } catch {
            throw Self.mapped(error)
        }
        defer { try? queue.close() }
        do {
            return try body(SQLiteConnection(queue: queue))
        } catch {
            throw Self.mapped(error)
        }
    }

    func tableNames() throws(StoreError) -> [String] { Schema.tables }
}

/// The import's own SQLite connection: its staging tables live in the connection's temporary
/// database, between a read transaction (the check) and a write transaction (the apply).
final class SQLiteConnection: SQLConnection {
    let queue: DatabaseQueue
    init(queue: DatabaseQueue) { self.queue = queue }

    func execute(sql: String) throws {
        try queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    func transaction<T>(_ kind: SQLTransactionKind, _ body: (any SQLSession) throws -> T) throws -> T {
        try queue.writeWithoutTransaction { db -> T in
            try db.execute(sql: kind == .write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
            do {
                let result = try body(SQLiteSession(db))
                if db.isInsideTransaction { try db.execute(sql: "COMMIT") }
                return result
            } catch {
                if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                throw error
            }
        }
    }
}
