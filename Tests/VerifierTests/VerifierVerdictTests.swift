import CardReader
import CreditStore
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import Hummingbird
import HummingbirdTesting
import ISO7816
import IssuanceService
import Logging
import ServiceTestSupport
import TestSupport
import Testing
import Verifier
import VirtualCard

/// Every verdict of `handbook-verify`, each reached the way it happens in the field: cards issued by
/// the service's issuer through pcscd into the virtual card, read back through pcscd by the real
/// `handbook-verify` process, compared online with the running service or offline with a signed
/// package. Every JSON report is validated against its schema (`runVerifier`).
@Suite("handbook-verify verdicts through pcscd", .serialized)
struct VerifierVerdictTests {
    static let jiangsu = try! RegionCode("320000")

    func issue(
        _ t: TestService, to card: TestSlot, credentials: OfficeCredentials? = nil, clock: Date? = nil,
        account: String = "issuer-in"
    ) async throws -> IssuanceResult {
        let issuer = try #require(try await t.store.account(named: account))
        let credentials = try credentials ?? jiangsuCredentials()
        let when = clock
        return try await CardIssuer(store: t.store, credentials: credentials, clock: { when ?? Date() }).issue(
            uscc: t.jiangsu.enterprise.uscc, reader: card.reader, by: issuer)
    }

    func verify(_ card: TestSlot, _ arguments: [String] = [], environment: [String: String] = [:]) async throws -> (
        code: Int32, report: [String: Any]
    ) {
        try await runVerifier(["verify", "--reader", card.reader, "--json"] + arguments, environment: environment)
    }

    func reasons(_ report: [String: Any]) -> String { (report["reasons"] as? [String] ?? []).joined(separator: " | ") }

