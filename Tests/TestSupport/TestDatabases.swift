import CreditStore
import Foundation

/// The database engine the store and API suites run on: SQLite files by default; PostgreSQL when
/// `HANDBOOK_TEST_POSTGRES` names a server (`make test` runs those suites a second time so, on a
/// throw-away server that `scripts/postgres.sh` starts). One set of tests, two engines.
public enum TestDatabases {
    /// The server the suites run on, if any.
    public static let postgres: PostgresLocation? = {
        guard let url = ProcessInfo.processInfo.environment["HANDBOOK_TEST_POSTGRES"], !url.isEmpty else {
            return nil
        }
        do {
            return try PostgresLocation(url: url)
        } catch {
            fatalError("HANDBOOK_TEST_POSTGRES: \(error)")
        }
    }()

    /// The engine the suites run on, for test names and messages.
    public static var engine: SQLDialect { postgres == nil ? .sqlite : .postgres }

    /// A new, empty database: a file in `folder`, or a fresh database on the test server. Returns
    /// the setting that names it (a path or a URL), as a service's configuration would.
    public static func make(in folder: URL, name: String = "credit") throws -> String {
        guard let server = postgres else { return folder.appendingPathComponent("\(name).sqlite").path }
        let database = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try PostgresDatabases.create(database, on: server)
        return server.database(database).description
    }

    /// Opens a store on a new database (see ``make(in:name:)``).
    public static func store(
        in folder: URL, name: String = "credit", clock: @escaping @Sendable () -> Date = { Date() }
    )
        throws -> SQLCreditStore
    {
        try SQLCreditStore.open(try make(in: folder, name: name), clock: clock)
    }

    /// Drops a database `make` created on the test server (nothing for a file: its folder goes).
    public static func remove(_ setting: String) {
        guard let server = postgres, PostgresLocation.isURL(setting),
            let location = try? PostgresLocation(url: setting)
        else { return }
        try? PostgresDatabases.drop(location.database, on: server)
    }
}
