import CardReader
import CreditStore
import Foundation
import HTTPTypes
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import Hummingbird
import HummingbirdTesting
import ISO7816
import IssuanceService
import NIOCore
import ServiceTestSupport
import TestSupport
import Testing
import VirtualCard

@Suite("issuance through pcscd and the virtual card", .serialized)
struct CardIssuanceTests {
    @Test(
        "issued over HTTP, the card verifies; re-issued, it keeps its key and supersedes the document",
        arguments: ["handbook-8k", "handbook-32k", "handbook-64k"])
    func issueOverHTTP(profile: String) async throws {
        let t = try await TestService(readers: ["Virtual PCD 00 00"])
        defer { t.remove() }
        let card = try await TestSlot(slot: 0, profile: profile, serial: "8656B00000000001", in: t.directory)
        try card.insert()
        let uscc = t.jiangsu.enterprise.uscc
        let demoDocument = try #require(try await t.store.cardStatus(t.jiangsu.card, by: t.root)?.document)

        try await t.application.test(.live) { client in
            let issuer = try await client.login("issuer-in")
            // An enterprise outside the issuer's regions: as unknown as one that does not exist,
            // before the card is touched.
            let outside = try await client.send(
                .post, "/v1/issuances", token: issuer,
                body: ["uscc": t.zhejiang.enterprise.uscc.value, "reader": card.reader])
            #expect(outside.status == .notFound)
            #expect(outside.errorCode == "STORE_NOT_FOUND")
            let unknownReader = try await client.send(
                .post, "/v1/issuances", token: issuer, body: ["uscc": uscc.value, "reader": "Virtual PCD 00 01"])
            #expect(unknownReader.errorCode == "UNKNOWN_READER")

            let first = try await client.send(
                .post, "/v1/issuances", token: issuer, body: ["uscc": uscc.value, "reader": card.reader])
            #expect(first.status == .created, "\(first.text)")
            let result = try first.json(IssuanceResult.self)
            #expect(result.personalised)
            #expect(result.profile == profile)
            #expect(result.superseded == [demoDocument])

            let (readout, document) = try card.read()
            let onCard = try #require(document)
            #expect(onCard.content.header.documentNumber == result.document)
            let verification = HandbookVerifier.verify(
                readout.document!, trustStore: try trustStore(), at: Date(), cardSerial: readout.info.serial)
            #expect(verification.isValid, "\(verification.checks)")
            #expect(try card.authenticate(onCard))
            #expect(onCard.content.header.databaseRevision == result.viewRevision)

            let status = try await t.store.cardStatus(readout.info.serial, by: t.root)
            #expect(status?.state == .issued)
            #expect(status?.document == result.document)
            #expect(status?.documentState == .current)
            #expect(try await t.store.journalEntry(result.journal)?.state == .committed)

            // Re-issue: same card key, new document, the first one superseded.
            let second = try await client.send(
                .post, "/v1/issuances", token: issuer, body: ["uscc": uscc.value, "reader": card.reader])
            let again = try second.json(IssuanceResult.self)
            #expect(!again.personalised)
            #expect(again.superseded == [result.document])
            let (_, reissued) = try card.read()
            #expect(reissued?.content.header.documentNumber == again.document)
            #expect(reissued?.content.header.cardPublicKey == onCard.content.header.cardPublicKey)
            #expect(try card.authenticate(try #require(reissued)))
            #expect(try await t.store.openIssuances().isEmpty)
        }
        try await card.remove()
    }

