import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL credit database is: a `postgres://user@host:port/database` URL. The password
/// never travels in the URL (it would show on command lines and in process lists): it is read from
/// the environment variable `HANDBOOK_DATABASE_PASSWORD`, or from the file that
/// `HANDBOOK_DATABASE_PASSWORD_FILE` names.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    var password: String?
    /// TLS to the server: off on loopback unless asked for (`?sslmode=require`), and required —
    /// with the server's certificate verified against the system's roots or `sslrootcert` and its
    /// name checked — everywhere else.
    public var tls: Bool
    /// A PEM file of the certificate authorities the server's certificate must chain to.
    public var rootCertificates: String?

    /// Whether `text` names a PostgreSQL database rather than an SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses the URL and reads the password from the environment (`environment` for tests).
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(StoreError)
    {
        guard Self.isURL(text), text.utf8.count <= 1_000, let components = URLComponents(string: text),
            let host = components.host, !host.isEmpty
        else {
            throw StoreError(
                .invalidInput, "database: not a postgres://user@host:port/database URL: \(Self.redacted(text))")
        }
        guard components.password == nil else {
            throw StoreError(
                .invalidInput,
                "database: the URL carries a password; give it in HANDBOOK_DATABASE_PASSWORD or a file named by HANDBOOK_DATABASE_PASSWORD_FILE instead"
            )
        }
        self.host = host
        port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw StoreError(.invalidInput, "database: port \(port)") }
        user = components.user ?? "postgres"
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
        switch query["sslmode"] {
        case nil: tls = !loopback
        case "disable":
            guard loopback else {
                throw StoreError(
                    .invalidInput, "database: sslmode=disable is allowed on loopback only; \(host) is not")
            }
            tls = false
        case "require", "verify-full": tls = true
        case let other?:
            throw StoreError(.invalidInput, "database: sslmode \(other): disable (loopback only) or require")
        }
        rootCertificates = query["sslrootcert"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        if let password = environment["HANDBOOK_DATABASE_PASSWORD"] {
            self.password = password
        } else if let file = environment["HANDBOOK_DATABASE_PASSWORD_FILE"] {
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                password = text.trimmingCharacters(in: .newlines)
            } catch {
                throw StoreError(.fileUnreadable, "HANDBOOK_DATABASE_PASSWORD_FILE: cannot read \(file)")
            }
        } else {
            password = nil
        }
    }

    /// The URL without any password.
    public var description: String {
        let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
        var text = "postgres://\(user)@\(host):\(port)/\(database)"
        if tls == loopback {
            text += tls ? "?sslmode=require" : "?sslmode=disable"
        }
        if let rootCertificates { text += (text.contains("?") ? "&" : "?") + "sslrootcert=\(rootCertificates)" }
        return text
    }

    /// postgres-nio's TLS setting for this location.
    func tlsConfiguration() throws(StoreError) -> PostgresConnection.Configuration.TLS {
        guard tls else { return .disable }
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let rootCertificates {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificates))
            }
            return .require(try NIOSSLContext(configuration: configuration))
        } catch {
            throw StoreError(.invalidInput, "database: TLS to \(host): \(error)")
        }
    }

    /// The same server, another database (tests create one per store).
    public func database(_ name: String) -> PostgresLocation {
        var copy = self
        copy.database = name
        return copy
    }

    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "(unparsable)" }
        if components.password != nil { components.password = "…" }
        return components.string ?? "(unparsable)"
    }
}

/// The PostgreSQL engine: a pool of connections, each transaction run on a thread of the engine's
/// own pool (the store's statements are synchronous; they wait for the server there, never on
/// the cooperative pool). Writes are SERIALIZABLE and retried when PostgreSQL reports a
/// serialization failure or a deadlock; reads are REPEATABLE READ READ ONLY — one snapshot — and
/// run on a hot standby as well.
final class PostgresEngine: SQLEngine {
    let server: PostgresLocation
    let threads: NIOThreadPool
    let configuration: PostgresConnection.Configuration
    let idle = NIOLockedValueBox<[PostgresConnection]>([])
    let nextID = ManagedAtomicCounter()
    let logger: Logger
    /// Whether this engine may write (false for a read-only replica).
    let writable: Bool
    /// How often a write is tried when PostgreSQL asks for a retry.
    static let attempts = 12

