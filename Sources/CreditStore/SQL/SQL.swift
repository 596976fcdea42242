import Foundation

/// The two database engines the credit store runs on. The store's statements are written once,
/// in the SQL both accept; each engine's session translates what differs (placeholders, a few
/// spellings) and each keeps its own schema text (Schema for SQLite, PostgresSchema).
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// A value bound to a statement or read from a row: the storage classes both engines share.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift value a statement can take as an argument.
public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

/// A Swift value a column can be read as.
public protocol SQLColumnValue {
    /// The value, or nil when the stored value is not of this type.
    static func decode(_ value: SQLValue) -> Self?
}

extension String: SQLBindable, SQLColumnValue {
    public var sqlValue: SQLValue { .text(self) }
    public static func decode(_ value: SQLValue) -> String? {
        if case .text(let text) = value { return text }
        return nil
    }
}

extension Int64: SQLBindable, SQLColumnValue {
    public var sqlValue: SQLValue { .integer(self) }
    public static func decode(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let number): return number
        case .real(let number): return Int64(exactly: number)
        default: return nil
        }
    }
}

extension Int: SQLBindable, SQLColumnValue {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).flatMap { Int(exactly: $0) } }
}

extension Int32: SQLBindable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Bool: SQLBindable, SQLColumnValue {
    /// Stored as 0 or 1 on both engines.
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public static func decode(_ value: SQLValue) -> Bool? { Int64.decode(value).map { $0 != 0 } }
}

extension Double: SQLBindable, SQLColumnValue {
    public var sqlValue: SQLValue { .real(self) }
    public static func decode(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let number): return number
        case .integer(let number): return Double(number)
        default: return nil
        }
    }
}

extension Data: SQLBindable, SQLColumnValue {
    public var sqlValue: SQLValue { .blob([UInt8](self)) }
    public static func decode(_ value: SQLValue) -> Data? {
        if case .blob(let bytes) = value { return Data(bytes) }
        return nil
    }
}

extension Array: SQLBindable where Element == UInt8 {
    public var sqlValue: SQLValue { .blob(self) }
}

