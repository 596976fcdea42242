import ArgumentParser
import CardReader
import Foundation
import HandbookCodec
import HandbookCrypto

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The inspector's and the enterprise's tool (DESIGN.md §7): verifies a card in a reader against the
/// service (online) or a signed data package (offline), and shows a card's content; `watch` and card
/// image files follow.
@main
struct VerifyTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handbook-verify",
        abstract: "Verify a credit handbook card, or show what it says.",
        discussion: """
            Exit codes of verify: 0 current, 1 outdated, 2 expired, 3 revoked, 4 incomplete issuance, \
            5 invalid, 6 unreadable, 7 freshness unknown.
            """,
        subcommands: [Verify.self, Show.self])
}

struct CardOptions: ParsableArguments {
    @Option(help: "The reader; by default the first reader with a card.")
    var reader: String?

    @Option(help: "A card image file (the virtual card's JSON) instead of a card in a reader.")
    var image: String?

    /// The card's content, from the image file or the card (nil connection for an image).
    func readCard() throws -> (CardReadout, CardConnection?) {
        if let image {
            return (try CardImageFile.read(image), nil)
        }
        let connection = try connect()
        do {
            return (try HandbookCard(connection: connection).read(), connection)
        } catch {
            connection.disconnect()
            throw error
        }
    }

    func connect() throws -> CardConnection {
        let context = try PCSCContext()
        if let reader { return try context.connect(reader: reader) }
        let readers = try context.readers()
        guard let withCard = try readers.first(where: { try context.state(of: $0).hasCard }) else {
            throw CardError(.noCard, "no reader holds a card; insert one (readers: \(readers.joined(separator: ", ")))")
        }
        return try context.connect(reader: withCard)
    }
}

struct TrustOptions: ParsableArguments {
    @Option(help: "A pinned root certificate (PEM); repeat. Default: the TEST roots of Keys/.")
    var root: [String] = ["Keys/p256/root-ca.pem", "Keys/sm2/root-ca.pem"]

    @Option(help: "A CRL (PEM); repeat. Default: the TEST CRLs of Keys/.")
    var crl: [String] = ["Keys/p256/crl.pem", "Keys/sm2/crl.pem"]