    func check(_ report: [String: Any], _ name: String) -> String? {
        (report["checks"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["outcome"] as? String
    }

    @Test("online against the running service: current, outdated with the exact difference, revoked; logged and kept")
    func online() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let card = try await TestSlot(slot: 1, profile: "handbook-8k", serial: "8656B00000000101", in: t.directory)
        try card.insert()
        let issued = try await issue(t, to: card)
        let uscc = t.jiangsu.enterprise.uscc
        let log = t.directory.appendingPathComponent("checks.jsonl")
        try await t.application.test(.live) { client in
            let service = "http://127.0.0.1:\(try #require(client.port))"
            let arguments = ["--service", service, "--account", "inspector-in", "--log", log.path]
            let environment = ["HANDBOOK_PASSWORD": testPassword]
            let current = try await verify(card, arguments, environment: environment)
            #expect(current.code == 0, "\(current.report)")
            #expect(current.report["verdict"] as? String == "current")
            #expect(current.report["cardAuthentication"] as? String == "passed")
            #expect(current.report["sentToService"] as? Bool == true)
            #expect(current.report["onlineTransport"] as? String == "plain")
            #expect((current.report["differences"] as? [Any])?.isEmpty == true)

            // A bad record recorded, approved and published: the card no longer says everything.
            let today = CardDate(Date())
            let recorder = try #require(try await t.store.account(named: "recorder-in"))
            let approver = try #require(try await t.store.account(named: "approver-in"))
            let stored = try await t.store.record(
                RecordDraft(
                    region: try RegionCode("320500"), uscc: uscc, kind: .bad,
                    behaviourCode: try BehaviourCode("D1-3-01"),
                    decisionNumber: "苏住建罚〔2026〕91号", authority: "苏州市住房和城乡建设局", authorityLevel: .city,
                    decisionDate: try today.adding(days: -2), publicationMonths: 6, summary: "偷工减料，降低工程质量"),
                by: recorder)
            _ = try await t.store.approve(stored.recordNumber, by: approver)
            _ = try await t.store.publish(stored.recordNumber, on: today, by: approver)
            let view = try #require(try await t.store.currentView(of: uscc, on: today, by: t.root)).view
            let record = try #require(view.creditRecords.first { $0.recordNumber == stored.recordNumber })

            let outdated = try await verify(card, arguments, environment: environment)
            #expect(outdated.code == 1, "\(outdated.report)")
            let differences = outdated.report["differences"] as? [[String: Any]] ?? []
            #expect(differences.count == 1, "\(differences)")
            let difference = try #require(differences.first)
            #expect(difference["section"] as? String == "creditRecords")
            #expect(difference["key"] as? String == stored.recordNumber.value)
            #expect(difference["change"] as? String == "added")
            #expect(difference["unfavourable"] as? Bool == true)
            let fields = (difference["fields"] as? [[String: Any]] ?? []).map {
                "\($0["name"] as? String ?? "?")=\($0["card"] as? String ?? "—")→\($0["current"] as? String ?? "—")"
            }
            #expect(
                try fields == [
                    "kind=—→不良行为", "behaviourCode=—→D1-3-01", "decisionNumber=—→苏住建罚〔2026〕91号",
                    "authority=—→苏州市住房和城乡建设局", "authorityLevel=—→\(AuthorityLevel.city.chineseName)",
                    "decisionDate=—→\(try today.adding(days: -2))", "publishedFrom=—→\(record.publishedFrom)",
                    "publishedUntil=—→\(record.publishedUntil)", "summary=—→偷工减料，降低工程质量",
                ])
            #expect(record.publishedFrom == today)

            _ = try await t.store.revokeCard(
                issued.card, reason: "遗失",
                by: try #require(try await t.store.account(named: "issuer-in")))
            let revoked = try await verify(card, arguments, environment: environment)
            #expect(revoked.code == 3, "\(revoked.report)")
            #expect(reasons(revoked.report).contains("revoked"))

            // Three checks: kept by the service and in the local log, newest last in the log.
            let kept = try await t.store.checks(of: issued.card, limit: 10, by: t.root)
            #expect(kept.map(\.check.verdict) == ["revoked", "outdated", "current"])
            let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
            let logged = try lines.map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(logged.map { $0["verdict"] as? String } == ["current", "outdated", "revoked"])
            #expect(logged.allSatisfy { $0["cardSerial"] as? String == issued.card.description })
            #expect(logged.allSatisfy { $0["documentNumber"] as? String == issued.document.value })
            #expect(logged.allSatisfy { $0["sentToService"] as? Bool == true })
            #expect(logged.allSatisfy { ($0["comparedRevision"] as? Int ?? 0) > 0 })
        }

        // The same service over TLS, its CA pinned: the answer is used and said to come over TLS.
        let keys = Repository.path("Keys/tls")
        var logger = Logger(label: "issuance-test")
        logger.logLevel = .warning
        let secure = Application(
            router: t.api.router(),
            server: try ServiceServer.builder(
                tls: .init(certificate: "\(keys)/server.pem", key: "\(keys)/server.key.pem"), limits: .init()),
            logger: logger)
        try await secure.test(.live) { client in
            let service = "https://localhost:\(try #require(client.port))"
            let overTLS = try await verify(
                card,
                [
                    "--service", service, "--service-ca", "\(keys)/ca.pem", "--account", "inspector-in", "--log",
                    log.path,
                ],
                environment: ["HANDBOOK_PASSWORD": testPassword])
            #expect(overTLS.code == 3, "\(overTLS.report)")
            #expect(overTLS.report["onlineTransport"] as? String == "tls", "\(overTLS.report)")
            #expect(overTLS.report["sentToService"] as? Bool == true)
        }
        try await card.remove()
    }

    @Test("offline: a fresh package gives current; one older than the limit is not used; none: freshness unknown")
    func packages() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let card = try await TestSlot(slot: 1, profile: "handbook-32k", serial: "8656B00000000102", in: t.directory)
        try card.insert()
        _ = try await issue(t, to: card)
        let fresh = try await t.exportPackage("fresh")
        let stale = try await t.exportPackage("stale", madeAt: Date().addingTimeInterval(-10 * 86_400))

        let current = try await verify(card, ["--package", fresh.path])
        #expect(current.code == 0, "\(current.report)")
        #expect((current.report["comparedWith"] as? String)?.hasPrefix("package 320000") == true)

        let old = try await verify(card, ["--package", stale.path])  // default limit: 168 h
        #expect(old.code == 7, "\(old.report)")
        #expect(old.report["verdict"] as? String == "freshness-unknown")
        #expect(reasons(old.report).contains("download a new package"), "\(reasons(old.report))")

        // The limit is a setting: 300 h accepts the ten-day-old package.
        let allowed = try await verify(card, ["--package", stale.path, "--package-max-age-hours", "300"])
        #expect(allowed.code == 0, "\(allowed.report)")

        let none = try await verify(card)
        #expect(none.code == 7)
        #expect(reasons(none.report).contains("nothing to compare"))
        try await card.remove()
    }