extension Array: SQLColumnValue where Element == UInt8 {
    public static func decode(_ value: SQLValue) -> [UInt8]? {
        if case .blob(let bytes) = value { return bytes }
        return nil
    }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension Optional: SQLColumnValue where Wrapped: SQLColumnValue {
    public static func decode(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

/// A statement's arguments: positional (`?`, or `?1` numbered) or named (`:name`).
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public var positional: [SQLValue]
    public var named: [String: SQLValue]

    public init(_ values: [SQLValue] = []) {
        positional = values
        named = [:]
    }

    public init(named values: [String: (any SQLBindable)?]) {
        self.init(named: values.mapValues { $0?.sqlValue ?? .null })
    }

    public init(named: [String: SQLValue]) {
        positional = []
        self.named = named
    }

    public init(values: [(any SQLBindable)?]) {
        self.init(values.map { $0?.sqlValue ?? .null })
    }

    public static func + (left: SQLArguments, right: SQLArguments) -> SQLArguments {
        var sum = SQLArguments(left.positional + right.positional)
        sum.named = left.named.merging(right.named) { $1 }
        return sum
    }

    public static func += (left: inout SQLArguments, right: SQLArguments) {
        left = left + right
    }

    public init(arrayLiteral elements: (any SQLBindable)?...) {
        self.init(elements.map { $0?.sqlValue ?? .null })
    }

    public init(dictionaryLiteral elements: (String, (any SQLBindable)?)...) {
        self.init(named: Dictionary(elements.map { ($0.0, $0.1?.sqlValue ?? .null) }, uniquingKeysWith: { $1 }))
    }

    public mutating func append(_ value: (any SQLBindable)?) { positional.append(value?.sqlValue ?? .null) }

    public mutating func append(contentsOf values: [(any SQLBindable)?]) {
        positional += values.map { $0?.sqlValue ?? .null }
    }

    public var isEmpty: Bool { positional.isEmpty && named.isEmpty }
}

/// One row of a result, read by column name.
public struct SQLRow: Sendable {
    let names: [String]
    let values: [SQLValue]

    public init(names: [String], values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    /// The stored value of a column; `.null` for a column the row does not have.
    public func value(_ column: String) -> SQLValue {
        guard let index = names.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// The column as `T`; throws (never traps) when the stored value is not a `T`.
    public subscript<T: SQLColumnValue>(_ column: String) -> T {
        get throws {
            let stored = value(column)
            guard let decoded = T.decode(stored) else {
                throw StoreError(.database, "column \(column) holds \(stored.kind), not \(T.self)")
            }
            return decoded
        }
    }

    /// The column at `index` as `T`.
    public subscript<T: SQLColumnValue>(_ index: Int) -> T {
        get throws {
            let stored = values.indices.contains(index) ? values[index] : .null
            guard let decoded = T.decode(stored) else {
                throw StoreError(.database, "column \(index) holds \(stored.kind), not \(T.self)")
            }
            return decoded
        }
    }
}

extension SQLValue {
    var kind: String {
        switch self {
        case .null: "NULL"
        case .integer: "an integer"
        case .real: "a real number"
        case .text: "text"
        case .blob: "a blob"
        }
    }
}

/// Rows read one at a time (SQLite steps its statement; PostgreSQL fetches a cursor in batches).
public protocol SQLCursor: AnyObject {
    func next() throws -> SQLRow?
}

/// A database connection inside one transaction: what every store operation is written against.
public protocol SQLSession: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs one statement.
    func execute(sql: String, arguments: SQLArguments) throws
    /// Runs one statement and returns every row.
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]
    /// Runs one statement and returns its rows one at a time; the cursor lives until the
    /// transaction ends.
    func fetchCursor(sql: String, arguments: SQLArguments) throws -> any SQLCursor
    /// Runs an INSERT into a table with an `id INTEGER PRIMARY KEY` and returns the new row's id.
    func insertReturningID(sql: String, arguments: SQLArguments) throws -> Int64
}

extension SQLSession {
    public func execute(sql: String) throws { try execute(sql: sql, arguments: SQLArguments()) }
}

extension SQLRow {
    public static func fetchOne(_ db: any SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws
        -> SQLRow?
    {
        try db.fetchAll(sql: sql, arguments: arguments).first
    }

    public static func fetchAll(_ db: any SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws
        -> [SQLRow]
    {
        try db.fetchAll(sql: sql, arguments: arguments)
    }

    public static func fetchCursor(_ db: any SQLSession, sql: String, arguments: SQLArguments = SQLArguments())
        throws -> any SQLCursor
    {
        try db.fetchCursor(sql: sql, arguments: arguments)
    }
}

extension SQLColumnValue {
    /// The first column of the first row, or nil when there is no row (or it is NULL).
    public static func fetchOne(_ db: any SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws
        -> Self?
    {
        guard let row = try db.fetchAll(sql: sql, arguments: arguments).first else { return nil }
        let value: Self? = try row[0]
        return value
    }

    /// The first column of every row.
    public static func fetchAll(_ db: any SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws
        -> [Self]
    {
        try db.fetchAll(sql: sql, arguments: arguments).map { row throws -> Self in try row[0] }
    }
}

/// A statement run many times with different arguments (the session caches its preparation).
public struct SQLStatement {
    let session: any SQLSession
    let sql: String

    public func execute(arguments: SQLArguments) throws { try session.execute(sql: sql, arguments: arguments) }

    public func insertReturningID(arguments: SQLArguments) throws -> Int64 {
        try session.insertReturningID(sql: sql, arguments: arguments)
    }
}

extension SQLSession {
    /// The statement `sql`, to run with different arguments.
    public func statement(sql: String) -> SQLStatement { SQLStatement(session: self, sql: sql) }
}

/// Rows written many to a statement: `head VALUES (?, ?), (?, ?), … tail`.
///
/// A bulk load statement by statement is bound by the statements themselves: on PostgreSQL each is
/// a message to another process, on SQLite a step of its virtual machine. Rows added here wait until
/// ``flush()``, which writes them `rowsPerStatement` at a time and the rest in statements of
/// power-of-two sizes, so a load plans only a handful of distinct statement texts. The caller flushes
/// tables in the order their foreign keys need. `head` may end in `SELECT … FROM (` with `tail`
/// closing it: the rows are then a `VALUES` list whose columns are `column1`, `column2`, … on both
/// engines.
final class SQLBulkInsert {
    private let session: any SQLSession
    private let head: String
    private let tail: String
    private let columns: Int
    private let rowsPerStatement: Int
    private var pending: [SQLValue] = []
    /// The statement of each size written so far (at most nine: the full size and smaller powers of two).
    private var statements: [Int: String] = [:]

    /// Rows of `columns` values; `rowsPerStatement` keeps a statement's parameters well under both
    /// engines' limits (SQLite 32,766, PostgreSQL 65,535).
    init(_ session: any SQLSession, head: String, columns: Int, tail: String = "", rowsPerStatement: Int = 256) {
        self.session = session
        self.head = head
        self.tail = tail
        self.columns = max(1, columns)
        self.rowsPerStatement = max(1, min(rowsPerStatement, 30_000 / max(1, columns)))
    }

    /// Rows of `columns` for `table`: `INSERT INTO table (columns…) VALUES …`.
    convenience init(_ session: any SQLSession, into table: String, _ columns: [String]) {
        self.init(
            session, head: "INSERT INTO \(table) (\(columns.joined(separator: ", ")))", columns: columns.count)
    }

    /// Adds one row; its values must be `columns` long.
    func add(_ values: [(any SQLBindable)?]) throws(StoreError) {
        try add(values: values.map { $0?.sqlValue ?? .null })
    }

    /// Adds one row of values already converted.
    func add(values: [SQLValue]) throws(StoreError) {
        guard values.count == columns else {
            throw StoreError(.internal, "a bulk insert row of \(values.count) values where \(columns) are due")
        }
        pending += values
    }

    /// Writes every pending row.
    func flush() throws {
        var offset = 0
        var remaining = pending.count / columns
        var size = rowsPerStatement
        while remaining > 0 {
            while size > remaining { size /= 2 }
            try session.execute(
                sql: statement(rows: size), arguments: SQLArguments(Array(pending[offset..<(offset + size * columns)])))
            offset += size * columns
            remaining -= size
        }
        pending.removeAll(keepingCapacity: true)
    }

    private func statement(rows: Int) -> String {
        if let known = statements[rows] { return known }
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        let sql = head + " VALUES " + Array(repeating: row, count: rows).joined(separator: ", ") + tail
        statements[rows] = sql
        return sql
    }
}
