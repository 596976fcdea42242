import CardReader
import CardTestSupport
import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto
import IssuanceService
import Testing
import VirtualCard

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `handbook-issuer serve` as a separate process, killed with SIGKILL at each point of an issuance
/// and started again: afterwards the card and the database agree, nothing is lost or duplicated,
/// and the journal is closed.
@Suite("the service killed with SIGKILL during an issuance, then restarted", .serialized)
struct ServiceCrashTests {
    final class Server: @unchecked Sendable {
        let process = Process()
        let port: Int

        init(config: URL, crashAt: String?) throws {
            process.executableURL = Repository.executable("handbook-issuer")
            process.arguments = ["serve", "--config", config.path, "--listen", "127.0.0.1:0"]
            var environment = ProcessInfo.processInfo.environment
            environment["HANDBOOK_CRASH_AT"] = crashAt
            environment["LOG_LEVEL"] = "warning"
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var seen = ""
            while !seen.contains("\n") {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            guard let range = seen.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                let port = Int(seen[range].split(separator: ":").last!)
            else { throw StoreError(.database, "the service did not start: \(seen)") }
            self.port = port
        }

        func request(_ method: String, _ path: String, token: String? = nil, body: [String: String]? = nil) async
            -> (Int, String)?
        {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = method
            request.timeoutInterval = 30
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            if let body {
                request.httpBody = try? JSONSerialization.data(withJSONObject: body)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            guard let (data, response) = try? await URLSession.shared.data(for: request) else { return nil }
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }

        func login() async throws -> String {
            let (status, text) = try #require(
                await request("POST", "/v1/login", body: ["name": "issuer", "password": testPassword]))
            #expect(status == 200, "\(text)")
            return try JSONDecoder().decode(LoginAnswer.self, from: Data(text.utf8)).token
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = Repository.executable("handbook-issuer")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HANDBOOK_PASSWORD"] = testPassword
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "handbook-issuer \(arguments.joined(separator: " "))")
    }

    func admin(_ store: SQLiteCreditStore) async throws -> Account {
        try #require(try await store.account(named: "admin"))
    }

    /// Card and database agree; the journal is closed; no document twice.
    func expectAgreement(_ store: SQLiteCreditStore, _ card: TestSlot, serial: CardSerial, _ label: String) async throws
    {
        #expect(try await store.openIssuances().isEmpty, "\(label): open journal entries")
        let status = try await store.cardStatus(serial, by: try await admin(store))
        let onCard = try card.read().document?.content.header.documentNumber
        if let onCard {
            #expect(
                status?.document == onCard,
                "\(label): the database says \(String(describing: status?.document)), the card holds \(onCard)")
            #expect(status?.documentState == .current, "\(label)")
            #expect(status?.state == .issued, "\(label)")
        } else {
            #expect(status?.document == nil, "\(label): the database names a document the card does not hold")
        }
        let committed = try await store.auditEntries(after: 0, limit: 10_000, by: try await admin(store)).filter {
            $0.action == "issuance.commit"
        }
        #expect(Set(committed.map { $0.detail }).count == committed.count, "\(label): a commit twice")
    }

    @Test("killed after each step, and mid-write; restarted, every issuance is resolved from the card")
    func crashAtEachStep() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("credit.sqlite").path
        let config = folder.appendingPathComponent("issuer.json")
        let keys = Repository.root.appendingPathComponent("Keys").path
        try JSONSerialization.data(withJSONObject: [
            "database": database,
            "office": [
                "region": "320000", "name": "江苏省住房和城乡建设厅", "key": "\(keys)/p256/office-320000.key.pem",
                "certificate": "\(keys)/p256/office-320000.pem",
            ],
            "masterKey": "\(keys)/issuer-master-key.hex",
            "packageSigner": [
                "key": "\(keys)/p256/package-signer.key.pem", "certificate": "\(keys)/p256/package-signer.pem",
                "crls": ["\(keys)/p256/crl.pem"],
            ],
            "readers": ["Virtual PCD 00 00"],
        ]).write(to: config)
        try run(["init", "--config", config.path])
        try run(["accounts", "add", "issuer", "--role", "issuer", "--regions", "320000", "--config", config.path])
        try run(["seed-demo", "--enterprises", "12", "--config", config.path])
        let store = try SQLiteCreditStore(path: database)
        let uscc = try DemoDataset(seed: 2007, count: 12).enterprise(6).enterprise.uscc.value