    func trustStore() throws -> TrustStore {
        TrustStore(
            roots: try root.map { try Certificate(pemEncoded: try String(contentsOfFile: $0, encoding: .utf8)) },
            revocationLists: try crl.map {
                try CertificateRevocationList(pemEncoded: try String(contentsOfFile: $0, encoding: .utf8))
            })
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a card: format, signature, chain and revocation, card authentication, status, freshness.")

    @OptionGroup var card: CardOptions
    @OptionGroup var trust: TrustOptions

    @Option(help: "A signed data package to compare the card with (offline).")
    var package: String?

    @Option(help: "The oldest package accepted, in hours.")
    var packageMaxAgeHours: Double = 168

    @Option(help: "The issuance service to reconcile with (online), http://host:port.")
    var service: String?

    @Option(help: "The inspector account for the service; its password comes from $HANDBOOK_PASSWORD.")
    var account: String = "inspector"

    @Option(help: "Seconds to wait for the service before degrading to offline.")
    var timeout: Double = 3

    @Flag(help: "Print the result as JSON (schema handbook-verify/1).")
    var json = false

    func run() async throws {
        let report = await check()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.humanText)
        }
        throw ExitCode(report.exitCode)
    }

    func check() async -> VerifyReport {
        let now = Date()
        let connection: CardConnection?
        let readout: CardReadout
        do {
            (readout, connection) = try card.readCard()
        } catch let error as CardReadError {
            if case .content(.incompleteIssuance(let reason)) = error {
                return VerifyReport(CardVerdict.unreadable(reason, incompleteIssuance: true))
            }
            return VerifyReport(CardVerdict.unreadable(error.description, incompleteIssuance: false))
        } catch {
            return VerifyReport(CardVerdict.unreadable("\(error)", incompleteIssuance: false))
        }
        defer { connection?.disconnect() }
        guard let bytes = readout.document else {
            return VerifyReport(
                CardVerdict.unreadable(
                    "card \(readout.info.serial) holds no handbook (blank)", incompleteIssuance: false),
                serial: readout.info.serial)
        }
        let trustStore: TrustStore
        do {
            trustStore = try trust.trustStore()
        } catch {
            return VerifyReport(
                CardVerdict.unreadable("the trust store could not be loaded: \(error)", incompleteIssuance: false))
        }
        let verification = HandbookVerifier.verify(
            bytes, trustStore: trustStore, at: now, cardSerial: readout.info.serial)
        var authenticated: Bool?  // not done for an image: there is no card to challenge
        if let connection, let document = verification.document,
            let key = try? PublicKey(spkiDER: document.content.header.cardPublicKey)
        {
            authenticated =
                (try? HandbookCard(connection: connection).internalAuthenticate(
                    publicKey: key, serial: readout.info.serial))
                ?? false
        }
        var reference: Reference?
        var notes: [String] = []
        var online: OnlineService?
        if let service, let document = verification.document {
            do {
                let client = try await OnlineService.connect(
                    service, account: account, password: ProcessInfo.processInfo.environment["HANDBOOK_PASSWORD"] ?? "",
                    timeout: timeout)
                reference = try await client.reference(card: readout.info.serial, document: document.content)
                online = client
            } catch {
                notes.append("service \(service) not used, degraded to offline: \(error)")
            }
        }
        if reference == nil, let package, let document = verification.document {
            do {
                let packageBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: package)))
                let verified = try DataPackageVerifier.verify(
                    packageBytes, trustStore: trustStore, now: now, maximumAge: packageMaxAgeHours * 3_600)
                reference = Reference(package: verified, card: readout.info.serial, document: document.content)
            } catch {
                notes.append("package \(package) not used: \(error)")
            }
        }
        var verdict = CardVerdict.decide(verification, cardAuthenticated: authenticated, reference: reference)
        verdict.reasons += notes
        if let online {
            // The proof of check, kept by the service (best effort: the verdict stands without it).
            await online.sendCheck(
                serial: readout.info.serial, document: verification.document?.content.header.documentNumber,
                verdict: verdict, at: now)
        }
        return VerifyReport(
            verdict, serial: readout.info.serial, document: verification.document?.content,
            authenticated: authenticated, checks: verification.checks, source: reference?.source)
    }
}

/// What `verify --json` prints (schema `handbook-verify/1`).
struct VerifyReport: Encodable {
    struct Check: Encodable {
        var name: String
        var outcome: String
        var reason: String?
    }

    var schema = "handbook-verify/1"
    var verdict: String
    var exitCode: Int32
    var reasons: [String]
    var cardSerial: String?
    var documentNumber: String?
    var enterprise: String?
    var enterpriseName: String?
    /// `passed`, `failed` or `not-done`.
    var cardAuthentication: String
    var checks: [Check]
    var comparedWith: String?
    var comparedRevision: UInt64?
    var differences: [Reconciliation.Difference]

    init(
        _ verdict: CardVerdict, serial: CardSerial? = nil, document: HandbookContent? = nil, authenticated: Bool? = nil,
        checks: [DocumentVerification.Check] = [], source: String? = nil
    ) {
        self.verdict = verdict.verdict.rawValue
        exitCode = verdict.verdict.exitCode
        reasons = verdict.reasons
        cardSerial = serial?.description
        documentNumber = document?.header.documentNumber.value
        enterprise = document?.enterprise.uscc.value
        enterpriseName = document?.enterprise.name
        cardAuthentication = authenticated.map { $0 ? "passed" : "failed" } ?? "not-done"
        self.checks = checks.map { check in
            switch check.outcome {
            case .passed: return Check(name: check.name.rawValue, outcome: "passed", reason: nil)
            case .failed(let reason): return Check(name: check.name.rawValue, outcome: "failed", reason: reason)
            case .notChecked(let reason):
                return Check(name: check.name.rawValue, outcome: "not-checked", reason: reason)
            }
        }
        comparedWith = source
        comparedRevision = verdict.comparedRevision
        differences = verdict.reconciliation?.differences ?? []
    }