    @Test("two issuances to one card at once: exactly one succeeds")
    func concurrentIssuance() async throws {
        let t = try await TestService(readers: ["Virtual PCD 00 00"])
        defer { t.remove() }
        let card = try await TestSlot(slot: 0, profile: "handbook-32k", serial: "8656B00000000002", in: t.directory)
        // Slow answers, so that both requests are inside an issuance at the same time.
        try card.insert(faults: FaultPlan(delay: .milliseconds(60)))
        let uscc = t.jiangsu.enterprise.uscc.value
        try await t.application.test(.live) { client in
            let token = try await client.login("issuer-in")
            let port = try #require(client.port)
            let body = try JSONSerialization.data(withJSONObject: ["uscc": uscc, "reader": card.reader])
            // Two clients, two connections: the requests really run at the same time.
            @Sendable func issue() async throws -> (HTTPResponse.Status, String) {
                try await TestClient.withClient(host: "127.0.0.1", port: port) { other in
                    var headers = HTTPFields()
                    headers[.authorization] = "Bearer \(token)"
                    headers[.contentType] = "application/json"
                    let response = try await other.execute(
                        .init("/v1/issuances", method: .post, headers: headers, body: ByteBuffer(bytes: body)))
                    return (response.status, response.body.map { String(buffer: $0) } ?? "")
                }
            }
            // The second request goes out while the first issuance is under way (its journal entry open).
            async let a = issue()
            var waited = 0
            while try await t.store.openIssuances().isEmpty, waited < 500 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            let b = try await issue()
            let responses = try await [a, b]
            let statuses = responses.map(\.0)
            #expect(statuses.filter { $0 == .created }.count == 1, "\(responses.map(\.1))")
            #expect(statuses.filter { $0 == .conflict }.count == 1, "\(responses.map(\.1))")
            let loser = try #require(responses.first { $0.0 == .conflict })
            #expect(
                loser.1.contains("READER_BUSY") || loser.1.contains("CARD_SHARING_VIOLATION")
                    || loser.1.contains("being issued already"), "\(loser.1)")
        }
        // One committed document for the card, nothing open.
        let status = try #require(try await t.store.cardStatus(try CardSerial(hex: "8656B00000000002"), by: t.root))
        #expect(status.state == .issued)
        #expect(try await t.store.openIssuances().isEmpty)
        let (_, document) = try card.read()
        #expect(document?.content.header.documentNumber == status.document)
        try await card.remove()
    }

    @Test("an interrupted issuance whose card is not in its reader is flagged for attention, and resolved once it is")
    func attention() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let issuerAccount = try #require(try await t.store.account(named: "issuer-in"))
        let serial = try CardSerial(hex: "8656B00000000003")
        let card = try await TestSlot(slot: 1, profile: "handbook-32k", serial: serial.description, in: t.directory)
        // What a crash during the write leaves: an open entry with its document, the card elsewhere.
        let entry = try await t.store.openIssuance(
            card: serial, profile: "handbook-32k", uscc: t.jiangsu.enterprise.uscc, office: try RegionCode("320000"),
            reader: card.reader, by: issuerAccount)
        _ = try await t.store.advanceIssuance(
            entry.id, to: .writing, document: [0x61, 0x00], viewRevision: 1,
            expiresOn: try CardDate(yyyymmdd: "20271201"))
        let issuer = CardIssuer(store: t.store, credentials: try jiangsuCredentials())
        let first = try await issuer.recover()
        #expect(first.map(\.outcome) == [.attention])
        #expect(first.first?.note.contains("put it back") == true)
        #expect(try await t.store.journalEntry(entry.id)?.state == .attention)
        // An entry flagged for attention does not block the card, and the next recovery looks again.
        try card.insert()
        let second = try await issuer.recover()
        #expect(second.map(\.outcome) == [.abandoned])
        #expect(try await t.store.journalEntry(entry.id)?.state == .abandoned)
        #expect(try await t.store.openIssuances().isEmpty)
        #expect(try await t.store.cardStatus(serial, by: t.root)?.document == nil)
        try await card.remove()
    }

    @Test("handbook-verify against signed packages: current, outdated with the difference, revoked, freshness unknown")
    func verifierAgainstPackages() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let card = try await TestSlot(slot: 0, profile: "handbook-32k", serial: "8656B00000000004", in: t.directory)
        try card.insert()
        let uscc = t.jiangsu.enterprise.uscc
        let issuerAccount = try #require(try await t.store.account(named: "issuer-in"))
        let issued = try await CardIssuer(store: t.store, credentials: try jiangsuCredentials()).issue(
            uscc: uscc, reader: card.reader, by: issuerAccount)

        func package(_ name: String) async throws -> URL { try await t.exportPackage(name) }
        func verify(_ arguments: [String]) async throws -> (code: Int32, report: [String: Any]) {
            try await runVerifier(["verify", "--reader", card.reader, "--json"] + arguments)
        }

        let current = try await verify(["--package", try await package("first").path])
        #expect(current.code == 0, "\(current.report)")
        #expect(current.report["verdict"] as? String == "current")
        #expect(current.report["schema"] as? String == "handbook-verify/2")
        #expect(current.report["cardAuthentication"] as? String == "passed")
        #expect(current.report["documentNumber"] as? String == issued.document.value)

        // A new bad record is published for the enterprise: the card is outdated, the record named.
        let today = CardDate(Date())
        let recorder = try #require(try await t.store.account(named: "recorder-in"))
        let approver = try #require(try await t.store.account(named: "approver-in"))
        let record = try await t.store.record(
            RecordDraft(
                region: try RegionCode("320500"), uscc: uscc, kind: .bad, behaviourCode: try BehaviourCode("D1-3-01"),
                decisionNumber: "苏住建罚〔2026〕77号", authority: "苏州市住房和城乡建设局", authorityLevel: .city,
                decisionDate: try today.adding(days: -3), publicationMonths: 12, summary: "偷工减料"),
            by: recorder)
        _ = try await t.store.approve(record.recordNumber, by: approver)
        _ = try await t.store.publish(record.recordNumber, on: today, by: approver)
        let outdated = try await verify(["--package", try await package("second").path])
        #expect(outdated.code == 1, "\(outdated.report)")
        let differences = outdated.report["differences"] as? [[String: Any]] ?? []
        #expect(differences.first?["key"] as? String == record.recordNumber.value)
        #expect(differences.first?["unfavourable"] as? Bool == true)

        _ = try await t.store.revokeCard(issued.card, reason: "遗失", by: issuerAccount)
        let revoked = try await verify(["--package", try await package("third").path])
        #expect(revoked.code == 3, "\(revoked.report)")

        let offline = try await verify([])
        #expect(offline.code == 7)
        #expect(offline.report["verdict"] as? String == "freshness-unknown")

        // The enterprise's view of its own card, without the network.
        let show = try runVerifierProcess(["show", "--reader", card.reader])
        let text = String(decoding: show.output, as: UTF8.self)
        #expect(show.status == 0, "\(show.errors)")
        #expect(text.contains(t.jiangsu.enterprise.name))
        #expect(text.contains(issued.document.value))
        #expect(text.contains("信用记录 Credit records"))
        try await card.remove()
    }

    @Test(
        "handbook-verify online: current, outdated after a new bad record, a proof of check kept; unreachable degrades")
    func verifierOnline() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let card = try await TestSlot(slot: 0, profile: "handbook-64k", serial: "8656B00000000005", in: t.directory)
        try card.insert()
        let uscc = t.jiangsu.enterprise.uscc
        let issuerAccount = try #require(try await t.store.account(named: "issuer-in"))
        let issued = try await CardIssuer(store: t.store, credentials: try jiangsuCredentials()).issue(
            uscc: uscc, reader: card.reader, by: issuerAccount)
        let reader = card.reader
        @Sendable func verify(_ service: String) async throws -> (code: Int32, report: [String: Any]) {
            try await runVerifier(
                [
                    "verify", "--reader", reader, "--json", "--service", service, "--account", "inspector-in",
                    "--timeout",
                    "5",
                ], environment: ["HANDBOOK_PASSWORD": testPassword])
        }
        try await t.application.test(.live) { client in
            let service = "http://127.0.0.1:\(try #require(client.port))"
            let current = try await verify(service)
            #expect(current.code == 0, "\(current.report)")
            #expect((current.report["comparedWith"] as? String)?.hasPrefix("online") == true)
            #expect(current.report["cardAuthentication"] as? String == "passed")

            let today = CardDate(Date())
            let recorder = try #require(try await t.store.account(named: "recorder-in"))
            let approver = try #require(try await t.store.account(named: "approver-in"))
            let record = try await t.store.record(
                RecordDraft(
                    region: try RegionCode("320500"), uscc: uscc, kind: .blacklist,
                    behaviourCode: try BehaviourCode("D1-1-02"), decisionNumber: "苏住建罚〔2026〕78号",
                    authority: "苏州市住房和城乡建设局", authorityLevel: .city, decisionDate: try today.adding(days: -1),
                    publicationMonths: 12, summary: "以欺骗手段取得资质证书"),
                by: recorder)
            _ = try await t.store.approve(record.recordNumber, by: approver)
            _ = try await t.store.publish(record.recordNumber, on: today, by: approver)
            let outdated = try await verify(service)
            #expect(outdated.code == 1, "\(outdated.report)")
            let differences = outdated.report["differences"] as? [[String: Any]] ?? []
            #expect(differences.first?["key"] as? String == record.recordNumber.value)

            // Both checks were sent to the service and kept.
            let checks = try await t.store.checks(of: issued.card, limit: 10, by: t.root)
            #expect(checks.map(\.check.verdict) == ["outdated", "current"])
            #expect(checks.first?.account == "inspector-in")
        }
        // No service listening: offline, and without a package the freshness is unknown.
        let unreachable = try await verify("http://127.0.0.1:1")
        #expect(unreachable.code == 7, "\(unreachable.report)")
        #expect((unreachable.report["reasons"] as? [String])?.contains { $0.contains("degraded to offline") } == true)
        try await card.remove()
    }
}