    @Test("expired: a document whose validity ended is expired, whatever the package says")
    func expired() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let card = try await TestSlot(slot: 1, profile: "handbook-8k", serial: "8656B00000000103", in: t.directory)
        try card.insert()
        // Issued 45 days ago for one month.
        let base = try jiangsuCredentials()
        let oneMonth = OfficeCredentials(
            office: base.office, key: base.key, certificate: base.certificate, masterKey: base.masterKey,
            validityMonths: 1)
        _ = try await issue(t, to: card, credentials: oneMonth, clock: Date().addingTimeInterval(-45 * 86_400))
        let result = try await verify(card, ["--package", try await t.exportPackage("p").path])
        #expect(result.code == 2, "\(result.report)")
        #expect(result.report["verdict"] as? String == "expired")
        #expect(check(result.report, "documentExpiry") == "failed")
        #expect(result.report["cardAuthentication"] as? String == "passed")
        try await card.remove()
    }

    @Test("invalid: tampered content, a foreign signer, a cloned card, a document bound to another card")
    func invalid() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let package = { () async throws -> String in try await t.exportPackage("p").path }
        let genuine = try await TestSlot(slot: 1, profile: "handbook-32k", serial: "8656B00000000104", in: t.directory)
        try genuine.insert()
        _ = try await issue(t, to: genuine)
        let packagePath = try await package()
        #expect(try await verify(genuine, ["--package", packagePath]).code == 0)
        try await genuine.remove()
        let original = try CardImage.load(from: genuine.image)

        // 1. One byte of the signed content changed, the commit record made to match: the signature fails.
        let tampered = try #require(original.tampered { $0[$0.count / 2] ^= 0x20 })
        try tampered.save(to: genuine.image)
        try genuine.insert()
        let edited = try await verify(genuine, ["--package", packagePath])
        #expect(edited.code == 5, "\(edited.report)")
        #expect(check(edited.report, "signature") == "failed" || check(edited.report, "format") == "failed")
        try await genuine.remove()

        // 2. A clone: the genuine card's files on a card with a key of the cloner's own.
        var clone = original
        clone.authenticationKeyPEM = try PrivateKey.generate(.ecdsaP256SHA256).pemEncoded()
        try clone.save(to: genuine.image)
        try genuine.insert()
        let cloned = try await verify(genuine, ["--package", packagePath])
        #expect(cloned.code == 5, "\(cloned.report)")
        #expect(cloned.report["cardAuthentication"] as? String == "failed")
        #expect(check(cloned.report, "signature") == "passed")
        #expect(reasons(cloned.report).contains("INTERNAL AUTHENTICATE failed"))
        try await genuine.remove()

        // 3. The document copied onto another card, key and all: bound to the first card's serial.
        let other = try CardSerial(hex: "8656B00000000199")
        var moved = try CardImage.blank(
            profile: try #require(CardProfile.named("handbook-32k")), serial: other,
            masterKey: try SymmetricKey(hex: try Repository.text("Keys/issuer-master-key.hex")))
        moved.authenticationKeyAlgorithm = original.authenticationKeyAlgorithm
        moved.authenticationKeyPEM = original.authenticationKeyPEM
        (moved.status, moved.slot0, moved.slot1) = (original.status, original.slot0, original.slot1)
        try moved.save(to: genuine.image)
        try genuine.insert()
        let elsewhere = try await verify(genuine, ["--package", packagePath])
        #expect(elsewhere.code == 5, "\(elsewhere.report)")
        #expect(elsewhere.report["cardSerial"] as? String == other.description)
        #expect(check(elsewhere.report, "binding") == "failed")
        try await genuine.remove()

        // 4. Issued by an office no verifier trusts (Keys/foreign), onto a fresh card.
        let impostor = try await TestSlot(
            slot: 0, profile: "handbook-8k", serial: "8656B00000000105", in: t.directory)
        try impostor.insert()
        let base = try jiangsuCredentials()
        let foreign = OfficeCredentials(
            office: IssuingOffice(region: try RegionCode("310000"), name: "上海市住房和城乡建设管理委员会"),
            key: try PrivateKey(pemEncoded: try Repository.text("Keys/foreign/office-310000.key.pem")),
            certificate: try Certificate(pemEncoded: try Repository.text("Keys/foreign/office-310000.pem")),
            masterKey: base.masterKey)
        // The impostor office claims Shanghai; an issuer account of Shanghai and Jiangsu uses it.
        _ = try await t.store.createAccount(
            name: "issuer-sh", role: .issuer, scope: RegionScope([try RegionCode("310000"), Self.jiangsu]),
            passwordHash: try PasswordHash.make(testPassword, cost: cheapCost),
            by: try #require(try await t.store.account(named: "root")))
        _ = try await issue(t, to: impostor, credentials: foreign, account: "issuer-sh")
        let untrusted = try await verify(impostor, ["--package", try await package()])
        #expect(untrusted.code == 5, "\(untrusted.report)")
        #expect(check(untrusted.report, "chain") == "failed")
        #expect(untrusted.report["cardAuthentication"] as? String == "passed")
        try await impostor.remove()
    }

    @Test(
        "incomplete issuance and unreadable: a slot that matches no commit record; no card; a blank card; a card pulled mid-read"
    )
    func unreadable() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let card = try await TestSlot(slot: 1, profile: "handbook-64k", serial: "8656B00000000106", in: t.directory)

        // No card in the reader.
        let empty = try await verify(card)
        #expect(empty.code == 6, "\(empty.report)")
        #expect(reasons(empty.report).contains("CARD_NO_CARD") || reasons(empty.report).contains("no card"))

        // A blank card.
        try card.insert()
        let blank = try await verify(card)
        #expect(blank.code == 6, "\(blank.report)")
        #expect(reasons(blank.report).contains("blank"))

        // Issued, then the active slot's bytes no longer match the commit record (a write torn in
        // the slot the card says holds the document).
        _ = try await issue(t, to: card)
        try await card.remove()
        let issued = try CardImage.load(from: card.image)
        let torn = try #require(
            issued.tampered(rewritingCommitRecord: false) { document in
                for index in (document.count / 2)..<document.count { document[index] = 0xFF }
            })
        try torn.save(to: card.image)
        try card.insert()
        let incomplete = try await verify(card)
        #expect(incomplete.code == 4, "\(incomplete.report)")
        #expect(incomplete.report["verdict"] as? String == "incomplete-issuance")
        try await card.remove()

        // Pulled out during the tap — SELECT, READ BINARY of EF.Status, of the slot, INTERNAL
        // AUTHENTICATE (the four commands of a tap on an extended-length card), at each of them:
        // unreadable, never a judgement on the card (not "incomplete", not "a copy").
        try issued.save(to: card.image)
        for command in 1...4 {
            try card.insert(faults: FaultPlan(removalAtCommand: command))
            let pulled = try await verify(card)
            #expect(pulled.code == 6, "removed at command \(command): \(pulled.report)")
            #expect(
                reasons(pulled.report).contains("CARD_"), "removed at command \(command): \(reasons(pulled.report))")
            try await card.remove()
        }
        try card.insert()
        #expect(try await verify(card).code == 7)  // the card itself was never harmed
        try await card.remove()
    }

    @Test("the trust store and the other settings from a configuration file; a bad file is refused, saying why")
    func configuration() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let card = try await TestSlot(slot: 1, profile: "handbook-8k", serial: "8656B00000000107", in: t.directory)
        try card.insert()
        _ = try await issue(t, to: card)
        let package = try await t.exportPackage("p")
        // Paths relative to the file's folder: keys copied beside it.
        let folder = t.directory.appendingPathComponent("verifier")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, source) in [
            ("p256-root.pem", "Keys/p256/root-ca.pem"), ("p256-crl.pem", "Keys/p256/crl.pem"),
            ("foreign-root.pem", "Keys/foreign/root-ca.pem"),
        ] {
            try FileManager.default.copyItem(
                atPath: Repository.path(source), toPath: folder.appendingPathComponent(name).path)
        }
        func write(_ name: String, _ json: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            try json.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let good = try write(
            "verifier.json",
            #"{"roots": ["p256-root.pem"], "crls": ["p256-crl.pem"], "package": "../p.jsonl", "packageMaxAgeHours": 24, "checkLog": "log/checks.jsonl"}"#
        )
        let current = try await runVerifier(["verify", "--reader", card.reader, "--json", "--config", good])
        #expect(current.code == 0, "\(current.report)")
        let logged = try String(contentsOfFile: folder.appendingPathComponent("log/checks.jsonl").path, encoding: .utf8)
        #expect(logged.contains(#""verdict":"current""#))

        // Pinning only another root: the genuine card's chain is not trusted.
        let foreign = try write("foreign.json", #"{"roots": ["foreign-root.pem"], "crls": [], "checkLog": "f.jsonl"}"#)
        let untrusted = try await runVerifier(["verify", "--reader", card.reader, "--json", "--config", foreign])
        #expect(untrusted.code == 5, "\(untrusted.report)")

        // The command line overrides the file.
        let overridden = try await runVerifier([
            "verify", "--reader", card.reader, "--json", "--config", foreign, "--root",
            Repository.path("Keys/p256/root-ca.pem"), "--crl", Repository.path("Keys/p256/crl.pem"), "--package",
            package.path,
        ])
        #expect(overridden.code == 0, "\(overridden.report)")

        // Bad files: exit 64 and a message naming the problem.
        for (json, expected) in [
            (#"{"roots": ["p256-root.pem"], "rots": []}"#, "unknown setting \"rots\""),
            (#"{"roots": "p256-root.pem"}"#, #""roots" must be a list"#),
            (#"{"roots": ["missing.pem"]}"#, "cannot read the root certificate"),
            (
                #"{"roots": ["p256-root.pem"], "timeoutSeconds": -1}"#,
                #""timeoutSeconds" must be a number from 0.1 to 600.0"#
            ),
            ("not json", "is not JSON"),
        ] {
            let path = try write("bad.json", json)
            let (code, _, errors) = try runVerifierProcess(["verify", "--reader", card.reader, "--config", path])
            #expect(code == 64, "\(json): \(errors)")
            #expect(errors.contains(expected), "\(json): \(errors)")
        }
        try await card.remove()
    }
}