    var verdictValue: Verdict { Verdict(rawValue: verdict) ?? .unreadable }

    var humanText: String {
        var lines = [
            "\(verdictValue.chineseName) / \(verdict.uppercased())"
                + (enterpriseName.map { " — \($0) (\(enterprise ?? ""))" } ?? "")
                + (documentNumber.map { ", 文档 document \($0)" } ?? "") + (cardSerial.map { ", 卡 card \($0)" } ?? "")
        ]
        lines += reasons.map { "  · \($0)" }
        for difference in differences { lines.append("  \(difference)") }
        return lines.joined(separator: "\n")
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every field of the card's handbook, readable, without the network.")

    @OptionGroup var card: CardOptions

    func run() throws {
        let (readout, connection) = try card.readCard()
        defer { connection?.disconnect() }
        guard let bytes = readout.document else {
            print("卡 card \(readout.info.serial): 空白卡，无信用手册 / blank, no handbook")
            return
        }
        let content = try HandbookDocument(decoding: bytes).content
        print(HandbookText.render(content))
    }
}

/// The whole content of a handbook in Chinese and English.
enum HandbookText {
    static func render(_ content: HandbookContent) -> String {
        let header = content.header
        var lines: [String] = []
        lines.append("信用手册 Credit handbook \(header.documentNumber) — 卡 card \(header.cardSerial)")
        lines.append(
            "  签发 issued \(header.issuedAt) by \(header.issuingOffice.name) (\(header.issuingOffice.region.code)); 有效至 valid until \(header.expiresOn); 数据库版本 revision \(header.databaseRevision)"
        )
        let enterprise = content.enterprise
        lines.append("企业 Enterprise")
        lines.append("  \(enterprise.name) · 统一社会信用代码 USCC \(enterprise.uscc)")
        lines.append(
            "  法定代表人 legal representative \(enterprise.legalRepresentative) · 注册属地 registered in \(enterprise.registeredRegion.name) (\(enterprise.registeredRegion.code))"
        )
        lines.append("资质 Qualifications (\(content.qualifications.count))")
        for item in content.qualifications {
            lines.append(
                "  \(item.category) \(item.grade) · 证书 \(item.certificateNumber) · \(item.validFrom)–\(item.validUntil) · \(item.issuingAuthority)"
            )
        }
        lines.append(
            "注册执业人员 Registered practitioners (\(content.practitioners.count), \(content.omitted.practitioners) left out)"
        )
        for item in content.practitioners {
            lines.append(
                "  \(item.name) · \(item.registrationType) \(item.registrationNumber) · \(item.maskedIdentityNumber)")
        }
        lines.append(
            "业绩 Performance: \(content.performance.projectCount) projects, 合同额 \(content.performance.totalContractAmount) 元 (\(content.projects.count) shown, \(content.omitted.projects) left out)"
        )
        for item in content.projects {
            lines.append(
                "  \(item.projectNumber) \(item.name) · \(item.role.chineseName) · \(item.contractAmount) 元"
                    + (item.completionDate.map { " · 竣工 completed \($0)" } ?? "")
                    + (item.awards.isEmpty ? "" : " · \(item.awards.joined(separator: "、"))"))
        }
        lines.append(
            "信用记录 Credit records (\(content.creditRecords.count), \(content.omitted.goodRecords) good records left out)"
        )
        for item in content.creditRecords {
            let code = item.behaviourCode.map { " \($0.code) \($0.behaviourDescription ?? "(地方代码 local code)")" } ?? ""
            lines.append(
                "  \(item.recordNumber) \(item.kind.chineseName)\(code) · \(item.decisionNumber) · \(item.authority)（\(item.authorityLevel.chineseName)）· 决定 decided \(item.decisionDate) · 公布 published \(item.publishedFrom)–\(item.publishedUntil)"
            )
            lines.append("    \(item.summary)")
        }
        return lines.joined(separator: "\n")
    }
}

/// The issuance service, as the verifier uses it: log in, read the card's status and the
/// enterprise's current view, send the proof of check.
struct OnlineService {
    let base: String
    let token: String
    let session: URLSession

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func connect(_ base: String, account: String, password: String, timeout: Double) async throws
        -> OnlineService
    {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 2
        let session = URLSession(configuration: configuration)
        let body = try JSONSerialization.data(withJSONObject: ["name": account, "password": password])
        let data = try await request(session, base + "/v1/login", method: "POST", token: nil, body: body)
        guard let token = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["token"] as? String else {
            throw Failure(description: "the service's login answer has no token")
        }
        return OnlineService(base: base, token: token, session: session)
    }

