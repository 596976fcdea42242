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
    func expectAgreement(_ store: SQLCreditStore, _ card: TestSlot, serial: CardSerial, _ label: String) async throws
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
