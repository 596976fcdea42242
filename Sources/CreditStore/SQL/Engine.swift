import Foundation

/// A read transaction sees one snapshot; a write transaction is exclusive where the engine
/// needs it (SQLite) or serializable (PostgreSQL).
enum SQLTransactionKind: Sendable {
    case read
    case write
}

/// Where the store's transactions run: an SQLite file or a PostgreSQL server. Bodies run on the
/// engine's own threads (GRDB's, or the PostgreSQL engine's thread pool), never on the
/// cooperative pool; every error leaves as a ``StoreError`` and rolls the transaction back.
protocol SQLEngine: Sendable {
    var dialect: SQLDialect { get }
    /// The file path or the URL without its password, for messages.
    var location: String { get }
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws(StoreError) -> T
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws(StoreError) -> T
    /// A write transaction on the calling thread (command-line tools and set-up code).
    func writeBlocking<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T
    /// A read transaction on the calling thread (tools, set-up code, exports on a thread of their own).
    func readBlocking<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T
    /// A connection of its own for an import, holding the lock that keeps imports one at a time
    /// (across processes) while `body` runs.
    func withImportConnection<T>(_ body: (any SQLConnection) throws -> T) throws(StoreError) -> T
    /// The migrations the database has, oldest first.
    func appliedMigrations() throws(StoreError) -> [String]
    /// The store's tables (for row counts).
    func tableNames() throws(StoreError) -> [String]
    func close() throws(StoreError)
}

/// One connection kept across transactions (its temporary tables with it).
protocol SQLConnection: AnyObject {
    /// Runs statements outside a transaction (the staging tables' definitions).
    func execute(sql: String) throws
    /// Runs `body` in one transaction, committed when it returns, rolled back when it throws.
    func transaction<T>(_ kind: SQLTransactionKind, _ body: (any SQLSession) throws -> T) throws -> T
}
