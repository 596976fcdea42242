import CreditStore
import Foundation
import GRDB
import HandbookCodec
import TestSupport
import Testing

@Suite(
    "an import killed with SIGKILL leaves the database as it was",
    .enabled(
        if: TestDatabases.engine == .sqlite,
        "kills the command-line import of an SQLite file; PostgreSQL's atomicity is PostgreSQL's own")
)
struct ImportCrashTests {
    /// Everything an import could have touched, to compare before and after.
    func fingerprint(_ path: String) async throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read { db in
            var lines: [String] = []
            for table in [
                "enterprises", "enterprise_aliases", "qualifications", "practitioners", "registrations", "projects",
                "credit_records", "credit_record_history", "audit_log", "imports",
            ] {
                lines.append("\(table) \(try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? -1)")
            }
            lines.append("revision \(try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'revision'") ?? -1)")
            lines.append("integrity \(try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "")")
            return lines
        }
    }

    @Test("the process is killed after it reported 10,000 of 30,000 rows; nothing of the file is in the database")
    func killedMidImport() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let database = scratch.path("credit.sqlite")
        let tool = Repository.executable("handbook-issuer")
        try run(["HANDBOOK_PASSWORD=import crash test password", tool.path, "init", "--database", database])
        try run([tool.path, "seed-demo", "--database", database, "--enterprises", "30"])

        var text = #"{"format":"credit-handbook-import","version":2,"entity":"enterprises","region":"320000"}"# + "\n"
        for index in 1_000..<31_000 {
            let (uscc, code) = try DemoDataset.uscc(index: index, region: "320583")
            text +=
                #"{"uscc":"\#(uscc.value)","name":"昆山第\#(index)建设有限公司","legalRepresentative":"张伟","registeredRegion":"320583","organizationCode":"\#(code)"}"#
                + "\n"
        }
        text += #"{"end":true,"rows":30000}"# + "\n"
        let file = try scratch.write("320000-enterprises.jsonl", text)
        let before = try await fingerprint(database)

        let process = Process()
        process.executableURL = tool
        process.arguments = ["import", "--database", database, file.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        // Wait for the first progress line: the import is then inside its transaction, mid-file.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("rows read") {
            let chunk = errors.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += chunk
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("10000 rows read"))
        #expect(process.isRunning, "the import finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)

        // The WAL holds at most an uncommitted transaction, which SQLite discards on open.
        #expect(try await fingerprint(database) == before)
        let store = try SQLCreditStore(path: database)
        let admin = try #require(try await store.account(named: "admin"))
        #expect(try await store.verifyAuditChain(by: admin).isIntact)
        #expect(
            try await store.enterprise(
                identifiedBy: try DemoDataset.uscc(index: 1_000, region: "320583").0.value, by: admin) == nil)

        // The same file imports completely afterwards.
        let output = try run([tool.path, "import", "--database", database, file.path])
        #expect(output.contains("30000 enterprises rows — 30000 new"))
        #expect(
            try await store.enterprise(
                identifiedBy: try DemoDataset.uscc(index: 30_999, region: "320583").0.value, by: admin) != nil)
    }
}