    var dialect: SQLDialect { .postgres }
    var location: String { server.description }

    /// Connects to the database at `location` and migrates it (unless `readOnly`: a replica is
    /// migrated by its primary and must already be current).
    /// `target` stops the migration there (tests make a database of an earlier program so).
    init(
        _ location: PostgresLocation, connections: Int = 8, readOnly: Bool = false, migratingUpTo target: String? = nil
    )
        throws(StoreError)
    {
        server = location
        writable = !readOnly
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try location.tlsConfiguration())
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
        var logger = Logger(label: "CreditStore.postgres")
        logger.logLevel = .critical
        self.logger = logger
        threads = NIOThreadPool(numberOfThreads: max(1, min(connections, 64)))
        threads.start()
        do {
            try PostgresSchema.migrate(self, upTo: target, readOnly: readOnly)
        } catch {
            try? close()
            throw error
        }
    }

    deinit {
        // Connections still pooled when the store goes away (a command-line tool that did not
        // close it) are closed; each stays alive until its close has completed.
        for connection in idle.withLockedValue({ $0 }) where !connection.isClosed {
            connection.close().whenComplete { _ in _ = connection }
        }
        threads.shutdownGracefully { _ in }
    }

    // MARK: SQLEngine

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws(StoreError) -> T {
        try await onThread(.write, body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws(StoreError) -> T {
        try await onThread(.read, body)
    }

    func writeBlocking<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        try transaction(.write, body)
    }

    func readBlocking<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        try transaction(.read, body)
    }

    private func onThread<T: Sendable>(
        _ kind: SQLTransactionKind, _ body: @escaping @Sendable (any SQLSession) throws -> T
    )
        async throws(StoreError) -> T
    {
        let result: Result<T, StoreError>
        do {
            result = try await threads.runIfActive { () -> Result<T, StoreError> in
                do throws(StoreError) {
                    return .success(try self.transaction(kind, body))
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw StoreError(.busy, "the database's threads are shut down or the request was cancelled: \(error)")
        }
        return try result.get()
    }

    func withImportConnection<T>(_ body: (any SQLConnection) throws -> T) throws(StoreError) -> T {
        let connection = try connect()
        defer { _ = try? connection.close().wait() }
        let handle = PostgresTransactions(engine: self, connection: connection)
        do {
            // Imports one at a time, across processes: a session advisory lock, released with the connection.
            try handle.execute(sql: "SELECT pg_advisory_lock(\(PostgresSchema.importLockKey))")
            return try body(handle)
        } catch {
            throw Self.mapped(error, at: server)
        }
    }

    func appliedMigrations() throws(StoreError) -> [String] {
        try readBlocking { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM schema_migrations ORDER BY position")
        }
    }

    func tableNames() throws(StoreError) -> [String] { Schema.tables }

    func close() throws(StoreError) {
        let connections = idle.withLockedValue { connections in
            defer { connections.removeAll() }
            return connections
        }
        for connection in connections { _ = try? connection.close().wait() }
        try? threads.syncShutdownGracefully()
    }

    // MARK: Connections and transactions

    func connect() throws(StoreError) -> PostgresConnection {
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                id: nextID.next(), logger: logger
            ).wait()
        } catch {
            throw Self.mapped(error, at: server)
        }
    }

    private func checkout() throws(StoreError) -> PostgresConnection {
        while let connection = idle.withLockedValue({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        return try connect()
    }

    private func checkin(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        idle.withLockedValue { $0.append(connection) }
    }

    /// One transaction on a pooled connection, on the calling thread; a write that PostgreSQL
    /// could not serialize with a concurrent one is run again (a few times, with growing pauses).
    func transaction<T>(_ kind: SQLTransactionKind, _ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        if kind == .write, !writable {
            throw StoreError(.internal, "a write was sent to the read-only database \(server)")
        }
        var attempt = 1
        while true {
            let connection = try checkout()
            let handle = PostgresTransactions(engine: self, connection: connection)
            do {
                let result = try handle.transaction(kind, body)
                checkin(connection)
                return result
            } catch {
                let notBegun = error as? NotBegun
                let error = notBegun?.underlying ?? error
                let mapped = Self.mapped(error, at: server)
                if Self.isBroken(error) || connection.isClosed {
                    _ = try? connection.close().wait()
                    // The server went away: the other pooled connections are gone with it.
                    for stale in idle.withLockedValue({ pool in
                        defer { pool.removeAll() }
                        return pool
                    }) {
                        _ = try? stale.close().wait()
                    }
                } else {
                    checkin(connection)
                }
                if Self.mayRetry(error) || (notBegun != nil && Self.isBroken(error)), attempt < Self.attempts {
                    usleep(useconds_t(min(200_000, 1_000 << min(attempt, 8))))
                    attempt += 1
                    continue
                }
                throw mapped
            }
        }
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Serialization failures and deadlocks: PostgreSQL asks the client to run the transaction again.
    static func mayRetry(_ error: any Error) -> Bool {
        let state = sqlState(error)
        return state == "40001" || state == "40P01"
    }

    static func isBroken(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return [.serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection].contains(
            error.code)
    }

    static func mapped(_ error: any Error, at location: PostgresLocation) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? PSQLError else {
            return StoreError(.database, "PostgreSQL at \(location): \(error)")
        }
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        switch error.serverInfo?[.sqlState] {
        case "23505": return StoreError(.conflict, "already exists (\(message))")
        case "23503": return StoreError(.invalidInput, "a reference to something that does not exist (\(message))")
        case "23514", "23502": return StoreError(.invalidInput, "a value the database refuses (\(message))")
        case "40001", "40P01":
            return StoreError(.busy, "the credit database stayed busy with concurrent changes; try again")
        case "57P01", "57P02", "57P03":
            return StoreError(.busy, "the PostgreSQL server at \(location) is shutting down or starting: \(message)")
        case "25006":
            return StoreError(.internal, "a write reached the read-only database \(location): \(message)")
        case .some:
            return StoreError(.database, "PostgreSQL: \(message)")
        case nil:
            if isBroken(error) || error.code == .connectionError {
                return StoreError(
                    .busy, "the PostgreSQL server at \(location) does not answer (\(error.code)); try again")
            }
            return StoreError(.database, "PostgreSQL at \(location): \(error.code)")
        }
    }
}

/// A transaction that failed at its BEGIN (a pooled connection the server has since closed, a
/// server restarted): nothing of it ran, so it may be tried again on a new connection.
struct NotBegun: Error {
    let underlying: any Error
}

/// A counter for connection ids.
final class ManagedAtomicCounter: Sendable {
    private let value = NIOLockedValueBox(0)
    func next() -> Int {
        value.withLockedValue {
            $0 += 1; return $0
        }
    }
}

/// One PostgreSQL connection, running transactions one after another.
final class PostgresTransactions: SQLConnection {
    let engine: PostgresEngine
    let connection: PostgresConnection

    init(engine: PostgresEngine, connection: PostgresConnection) {
        self.engine = engine
        self.connection = connection
    }

    func execute(sql: String) throws {
        let session = PostgresSession(connection: connection, logger: engine.logger)
        for statement in PostgresSchema.statements(sql) {
            try session.execute(sql: statement, arguments: SQLArguments())
        }
    }

    func transaction<T>(_ kind: SQLTransactionKind, _ body: (any SQLSession) throws -> T) throws -> T {
        let session = PostgresSession(connection: connection, logger: engine.logger)
        do {
            try session.run(
                kind == .write
                    ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        } catch {
            // Nothing of the transaction ran: safe to try again on another connection.
            throw NotBegun(underlying: error)
        }
        do {
            let result = try body(session)
            try session.drain()
            // A transaction in which a statement failed (and the failure was caught) ends in a
            // rollback even when COMMIT is sent: say so rather than report a change that is not there.
            guard try session.run("COMMIT") == "COMMIT" else {
                throw StoreError(.database, "PostgreSQL rolled the transaction back: one of its statements had failed")
            }
            return result
        } catch {
            try? session.drain()
            if !connection.isClosed { _ = try? session.run("ROLLBACK") }
            throw error
        }
    }
}

/// A PostgreSQL connection inside a transaction. Statements arrive in the SQL both engines accept;
/// ``PostgresDialect`` turns their placeholders into PostgreSQL's.
final class PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    private var cursors = 0
    /// Statements sent and not yet waited for: an `execute` needs no answer, so statements are
    /// pipelined (sent without waiting, up to ``pipelineDepth``) until something needs an answer —
    /// a fetch, an insert's id, the commit — which first waits for them all and throws the first
    /// error among them. The transaction fails as a whole either way.
    private var pending: [EventLoopFuture<PostgresQueryResult>] = []
    static let pipelineDepth = 512

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    var dialect: SQLDialect { .postgres }

    /// Runs a statement without arguments; returns its command tag.
    @discardableResult
    func run(_ sql: String) throws -> String {
        try query(sql, PostgresBindings()).metadata.command
    }

    /// Waits for every pipelined statement; throws the first one's error.
    func drain() throws {
        let futures = pending
        pending.removeAll()
        var first: (any Error)?
        for future in futures {
            do {
                _ = try future.wait()
            } catch {
                if first == nil { first = error }
            }
        }
        if let first { throw first }
    }

    private func query(_ sql: String, _ binds: PostgresBindings) throws -> PostgresQueryResult {
        try drain()
        return try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
    }

    private func prepared(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        try query(sql, arguments).wait()
    }

    private func query(_ sql: String, _ arguments: SQLArguments) throws -> EventLoopFuture<PostgresQueryResult> {
        let (text, values) = try PostgresDialect.translate(sql, arguments)
        var binds = PostgresBindings(capacity: values.count)
        Self.bind(values, into: &binds)
        try drain()
        return connection.query(PostgresQuery(unsafeSQL: text, binds: binds), logger: logger)
    }

    func execute(sql: String, arguments: SQLArguments) throws {
        let (text, values) = try PostgresDialect.translate(sql, arguments)
        var binds = PostgresBindings(capacity: values.count)
        Self.bind(values, into: &binds)
        pending.append(connection.query(PostgresQuery(unsafeSQL: text, binds: binds), logger: logger))
        if pending.count >= Self.pipelineDepth { try drain() }
    }

    static func bind(_ values: [SQLValue], into binds: inout PostgresBindings) {
        for value in values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let number): binds.append(number)
            case .real(let number): binds.append(number)
            case .text(let text): binds.append(text)
            case .blob(let bytes): binds.append(ByteBuffer(bytes: bytes))
            }
        }
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        try prepared(sql, arguments).rows.map(Self.row)
    }

    func fetchCursor(sql: String, arguments: SQLArguments) throws -> any SQLCursor {
        cursors += 1
        let name = "store_cursor_\(cursors)"
        _ = try prepared("DECLARE \(name) NO SCROLL CURSOR FOR " + sql, arguments)
        return PostgresCursor(session: self, name: name)
    }

    func fetchBatch(_ cursor: String, _ count: Int) throws -> [SQLRow] {
        try query("FETCH FORWARD \(count) FROM \(cursor)", PostgresBindings()).rows.map(Self.row)
    }

    func insertReturningID(sql: String, arguments: SQLArguments) throws -> Int64 {
        let rows = try fetchAll(sql: sql + " RETURNING id", arguments: arguments)
        guard let id: Int64 = try rows.first?[0] else {
            throw StoreError(.database, "PostgreSQL returned no id for an insert")
        }
        return id
    }

    static func row(_ row: PostgresRow) throws -> SQLRow {
        var names: [String] = []
        var values: [SQLValue] = []
        for cell in row {
            names.append(cell.columnName)
            values.append(try value(cell))
        }
        return SQLRow(names: names, values: values)
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .numeric:
            let number = try cell.decode(Decimal.self)
            guard let integer = Int64(exactly: NSDecimalNumber(decimal: number).doubleValue) else {
                return .real(NSDecimalNumber(decimal: number).doubleValue)
            }
            return .integer(integer)
        case .bytea: return .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// Rows of a server-side cursor, fetched in batches.
final class PostgresCursor: SQLCursor {
    let session: PostgresSession
    let name: String
    private var buffered: [SQLRow] = []
    private var position = 0
    private var exhausted = false
    static let batch = 256

    init(session: PostgresSession, name: String) {
        self.session = session
        self.name = name
    }

    func next() throws -> SQLRow? {
        if position == buffered.count {
            guard !exhausted else { return nil }
            buffered = try session.fetchBatch(name, Self.batch)
            position = 0
            if buffered.count < Self.batch { exhausted = true }
            guard !buffered.isEmpty else { return nil }
        }
        defer { position += 1 }
        return buffered[position]
    }
}

/// The statements' SQL as PostgreSQL wants it: `?` and `?N` become `$N`, `:name` becomes a numbered
/// parameter, the SQLite schema names `main.` and `temp.` become `public.` and `pg_temp.`, and
/// SQLite's `INDEXED BY` hints are dropped.
/// String literals, quoted identifiers and comments are left alone.
enum PostgresDialect {
    /// Where each `$n` takes its value from.
    enum Source: Hashable, Sendable {
        case position(Int)
        case name(String)
    }

    /// Translations by statement text: the store runs the same few hundred statements again and
    /// again (a bulk load runs each thousands of times), so each is translated once.
    static let cache = NIOLockedValueBox<[String: (String, [Source])]>([:])
    static let cacheLimit = 4_096

    static func translate(_ sql: String, _ arguments: SQLArguments) throws -> (String, [SQLValue]) {
        let (text, sources) = try plan(sql)
        var values: [SQLValue] = []
        values.reserveCapacity(sources.count)
        for source in sources {
            switch source {
            case .position(let index):
                guard index < arguments.positional.count else {
                    throw StoreError(.internal, "an SQL statement has more parameters than arguments")
                }
                values.append(arguments.positional[index])
            case .name(let name):
                guard let value = arguments.named[name] else {
                    throw StoreError(.internal, "SQL parameter :\(name) has no argument")
                }
                values.append(value)
            }
        }
        return (text, values)
    }

    static func plan(_ sql: String) throws -> (String, [Source]) {
        if let cached = cache.withLockedValue({ $0[sql] }) { return cached }
        // SQLite's planner hints (`INDEXED BY name`) mean nothing to PostgreSQL's planner.
        let unhinted = sql.replacingOccurrences(
            of: #"\s+INDEXED BY [a-z_]+"#, with: "", options: .regularExpression)
        let planned = try translateText(unhinted)
        cache.withLockedValue { cache in
            if cache.count >= cacheLimit { cache.removeAll() }
            cache[sql] = planned
        }
        return planned
    }

    /// The statement's text for PostgreSQL and the source of each of its parameters.
    static func translateText(_ sql: String) throws -> (String, [Source]) {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var values: [Source] = []
        var namedIndex: [String: Int] = [:]
        var nextPositional = 0
        let scalars = Array(sql.unicodeScalars)
        var index = 0
        func isIdentifier(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
        }
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "'", "\"":
                // A literal or a quoted identifier, to its closing quote (a doubled quote stays inside).
                var end = index + 1
                while end < scalars.count {
                    if scalars[end] == scalar {
                        if end + 1 < scalars.count, scalars[end + 1] == scalar {
                            end += 2
                            continue
                        }
                        break
                    }
                    end += 1
                }
                output.unicodeScalars.append(contentsOf: scalars[index...min(end, scalars.count - 1)])
                index = end + 1
            case "-" where index + 1 < scalars.count && scalars[index + 1] == "-":
                while index < scalars.count, scalars[index] != "\n" {
                    output.unicodeScalars.append(scalars[index])
                    index += 1
                }
            case "?":
                var end = index + 1
                while end < scalars.count, ("0"..."9").contains(scalars[end]) { end += 1 }
                if end > index + 1, let number = Int(String(String.UnicodeScalarView(scalars[(index + 1)..<end]))) {
                    // Numbered: ?N is the N-th argument wherever it appears.
                    guard number >= 1, number <= 100 else {
                        throw StoreError(.internal, "SQL parameter ?\(number) out of range")
                    }
                    while values.count < number { values.append(.position(values.count)) }
                    output += "$\(number)"
                } else {
                    values.append(.position(nextPositional))
                    nextPositional += 1
                    output += "$\(nextPositional)"
                }
                index = end
            case ":"
            where index + 1 < scalars.count && scalars[index + 1].properties.isAlphabetic
                && (index == 0 || scalars[index - 1] != ":"):
                var end = index + 1
                while end < scalars.count, isIdentifier(scalars[end]) { end += 1 }
                let name = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
                if let existing = namedIndex[name] {
                    output += "$\(existing)"
                } else {
                    values.append(.name(name))
                    namedIndex[name] = values.count
                    output += "$\(values.count)"
                }
                index = end
            default:
                if isIdentifier(scalar), index == 0 || !isIdentifier(scalars[index - 1]) {
                    var end = index
                    while end < scalars.count, isIdentifier(scalars[end]) { end += 1 }
                    var word = String(String.UnicodeScalarView(scalars[index..<end]))
                    if end < scalars.count, scalars[end] == "." {
                        if word == "main" { word = "public" } else if word == "temp" { word = "pg_temp" }
                    }
                    output += word
                    index = end
                } else {
                    output.unicodeScalars.append(scalar)
                    index += 1
                }
            }
        }
        return (output, values)
    }
}

