import Foundation
import Testing

@testable import CreditStore

/// The `postgres://` setting: where the server is, that no password travels in it, and TLS.
@Suite("the PostgreSQL database setting")
struct PostgresLocationTests {
    @Test("a URL names host, port, user and database; the password comes from the environment or a file")
    func parsing() throws {
        let plain = try PostgresLocation(url: "postgres://handbook@127.0.0.1:6543/credit", environment: [:])
        #expect(plain.host == "127.0.0.1")
        #expect(plain.port == 6543)
        #expect(plain.user == "handbook")
        #expect(plain.database == "credit")
        #expect(plain.password == nil)
        #expect(plain.description == "postgres://handbook@127.0.0.1:6543/credit")
        let fromEnvironment = try PostgresLocation(
            url: "postgresql://handbook@db.example/credit", environment: ["HANDBOOK_DATABASE_PASSWORD": "s3cret"])
        #expect(fromEnvironment.password == "s3cret")
        #expect(fromEnvironment.port == 5432)
        #expect(!fromEnvironment.description.contains("s3cret"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pg-password-\(UUID().uuidString)")
        try Data("from a file\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try PostgresLocation(
            url: "postgres://handbook@127.0.0.1/credit", environment: ["HANDBOOK_DATABASE_PASSWORD_FILE": file.path])
        #expect(fromFile.password == "from a file")
    }

    @Test("a password in the URL, a bad URL, a bad port or an unreadable password file is refused with what is wrong")
    func refusals() {
        for (url, environment, words) in [
            ("postgres://handbook:s3cret@127.0.0.1/credit", [String: String](), "carries a password"),
            ("postgres:///credit", [:], "not a postgres://"),
            ("mysql://x@127.0.0.1/credit", [:], "not a postgres://"),
            ("postgres://handbook@127.0.0.1:0/credit", [:], "port"),
            ("postgres://h@127.0.0.1/c", ["HANDBOOK_DATABASE_PASSWORD_FILE": "/nonexistent/pw"], "cannot read"),
            ("postgres://h@db.example/c?sslmode=disable", [:], "loopback only"),
            ("postgres://h@127.0.0.1/c?sslmode=prefer", [:], "sslmode"),
        ] {
            #expect("\(url)") {
                _ = try PostgresLocation(url: url, environment: environment)
            } throws: { error in
                (error as? StoreError)?.message.contains(words) == true
                    && (error as? StoreError)?.message.contains("s3cret") == false
            }
        }
    }

    @Test("TLS is required off loopback, off by default on loopback, and asked for with sslmode=require")
    func tls() throws {
        #expect(try PostgresLocation(url: "postgres://h@127.0.0.1/c", environment: [:]).tls == false)
        #expect(try PostgresLocation(url: "postgres://h@db.example/c", environment: [:]).tls)
        let asked = try PostgresLocation(url: "postgres://h@localhost/c?sslmode=require", environment: [:])
        #expect(asked.tls)
        #expect(asked.description.contains("sslmode=require"))
        // A root certificate file that does not exist is a clear error when the engine prepares TLS.
        let missing = try PostgresLocation(
            url: "postgres://h@db.example/c?sslrootcert=/nonexistent/ca.pem", environment: [:])
        #expect(throws: StoreError.self) { _ = try missing.tlsConfiguration() }
    }
}

/// The statements' SQL as PostgreSQL receives it.
@Suite("SQL translated for PostgreSQL")
struct PostgresDialectTests {
    @Test("placeholders become numbered parameters; literals, identifiers, comments and casts are left alone")
    func placeholders() throws {
        let (text, values) = try PostgresDialect.translate(
            "SELECT '?', \"a?\" FROM t WHERE a = ? AND b = ? -- c = ?\nAND d::text = :name AND e = :name",
            SQLArguments(named: ["name": "x"]) + SQLArguments([.integer(1), .text("two")]))
        #expect(text == "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = $2 -- c = ?\nAND d::text = $3 AND e = $3")
        #expect(values == [.integer(1), .text("two"), .text("x")])
        let numbered = try PostgresDialect.translate(
            "INSERT INTO main.x SELECT ?1, ?2 FROM temp.stage WHERE r = ?1", [Int64(7), "a"])
        #expect(numbered.0 == "INSERT INTO public.x SELECT $1, $2 FROM pg_temp.stage WHERE r = $1")
        #expect(numbered.1 == [.integer(7), .text("a")])
        #expect(
            try PostgresDialect.translate("SELECT * FROM t r INDEXED BY t_index JOIN u", []).0
                == "SELECT * FROM t r JOIN u")
    }

    @Test("a statement with more parameters than arguments, or a name without one, is an error, not a crash")
    func missingArguments() {
        #expect(throws: StoreError.self) { _ = try PostgresDialect.translate("SELECT ?, ?", [Int64(1)]) }
        #expect(throws: StoreError.self) { _ = try PostgresDialect.translate("SELECT :a", SQLArguments()) }
    }
}