    static func request(_ session: URLSession, _ url: String, method: String, token: String?, body: Data?) async throws
        -> Data
    {
        guard let target = URL(string: url) else { throw Failure(description: "\(url) is not a URL") }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw Failure(
                description:
                    "\(method) \(target.path) answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return data
    }

    struct CardStatus: Decodable {
        var serial: CardSerial
        var state: CardState
        var uscc: USCC?
        var document: DocumentNumber?
        var documentState: DocumentState?
        var revision: UInt64
    }

    struct CurrentView: Decodable {
        var view: HandbookView
        var revision: UInt64
    }

    /// The service's answer for a card and its document, as a reference.
    func reference(card serial: CardSerial, document: HandbookContent) async throws -> Reference {
        let decoder = JSONDecoder()
        let statusData = try await Self.request(
            session, base + "/v1/cards/\(serial)", method: "GET", token: token, body: nil)
        let status = try decoder.decode(CardStatus.self, from: statusData)
        let viewData = try await Self.request(
            session, base + "/v1/enterprises/\(document.enterprise.uscc)/view", method: "GET", token: token, body: nil)
        let current = try decoder.decode(CurrentView.self, from: viewData)
        let onCard = document.header.documentNumber
        return Reference(
            source: "online \(base)", revision: current.revision,
            card: PackageCard(serial: status.serial, state: status.state, uscc: status.uscc, document: status.document),
            document: status.document == onCard
                ? PackageDocument(
                    number: onCard, card: serial, uscc: document.enterprise.uscc,
                    state: status.documentState ?? .current,
                    viewRevision: document.header.databaseRevision) : nil,
            view: current.view)
    }

    func sendCheck(serial: CardSerial, document: DocumentNumber?, verdict: CardVerdict, at time: Date) async {
        var body: [String: Any] = [
            "checkedAt": CardTimestamp(secondsSince1970: Int64(time.timeIntervalSince1970)).description,
            "cardSerial": serial.description, "verdict": verdict.verdict.rawValue,
        ]
        body["documentNumber"] = document?.value
        body["comparedRevision"] = verdict.comparedRevision
        guard let data = try? JSONSerialization.data(withJSONObject: body) else { return }
        _ = try? await Self.request(session, base + "/v1/checks", method: "POST", token: token, body: data)
    }
}

/// A card image file: the files of a card as the virtual card keeps them (JSON with base64
/// `cardInfo`, `status`, `slot0`, `slot1`). Read as a verifier reads a card, without its keys.
enum CardImageFile {
    struct Files: Decodable {
        var cardInfo: Data
        var status: Data
        var slot0: Data
        var slot1: Data
    }

    static func read(_ path: String) throws -> CardReadout {
        let files: Files
        do {
            files = try JSONDecoder().decode(Files.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CardError(.protocolViolation, "\(path) is not a card image: \(error)")
        }
        let info: CardInfo
        do {
            info = try CardInfo(decodingFile: [UInt8](files.cardInfo))
        } catch {
            throw CardReadError.content(.malformedFile(error))
        }
        let slots = [[UInt8](files.slot0), [UInt8](files.slot1)]
        switch CommittedDocument.find(
            status: [UInt8](files.status), slotSize: info.slotSize,
            readSlot: { record, _ in
                Array(slots[record.activeSlot].prefix(record.documentLength))
            })
        {
        case .neverCommitted:
            return CardReadout(info: info, status: nil, document: nil)
        case .committed(let record, let document):
            return CardReadout(info: info, status: record, document: document)
        case .noMatchingRecord:
            throw CardReadError.content(
                .incompleteIssuance("no commit record of EF.Status matches the bytes of its slot"))
        }
    }
}