        let card = try await TestSlot(slot: 0, profile: "handbook-32k", serial: "8656C00000000001", in: folder)
        let serial = try CardSerial(hex: "8656C00000000001")
        try card.insert()
        // In this order the card is blank for the first three points, then holds documents.
        let expectations: [(CardIssuer.CrashPoint, JournalState)] = [
            (.opened, .abandoned), (.personalising, .abandoned), (.personalised, .abandoned), (.writing, .abandoned),
            (.written, .committed), (.committing, .committed),
        ]
        var lastJournal: Int64 = 0
        for (point, expected) in expectations {
            let server = try Server(config: config, crashAt: point.rawValue)
            let token = try await server.login()
            let answer = await server.request(
                "POST", "/v1/issuances", token: token, body: ["uscc": uscc, "reader": card.reader])
            #expect(answer == nil, "\(point): the service answered \(String(describing: answer)) instead of dying")
            server.process.waitUntilExit()
            #expect(server.process.terminationReason == .uncaughtSignal, "\(point)")
            #expect(server.process.terminationStatus == SIGKILL, "\(point)")
            let open = try await store.openIssuances()
            #expect(open.count == 1, "\(point): the journal should hold the interrupted issuance")
            #expect(
                open.first?.step.rawValue
                    == (point == .personalised ? "personalising" : point == .written ? "writing" : point.rawValue))

            // Restarted: start-up resolves the entry from the card.
            let restarted = try Server(config: config, crashAt: nil)
            let journal = try #require(open.first?.id)
            #expect(try await store.journalEntry(journal)?.state == expected, "\(point)")
            try await expectAgreement(store, card, serial: serial, "\(point)")
            if expected == .committed {
                #expect(try card.read().document?.content.header.documentNumber == open.first?.documentNumber)
            }
            restarted.stop()
            lastJournal = journal
        }

        // Killed from outside in the middle of the write (slow card): either document, never neither.
        try await card.remove()
        try card.insert(faults: FaultPlan(delay: .milliseconds(25)))
        let server = try Server(config: config, crashAt: nil)
        let token = try await server.login()
        async let answer = server.request(
            "POST", "/v1/issuances", token: token, body: ["uscc": uscc, "reader": card.reader])
        var step: IssuanceStep?
        for _ in 0..<400 {
            step = try await store.openIssuances().first { $0.id > lastJournal }?.step
            if step == .writing { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(step == .writing)
        try await Task.sleep(for: .milliseconds(60))
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        _ = await answer
        let interrupted = try #require(try await store.openIssuances().first)
        let restarted = try Server(config: config, crashAt: nil)
        let state = try await store.journalEntry(interrupted.id)?.state
        #expect(state == .committed || state == .abandoned)
        try await expectAgreement(store, card, serial: serial, "mid-write")
        // And the service issues normally afterwards.
        let again = try #require(
            await restarted.request(
                "POST", "/v1/issuances", token: try await restarted.login(),
                body: ["uscc": uscc, "reader": card.reader]))
        #expect(again.0 == 201, "\(again.1)")
        try await expectAgreement(store, card, serial: serial, "after")
        restarted.stop()

        // The same without HTTP: `issue` on the command line, then `revoke`.
        try run(["issue", "--as", "issuer", "--enterprise", uscc, "--reader", card.reader, "--config", config.path])
        try await expectAgreement(store, card, serial: serial, "issue")
        let issued = try #require(try await store.cardStatus(serial, by: try await admin(store))?.document)
        #expect(try card.read().document?.content.header.documentNumber == issued)
        try run(["revoke", "--card", serial.description, "--reason", "遗失", "--config", config.path])
        #expect(try await store.cardStatus(serial, by: try await admin(store))?.state == .revoked)
        #expect(try await store.cardStatus(serial, by: try await admin(store))?.documentState == .revoked)
        try await card.remove()
    }
}
