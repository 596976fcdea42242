import ArgumentParser
import CardReader
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookConfiguration
import HandbookCrypto
import ISO7816
import Verifier

/// The inspector's and the enterprise's tool (Docs/ARCHITECTURE.md §8): `verify` one card or card image,
/// `watch` every reader at a site, `show` what a card says.
@main
struct VerifyTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handbook-verify",
        abstract: "Verify a credit handbook card, or show what it says.",
        discussion: """
            Exit codes of verify: 0 current, 1 outdated, 2 expired, 3 revoked, 4 incomplete issuance, \
            5 invalid, 6 unreadable, 7 freshness unknown; 64 a bad command line or configuration.
            """,
        subcommands: [Verify.self, Watch.self, Show.self, ReportCommand.self])

    /// Files this tool creates are its owner's only (umask 077): databases, card images, logs.
    static func main() async {
        PrivateFile.restrictProcessUmask()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// The settings: a configuration file, overridden by the command line.
struct SettingsOptions: ParsableArguments {
    @Option(
        help:
            "A configuration file (JSON: roots, crls, service, account, timeoutSeconds, package, packageMaxAgeHours, checkLog)."
    )
    var config: String?

    @Option(help: "A pinned root certificate (PEM); repeat. Default: the TEST roots of Keys/.")
    var root: [String] = []

    @Option(help: "A CRL (PEM); repeat. Default: the TEST CRLs of Keys/.")
    var crl: [String] = []

    @Option(help: "A signed data package to compare the card with (offline).")
    var package: String?

    @Option(help: "The oldest package accepted, in hours (default 168).")
    var packageMaxAgeHours: Double?

    @Option(help: "The issuance service to reconcile with (online), https://host:port (http:// on loopback).")
    var service: String?

    @Option(help: "The CA certificate (PEM) the service's TLS certificate must chain to (default: the system's roots).")
    var serviceCA: String?

    @Flag(help: "Allow plain http:// to a service off loopback (a password and the answers travel in clear).")
    var insecure = false

    @Option(
        help:
            "The inspector account for the service; its password comes from $HANDBOOK_PASSWORD (or give a token in $HANDBOOK_TOKEN)."
    )
    var account: String?

    @Option(help: "Seconds to wait for the service before degrading to offline (default 3).")
    var timeout: Double?

    @Option(help: "The local log of checks (JSON Lines). Default: ~/.local/state/handbook-verify/checks.jsonl.")
    var log: String?

    func settings() throws -> VerifierSettings {
        var settings = try config.map { path throws(VerifierError) in try VerifierSettings.load(path) } ?? .defaults
        if !root.isEmpty { settings.roots = root }
        if !crl.isEmpty { settings.crls = crl }
        if let package { settings.package = package }
        if let packageMaxAgeHours {
            guard packageMaxAgeHours > 0 else { throw ValidationError("--package-max-age-hours must be positive") }
            settings.packageMaxAgeHours = packageMaxAgeHours
        }
        if let service { settings.service = service }
        if let serviceCA { settings.serviceCA = serviceCA }
        if insecure { settings.insecure = true }
        if let account { settings.account = account }
        if let timeout {
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
            settings.timeoutSeconds = timeout
        }
        if let log { settings.checkLog = log }
        return settings
    }

    func checker() throws -> Checker {
        do {
            let environment = ProcessInfo.processInfo.environment
            return try Checker(
                settings: try settings(), password: environment["HANDBOOK_PASSWORD"] ?? "",
                token: environment["HANDBOOK_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
        } catch let error as VerifierError {
            throw ValidationError(error.description)
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check one card: format, signature, chain and revocation, card authentication, status, freshness.",
        discussion: "The exit code is the verdict's (see handbook-verify --help).")

    @Option(help: "The reader; by default the first reader with a card.")
    var reader: String?

    @Option(help: "A card image file (the virtual card's JSON) instead of a card in a reader.")
    var image: String?

    @OptionGroup var options: SettingsOptions

    @Flag(help: "Print the result as JSON (schema handbook-verify/2, Docs/handbook-verify.schema.json).")
    var json = false

    func validate() throws {
        if reader != nil && image != nil { throw ValidationError("give --reader or --image, not both") }
    }

    func run() async throws {
        let checker = try options.checker()
        let report = await checker.check(image.map { .image($0) } ?? .reader(reader))
        print(json ? report.json(pretty: true) : report.humanText)
        throw ExitCode(report.exitCode)
    }
}

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Wait for cards on every reader and print a one-line verdict for each; Ctrl-C ends it.",
        discussion: """
            Keeps going when a card is pulled out early, a reader is unplugged and plugged back, or \
            pcscd restarts. With --json, every line is a JSON object: a check (schema handbook-verify/2) \
            or an event (reader-attached, reader-removed, pcsc-unavailable, pcsc-available).
            """)

    @Option(help: "Watch only the readers whose name contains this.")
    var readers: String?

    @Flag(help: "Print the differences under each outdated card's line.")
    var diff = false

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "Stop after this many cards (default: never).")
    var count: Int?

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        let watcher = Watcher(checker: try options.checker(), readerFilter: readers)
        let json = json
        let diff = diff
        if !json { FileHandle.standardOutput.write(Data("等待插卡 waiting for cards (Ctrl-C to stop)\n".utf8)) }
        await watcher.run(limit: count) { event in
            // Unbuffered: a line per card as it happens, also into a pipe.
            FileHandle.standardOutput.write(Data((event.line(json: json, differences: diff) + "\n").utf8))
        }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every field of the card's handbook, readable, without the network.")

    @Option(help: "The reader; by default the first reader with a card.")
    var reader: String?

    @Option(help: "A card image file (the virtual card's JSON) instead of a card in a reader.")
    var image: String?

    func run() async throws {
        let readout: CardReadout
        do {
            if let image {
                readout = try CardImageFile.read(image)
            } else {
                readout = try await readCard()
            }
        } catch {
            FileHandle.standardError.write(Data("handbook-verify show: \(error)\n".utf8))
            throw ExitCode(Verdict.unreadable.exitCode)
        }
        guard let bytes = readout.document else {
            print("卡 card \(readout.info.serial): 空白卡，无信用手册 / blank, no handbook")
            return
        }
        do {
            print(HandbookText.render(try HandbookDocument(decoding: bytes).content))
        } catch {
            FileHandle.standardError.write(
                Data("handbook-verify show: the card's document does not decode: \(error)\n".utf8))
            throw ExitCode(Verdict.invalid.exitCode)
        }
    }

    /// The card's files, read on the reader's executor.
    func readCard() async throws -> CardReadout {
        let name = try await Checker.reader(reader)
        let result = try await CardExecutor.forReader(name).run {
            context throws(CardError) -> Result<CardReadout, CardReadError> in
            let connection = try context.connect(reader: name)
            defer { connection.disconnect() }
            do throws(CardReadError) {
                return .success(try HandbookCard(transport: connection).read())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// `report FILE`: checks a credit report downloaded from the public site
/// (`/enterprises/{USCC}/report.json`) offline — its signature, its signer's chain and purpose, that
/// it holds one enterprise of its region — and prints what it says and when it said it. A client
/// keeps the file and can check it again later: reports do not go stale, they say their date.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Check a signed credit report from the public site offline, and print it.",
        discussion: "Exits 0 when the report is genuine, 5 (invalid) when it is not, 65 when it is not a report at all."
    )

    @Argument(help: "The report file (JSON Lines, as downloaded).")
    var file: String

    @OptionGroup var options: SettingsOptions

    /// A report holds one enterprise: a few hundred kilobytes at the most.
    static let limit = 8 << 20

    func run() async throws {
        let bytes: [UInt8]
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
            defer { try? handle.close() }
            let data = try handle.read(upToCount: Self.limit + 1) ?? Data()
            guard data.count <= Self.limit else {
                FileHandle.standardError.write(
                    Data("handbook-verify report: \(file) is larger than a report can be\n".utf8))
                throw ExitCode(65)
            }
            bytes = Array(data)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(
                Data("handbook-verify report: cannot read \(file): \(error.localizedDescription)\n".utf8))
            throw ExitCode(66)
        }
        let verified: VerifiedDataPackage
        do {
            let trust = try options.settings().trustStore()
            verified = try DataPackageVerifier.verify(bytes, trustStore: trust, now: Date(), maximumAge: .infinity)
        } catch let error as DataPackageError {
            FileHandle.standardError.write(Data("handbook-verify report: NOT GENUINE — \(error.message)\n".utf8))
            throw ExitCode(error.code == .malformed ? 65 : Verdict.invalid.exitCode)
        }
        let contents = verified.contents
        guard contents.views.count == 1, let view = contents.views.values.first else {
            FileHandle.standardError.write(
                Data(
                    "handbook-verify report: a report holds one enterprise; this file holds \(contents.views.count)\n"
                        .utf8))
            throw ExitCode(65)
        }
        print("信用报告 credit report — genuine, signed by \(verified.signer.commonName ?? verified.signer.subject)")
        print(
            "  生成 made \(contents.header.createdAt) · 公开日期 as of \(contents.header.asOf) · 数据库版本 revision \(contents.header.databaseRevision)"
        )
        print("  \(view.enterprise.name)  \(view.enterprise.uscc.value)  \(view.enterprise.registeredRegion.code)")
        print(
            "  资质 qualifications \(view.qualifications.count) · 注册人员 practitioners \(view.practitioners.count) · 项目 projects \(view.projects.count)"
        )
        if view.creditRecords.isEmpty {
            print("  信用记录 credit records: 无 none published")
        }
        for record in view.creditRecords {
            print(
                "  \(record.recordNumber.value) \(record.kind.chineseName) \(record.kind.englishName) \(record.behaviourCode?.code ?? "") \(record.decisionNumber) \(record.decisionDate) 公开至 until \(record.publishedUntil)"
            )
        }
    }
}
