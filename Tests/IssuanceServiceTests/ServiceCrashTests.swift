import CardReader
import CreditStore
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816
import IssuanceService
import ServiceTestSupport
import TestSupport
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
    func start(_ folder: ServiceFolder, crashAt: String?) throws -> ServiceProcess {
        try ServiceProcess(config: folder.config, environment: crashAt.map { ["HANDBOOK_CRASH_AT": $0] } ?? [:])
    }

    func admin(_ store: SQLCreditStore) async throws -> Account {
        try #require(try await store.account(named: "admin"))
    }

    /// Card and database agree; the journal is closed; no document twice.
    func expectAgreement(_ store: SQLCreditStore, _ card: TestSlot, serial: CardSerial, _ label: String) async throws {
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
        let service = try await ServiceFolder()
        defer { service.remove() }
        let folder = service.url
        let store = try SQLCreditStore(path: service.database)
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
            let server = try start(service, crashAt: point.rawValue)
            let token = try await server.login("issuer")
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
            let restarted = try start(service, crashAt: nil)
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
        let server = try start(service, crashAt: nil)
        let token = try await server.login("issuer")
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
        let restarted = try start(service, crashAt: nil)
        let state = try await store.journalEntry(interrupted.id)?.state
        #expect(state == .committed || state == .abandoned)
        try await expectAgreement(store, card, serial: serial, "mid-write")
        // And the service issues normally afterwards.
        let again = try #require(
            await restarted.request(
                "POST", "/v1/issuances", token: try await restarted.login("issuer"),
                body: ["uscc": uscc, "reader": card.reader]))
        #expect(again.0 == 201, "\(again.1)")
        try await expectAgreement(store, card, serial: serial, "after")
        restarted.stop()

        // The same without HTTP: `issue` on the command line, then `revoke`.
        try await service.issuer([
            "issue", "--as", "issuer", "--enterprise", uscc, "--reader", card.reader, "--config", service.config.path,
        ])
        try await expectAgreement(store, card, serial: serial, "issue")
        let issued = try #require(try await store.cardStatus(serial, by: try await admin(store))?.document)
        #expect(try card.read().document?.content.header.documentNumber == issued)
        try await service.issuer([
            "revoke", "--card", serial.description, "--reason", "遗失", "--config", service.config.path,
        ])
        #expect(try await store.cardStatus(serial, by: try await admin(store))?.state == .revoked)
        #expect(try await store.cardStatus(serial, by: try await admin(store))?.documentState == .revoked)
        try await card.remove()
    }
}

/// The PostgreSQL server killed (as a power cut would: `pg_ctl stop -m immediate`) while the service
/// writes a card, then started again: PostgreSQL recovers from its WAL, the service's recovery
/// resolves the interrupted issuance from the card, and journal, card and database agree. Runs alone
/// (it stops the server every PostgreSQL suite uses), after the card suites.
@Suite(
    "the PostgreSQL server killed during an issuance, then started again", .serialized,
    .enabled(if: TestDatabases.postgres != nil, "needs HANDBOOK_TEST_POSTGRES"))
struct PostgresCrashTests {
    /// scripts/postgres.sh crash | restart, spawned and reaped with waitpid (Foundation's
    /// Process.waitUntilExit was seen to miss this script's exit once the server it restarts runs).
    func server(_ command: String) async throws {
        let script = Repository.root.appendingPathComponent("scripts/postgres.sh").path
        let status = try await Task.detached { () throws -> Int32 in
            var pid: pid_t = 0
            let arguments = [script, command]
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            let spawned = posix_spawn(&pid, script, nil, nil, &argv, environ)
            guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            return status
        }.value
        #expect(status == 0, "scripts/postgres.sh \(command) exited with status \(status)")
    }

    @Test("killed while the card is written; after the restart the journal, the card and the database agree")
    func serverKilledMidWrite() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pgcrash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let database = try TestDatabases.make(in: scratch)
        defer { TestDatabases.remove(database) }
        let service = try await ServiceFolder(database: database)
        defer { service.remove() }
        let store = try SQLCreditStore.open(database)
        defer { try? store.close() }
        let uscc = try DemoDataset(seed: 2007, count: 12).enterprise(6).enterprise.uscc.value
        let serial = try CardSerial(hex: "8656C00000000009")
        let card = try await TestSlot(slot: 0, profile: "handbook-32k", serial: serial.description, in: service.url)
        // A slow card: the write takes long enough to kill the server in the middle of it.
        try card.insert(faults: FaultPlan(delay: .milliseconds(25)))

        let running = try ServiceProcess(config: service.config)
        let token = try await running.login("issuer")
        async let answer = running.request(
            "POST", "/v1/issuances", token: token, body: ["uscc": uscc, "reader": card.reader])
        var step: IssuanceStep?
        for _ in 0..<400 {
            step = try await store.openIssuances().first?.step
            if step == .writing { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(step == .writing)
        try await server("crash")
        // The service cannot record the end of the write: the issuance fails, the service stays up.
        let failed = await answer
        #expect(failed?.0 != 201, "the issuance reported success with its database down: \(String(describing: failed))")
        #expect(await running.request("GET", "/v1/health") != nil, "the service died with its database")
        try await server("restart")

        // Nothing was lost: the interrupted issuance is still open in the journal.
        let interrupted = try #require(try await store.openIssuances().first)
        #expect(interrupted.cardSerial == serial)
        // Restarted, the service resolves it from the card.
        running.stop()
        let restarted = try ServiceProcess(config: service.config)
        let state = try await store.journalEntry(interrupted.id)?.state
        #expect(state == .committed || state == .abandoned, "\(String(describing: state))")
        try await ServiceCrashTests().expectAgreement(store, card, serial: serial, "after the server's restart")
        #expect(try await store.verifyAuditChain(by: try #require(try await store.account(named: "admin"))).isIntact)
        // And the service issues normally afterwards, on new connections.
        let again = try #require(
            await restarted.request(
                "POST", "/v1/issuances", token: try await restarted.login("issuer"),
                body: ["uscc": uscc, "reader": card.reader]))
        #expect(again.0 == 201, "\(again.1)")
        try await ServiceCrashTests().expectAgreement(store, card, serial: serial, "after")
        restarted.stop()
        try await card.remove()
    }
}
