import CardReader
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816

/// Where the card comes from.
public enum CardSource: Sendable, Equatable {
    /// A card in a PC/SC reader; nil = the first reader holding a card.
    case reader(String?)
    /// A card image file (the virtual card's JSON): no card to challenge.
    case image(String)
}

/// Where the time of one check went, in milliseconds.
public struct CheckTimings: Sendable, Codable, Equatable {
    /// Connecting, SELECT, reading EF.CardInfo, EF.Status and the slot, INTERNAL AUTHENTICATE.
    public var cardMilliseconds: Double = 0
    /// The document's signature, chain and revocation, and the card's authentication signature.
    public var cryptoMilliseconds: Double = 0
    /// Getting the reference (the service's answers, or the package's entries) and the diff.
    public var reconciliationMilliseconds: Double = 0
    /// From the start of the check to the verdict.
    public var totalMilliseconds: Double = 0
}

/// Checks cards: format → signature → chain and revocation → card authentication → card and document
/// status → freshness (Docs/ARCHITECTURE.md §8), then records the check locally and, online, with the service.
///
/// One checker serves many checks (`watch`): the trust store and the package are read and verified
/// once, the service session is kept and renewed when it fails.
public actor Checker {
    public let settings: VerifierSettings
    let trustStore: TrustStore
    let password: String
    /// A bearer token to use instead of logging in (`$HANDBOOK_TOKEN`).
    let token: String?
    private var package: VerifiedDataPackage?
    /// Why the configured package cannot be used (read once, reported with every check).
    private var packageProblem: String?
    private var online: OnlineService?
    private let log: CheckLog?

    /// The largest package file read (a region's package is far below this).
    static let packageSizeLimit = 2 << 30

    /// Reads the trust store and, when one is set, reads and verifies the package (its age is
    /// checked at every check, so a long `watch` notices a package going stale).
    /// `logChecks: false` keeps no local record (the benchmark).
    public init(settings: VerifierSettings, password: String, token: String? = nil, logChecks: Bool = true)
        throws(VerifierError)
    {
        self.settings = settings
        self.password = password
        self.token = token
        if let service = settings.service {
            // A plain-HTTP service off loopback is refused before anything is read or sent.
            do {
                _ = try OnlineService.check(service, insecure: settings.insecure)
            } catch {
                throw VerifierError(.configuration, "\(error)")
            }
        }
        trustStore = try settings.trustStore()
        log = logChecks ? CheckLog(path: settings.checkLogPath) : nil
        if let path = settings.package {
            do {
                package = try Self.loadPackage(path, trustStore: trustStore)
            } catch {
                packageProblem = "package \(path) not used: \(error)"
            }
        }
    }

    static func loadPackage(_ path: String, trustStore: TrustStore) throws -> VerifiedDataPackage {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw VerifierError(.package, "cannot open \(path)")
        }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        guard size <= packageSizeLimit else {
            throw VerifierError(.package, "\(path) is \(size) bytes, more than a data package can be")
        }
        try handle.seek(toOffset: 0)
        let bytes = [UInt8](try handle.readToEnd() ?? Data())
        // The age is checked at each check against the settings; here only signature and signer.
        return try DataPackageVerifier.verify(bytes, trustStore: trustStore, maximumAge: .greatestFiniteMagnitude)
    }

    /// One check of the card in `source`, recorded in the local log and, when online, sent to the
    /// service.
    public func check(_ source: CardSource, at now: Date = Date()) async -> VerifyReport {
        var report = await decide(source, at: now)
        if let online, let serial = report.cardSerial {
            report.sentToService = await online.sendCheck(
                serial: serial, document: report.documentNumber, verdict: report.verdict,
                comparedRevision: report.comparedRevision, at: now)
        }
        if let log {
            do {
                try log.append(report.logEntry)
            } catch {
                report.reasons.append("\(error)")
            }
        }
        return report
    }

    /// The verdict for the card in `source`, with where the time went; records nothing.
    public func decide(_ source: CardSource, at now: Date = Date()) async -> VerifyReport {
        let clock = ContinuousClock()
        let start = clock.now
        var timings = CheckTimings()
        func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
        }
        func finish(_ report: VerifyReport) -> VerifyReport {
            var report = report
            timings.totalMilliseconds = milliseconds(clock.now - start)
            report.timings = timings
            report.checkedAt = CardTimestamp(now).description
            return report
        }
        var readerName: String?
        if case .reader(let name) = source { readerName = name }

        // Card I/O: the card's files, on the reader's executor (pcsc-lite blocks its thread).
        let connection: CardConnection?
        let executor: CardExecutor?
        let readout: CardReadout
        do {
            switch source {
            case .image(let path):
                (readout, connection, executor) = (try CardImageFile.read(path), nil, nil)
            case .reader(let name):
                let reader = try await Self.reader(name)
                readerName = reader
                let readerExecutor = CardExecutor.forReader(reader)
                let (opened, result) = try await readerExecutor.run {
                    context throws(CardError) -> (CardConnection, Result<CardReadout, CardReadError>) in
                    let opened = try context.connect(reader: reader)
                    do throws(CardReadError) {
                        return (opened, .success(try HandbookCard(transport: opened).read()))
                    } catch {
                        opened.disconnect()
                        return (opened, .failure(error))
                    }
                }
                readout = try result.get()
                (connection, executor) = (opened, readerExecutor)
            }
        } catch {
            timings.cardMilliseconds = milliseconds(clock.now - start)
            let verdict: CardVerdict
            if case CardReadError.content(.incompleteIssuance(let reason)) = error {
                verdict = CardVerdict.unreadable(reason, incompleteIssuance: true)
            } else {
                verdict = CardVerdict.unreadable("\(error)", incompleteIssuance: false)
            }
            return finish(VerifyReport(verdict, reader: readerName))
        }
        defer {
            if let connection, let executor {
                Task { try? await executor.run { _ throws(CardError) in connection.disconnect() } }
            }
        }
        timings.cardMilliseconds = milliseconds(clock.now - start)
        guard let bytes = readout.document else {
            return finish(
                VerifyReport(
                    CardVerdict.unreadable(
                        "card \(readout.info.serial) holds no handbook (a blank card)", incompleteIssuance: false),
                    reader: readerName, serial: readout.info.serial))
        }

        // Cryptography: the document's signature, chain and revocation.
        var mark = clock.now
        let verification = HandbookVerifier.verify(
            bytes, trustStore: trustStore, at: now, cardSerial: readout.info.serial)
        timings.cryptoMilliseconds += milliseconds(clock.now - mark)

        // Card authentication: the APDU is card I/O, its signature check cryptography.
        var authenticated: Bool?  // nil for an image: there is no card to challenge
        if let connection, let executor, let document = verification.document {
            mark = clock.now
            let key = try? PublicKey(spkiDER: document.content.header.cardPublicKey)
            let challenge = try? randomBytes(16)
            timings.cryptoMilliseconds += milliseconds(clock.now - mark)
            if let key, let challenge {
                mark = clock.now
                let signature: [UInt8]?
                do {
                    signature = try await executor.run { _ throws(CardError) in
                        try HandbookCard(transport: connection).sign(challenge: challenge)
                    }
                } catch {
                    // Pulled out, or the reader failed: not an answer, so no judgement on the card.
                    timings.cardMilliseconds += milliseconds(clock.now - mark)
                    return finish(
                        VerifyReport(
                            CardVerdict.unreadable(
                                "the card could not be challenged (INTERNAL AUTHENTICATE): \(error)",
                                incompleteIssuance: false),
                            reader: readerName, serial: readout.info.serial, document: verification.document?.content,
                            checks: verification.checks))
                }
                timings.cardMilliseconds += milliseconds(clock.now - mark)
                mark = clock.now
                authenticated =
                    signature.map {
                        HandbookCard.isValidAuthentication(
                            $0, challenge: challenge, serial: readout.info.serial, publicKey: key)
                    } ?? false
                timings.cryptoMilliseconds += milliseconds(clock.now - mark)
            } else {
                authenticated = false
            }
        }

        // Reconciliation: the reference and the diff.
        mark = clock.now
        var notes: [String] = []
        var reference: Reference?
        var transport: String?
        if let document = verification.document {
            (reference, notes, transport) = await self.reference(
                for: readout.info.serial, document: document.content, at: now)
        }
        var verdict = CardVerdict.decide(verification, cardAuthenticated: authenticated, reference: reference)
        verdict.reasons += notes
        timings.reconciliationMilliseconds = milliseconds(clock.now - mark)
        var report = VerifyReport(
            verdict, reader: readerName, serial: readout.info.serial, document: verification.document?.content,
            authenticated: authenticated, checks: verification.checks, source: reference?.source)
        report.onlineTransport = transport
        return finish(report)
    }

    /// The service's answer if it is configured and answers (with how it travelled: `tls` or
    /// `plain`); otherwise the package's if it is usable.
    private func reference(for serial: CardSerial, document: HandbookContent, at now: Date) async -> (
        Reference?, [String], String?
    ) {
        var notes: [String] = []
        if let service = settings.service {
            do {
                if online == nil {
                    online = try await OnlineService.connect(
                        service, account: settings.account, password: password, token: token,
                        timeout: settings.timeoutSeconds, insecure: settings.insecure, pinnedCA: settings.serviceCA)
                }
                if let online {
                    return (
                        try await online.reference(card: serial, document: document), notes,
                        online.overTLS ? "tls" : "plain"
                    )
                }
            } catch {
                online = nil  // log in again at the next check
                notes.append("service \(service) not used, degraded to offline: \(error)")
            }
        }
        if let packageProblem {
            notes.append(packageProblem)
        } else if let package, let path = settings.package {
            let created = package.contents.header.createdAt.foundationDate
            let age = now.timeIntervalSince(created)
            if age > settings.packageMaxAgeHours * 3_600 {
                notes.append(
                    "package \(path) not used: made at \(package.contents.header.createdAt), \(Int(age / 3_600)) h ago; at most \(Int(settings.packageMaxAgeHours)) h is accepted: download a new package"
                )
            } else {
                return (Reference(package: package, card: serial, document: document), notes, nil)
            }
        }
        return (nil, notes, nil)
    }

    /// `reader`, or the first reader holding a card.
    public static func reader(_ reader: String?) async throws(CardError) -> String {
        if let reader { return reader }
        return try await CardExecutor.listing.run { context throws(CardError) in
            let readers = try context.readers()
            for name in readers where try context.state(of: name).hasCard { return name }
            throw CardError(
                .noCard,
                readers.isEmpty
                    ? "no reader is attached; attach one"
                    : "no reader holds a card; insert one (readers: \(readers.joined(separator: ", ")))")
        }
    }

}