/// Creating and dropping whole databases on a server (tests, the migration's target, benchmarks).
public enum PostgresDatabases {
    /// Creates the database `name` (letters, digits and `_`) on the server of `server`.
    public static func create(_ name: String, on server: PostgresLocation) throws(StoreError) {
        try administer("CREATE DATABASE \(try quoted(name))", on: server)
    }

    /// Drops the database `name` if it exists, ending its connections.
    public static func drop(_ name: String, on server: PostgresLocation) throws(StoreError) {
        try administer("DROP DATABASE IF EXISTS \(try quoted(name)) WITH (FORCE)", on: server)
    }

    static func quoted(_ name: String) throws(StoreError) -> String {
        guard !name.isEmpty, name.utf8.count <= 63,
            name.unicodeScalars.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        else { throw StoreError(.invalidInput, "a database name of a–z, 0–9 and _: \(name)") }
        return "\"\(name)\""
    }

    static func administer(_ sql: String, on server: PostgresLocation) throws(StoreError) {
        var configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: server.user, password: server.password,
            database: "postgres", tls: try server.tlsConfiguration())
        configuration.options.connectTimeout = .seconds(10)
        do {
            let connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0,
                logger: Logger(label: "CreditStore.postgres.admin")
            ).wait()
            defer { _ = try? connection.close().wait() }
            _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "CreditStore.postgres.admin"))
                .wait()
        } catch {
            throw PostgresEngine.mapped(error, at: server)
        }
    }
}
