import ArgumentParser
import CodedErrors
import CreditStore
import Foundation
import HandbookCodec
import HandbookConfiguration
import HandbookCrypto
import IssuanceService

/// The licensing office's administration tool over the credit database.
@main
struct IssuerTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handbook-issuer",
        abstract: "Administer the credit database of the IC-card credit handbook.",
        subcommands: [
            Init.self, Accounts.self, Import.self, Export.self, SeedDemo.self, Issue.self, Revoke.self, Recover.self,
            Serve.self, View.self, CardStatus.self, Audit.self, Migrate.self,
        ])

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

struct StoreOptions: ParsableArguments {
    @Option(help: "A JSON configuration file (Docs/API.md lists its settings).")
    var config: String?

    @Option(
        name: .customLong("database"),
        help:
            "The credit database: an SQLite file, or a postgres://user@host:port/database URL (its password from $HANDBOOK_DATABASE_PASSWORD or the file $HANDBOOK_DATABASE_PASSWORD_FILE names); created and migrated on first use. Default: the configuration's, else $HANDBOOK_DATABASE, else credit.sqlite."
    )
    var databasePath: String?

    @Option(name: .customLong("as"), help: "The account to act as (an admin unless the command says otherwise).")
    var account: String = "admin"

    func configuration() throws -> ServiceConfiguration {
        do {
            var configuration = try config.map(ServiceConfiguration.load) ?? ServiceConfiguration()
            if let path = databasePath
                ?? (config == nil ? ProcessInfo.processInfo.environment["HANDBOOK_DATABASE"] : nil)
            {
                configuration.database = path
            }
            if let folder = ProcessInfo.processInfo.environment["HANDBOOK_PACKAGE_FOLDER"], !folder.isEmpty {
                configuration.packageFolder = folder
            }
            return configuration
        } catch {
            throw fail(error)
        }
    }

    /// Opens the database the configuration names (a configuration that does not load is an error,
    /// never a silent fall-back to the default file).
    func open() throws -> SQLCreditStore {
        let path = try configuration().database
        do {
            return try SQLCreditStore.open(path)
        } catch {
            throw fail(error)
        }
    }

    func actor(_ store: SQLCreditStore) async throws -> Account {
        // In two steps: `guard let … = try await …` crashes the 6.3 optimiser (release builds).
        let found = try await store.account(named: account)
        guard let found else {
            throw fail(
                StoreError(
                    .unknownAccount,
                    "no account \(account) in \(store.path); create the database with `handbook-issuer init` or name an account with --as"
                ))
        }
        return found
    }
}

/// Prints an error on standard error and gives the exit code of its kind (sysexits: 64 a bad
/// command line, 65 bad input, 66 not found or unreadable, 69 a service away, 77 not allowed, 70
/// anything else).
func fail(_ error: any Error) -> ExitCode {
    if let exit = error as? ExitCode { return exit }
    FileHandle.standardError.write(Data("handbook-issuer: \(error)\n".utf8))
    return ExitCode(kind(of: error).exitCode)
}

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the credit database and its first admin account.")

    @OptionGroup var store: StoreOptions

    @Option(help: "The regions the admin acts for, comma-separated GB/T 2260 codes.")
    var regions: String = "310000,320000,330000"

    @OptionGroup var password: PasswordOptions

    func run() async throws {
        let database = try store.open()
        do {
            let hash = try PasswordHash.make(try password.read(for: store.account))
            let account = try await database.createAccount(
                name: store.account, role: .admin, scope: try RegionScope(parsing: regions), passwordHash: hash, by: nil
            )
            for office in regionalOffices { try database.ensureOffice(office) }
            print("created \(database.path) with admin account \(account.name) for \(account.scope)")
        } catch {
            throw fail(error)
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Import provincial data files (JSON Lines, Docs/IMPORT-FORMAT.md); each file applies whole or not at all.",
        discussion:
            "Files are applied in dependency order: enterprises, qualifications, practitioners, projects, records.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The files to import.")
    var files: [String]

    func run() async throws {
        let database = try store.open()
        let actor = try await store.actor(database)
        let progress = ProgressDisplay()
        // The exit code of the first failure's kind: a file that is not there says 66, a refused
        // file 65, as any other command would.
        var firstFailure: ErrorKind?
        for file in try orderedFiles() {
            do {
                let summary = try await database.importFile(
                    at: URL(fileURLWithPath: file), by: actor, progress: { progress.show($0) })
                progress.finish()
                print(
                    "\(summary.file): \(summary.rows) \(summary.entity.rawValue) rows — \(summary.inserted) new, \(summary.updated) changed, \(summary.unchanged) unchanged; revision \(summary.revision)"
                )
            } catch {
                progress.finish()
                FileHandle.standardError.write(Data("handbook-issuer: \(error)\n".utf8))
                if firstFailure == nil { firstFailure = kind(of: error) }
            }
        }
        if let firstFailure { throw ExitCode(firstFailure.exitCode) }
    }

    /// The files sorted by the entity their header names, so references resolve.
    func orderedFiles() throws -> [String] {
        func rank(_ file: String) -> Int {
            guard let handle = FileHandle(forReadingAtPath: file),
                let data = try? handle.read(upToCount: 4096)
            else { return 99 }
            try? handle.close()
            let first = String(decoding: data.prefix { $0 != 0x0A }, as: UTF8.self)
            return ImportEntity.allCases.first { first.contains("\"entity\":\"\($0.rawValue)\"") }?.order ?? 99
        }
        return files.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(
            \.element)
    }
}

/// A progress bar on a terminal; elsewhere a line every 10,000 rows.
final class ProgressDisplay: @unchecked Sendable {
    // @unchecked: the import calls it from one thread at a time; the lock guards the rest.
    private let lock = NSLock()
    private let terminal = isatty(STDERR_FILENO) == 1
    private var lastLine = 0
    private var drawn = false

    func show(_ progress: ImportProgress) {
        lock.lock()
        defer { lock.unlock() }
        if terminal {
            // A file that grows while it is read would go past 100 %.
            let fraction =
                progress.totalBytes > 0 ? min(1, Double(progress.bytesRead) / Double(progress.totalBytes)) : 1
            let width = 30
            let filled = min(width, max(0, Int(fraction * Double(width))))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let text = "\r\(progress.file) [\(bar)] \(Int(fraction * 100))% \(progress.rows) rows"
            FileHandle.standardError.write(Data(text.utf8))
            drawn = true
        } else if progress.rows - lastLine >= 10_000 {
            lastLine = progress.rows
            FileHandle.standardError.write(Data("\(progress.file): \(progress.rows) rows read\n".utf8))
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
        lastLine = 0
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Export a region's signed data package (Cards/DATA-PACKAGE.md) for offline verifiers and other provinces.")

    @OptionGroup var store: StoreOptions

    @Option(help: "The region whose enterprises the package covers (GB/T 2260 code).")
    var region: String

    @Option(help: "The package signer's private key (PEM).")
    var key: String

    @Option(help: "The package signer's certificate (PEM).")
    var certificate: String

    @Option(help: "CRL files (PEM) of revoked office certificates to include.")
    var crl: [String] = []

    @Option(help: "The day publication windows are applied for (YYYY-MM-DD); default today.")
    var on: String?

    @Option(name: .shortAndLong, help: "The package file to write.")
    var output: String

    func run() async throws {
        let database = try store.open()
        let actor = try await store.actor(database)
        do {
            let now = Date()
            let (region, key, certificate, crls, day) = try inputs(now: now)
            let summary = try await PackageExport.export(
                from: database, region: region, on: day, at: now, by: actor, key: key, certificate: certificate,
                revocationLists: crls, to: URL(fileURLWithPath: output))
            print(
                "\(output): \(summary.views) views, \(summary.cards) cards, \(summary.documents) documents, \(crls.count) CRLs at revision \(summary.revision), signed by \(certificate.commonName ?? certificate.subject)"
            )
        } catch {
            throw fail(error)
        }
    }

    /// The command line's inputs, read in a synchronous function: the typed-throwing closures here
    /// crashed the 6.3 optimiser's coroutine splitting when they sat in the async `run`.
    func inputs(now: Date) throws -> (RegionCode, PrivateKey, Certificate, [CertificateRevocationList], CardDate) {
        let region = try RegionCode(self.region)
        let key = try PrivateKey(pemEncoded: try String(contentsOfFile: self.key, encoding: .utf8))
        let certificate = try Certificate(pemEncoded: try String(contentsOfFile: self.certificate, encoding: .utf8))
        let crls = try crl.map {
            try CertificateRevocationList(pemEncoded: try String(contentsOfFile: $0, encoding: .utf8))
        }
        let day = try on.map { try CardDate(iso: $0) } ?? CardDate(now)
        return (region, key, certificate, crls, day)
    }
}

struct SeedDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-demo",
        abstract: "Fill the database with deterministic demo data (never real data).")

    @OptionGroup var store: StoreOptions

    @Option(help: "How many enterprises.")
    var enterprises: Int = 1_000

    @Option(help: "The seed: the same seed gives the same data.")
    var seed: UInt64 = 2007

    @Option(help: "Write import files to this folder instead of loading the database directly.")
    var files: String?

    func validate() throws {
        guard (1...DemoDataset.maximumCount).contains(enterprises) else {
            throw ValidationError("--enterprises must be 1 to \(DemoDataset.maximumCount)")
        }
    }

    func run() async throws {
        let dataset = DemoDataset(seed: seed, count: enterprises)
        if let files {
            let urls = try dataset.writeImportFiles(to: URL(fileURLWithPath: files))
            print("wrote \(urls.count) import files to \(files)")
            return
        }
        let database = try store.open()
        let actor = try await store.actor(database)
        let started = Date()
        do {
            try database.loadDemo(dataset, range: 0..<enterprises, by: actor) { done in
                if isatty(STDERR_FILENO) == 1 {
                    FileHandle.standardError.write(Data("\rloaded \(done)/\(enterprises) enterprises".utf8))
                }
            }
        } catch {
            throw fail(error)
        }
        if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\n".utf8)) }
        print(
            "loaded \(enterprises) demo enterprises (seed \(seed)) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; revision \(try await database.revision())"
        )
    }
}

struct View: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an enterprise's current view (what a card issued now would carry) as JSON.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The enterprise's USCC, organisation code or registration number.")
    var enterprise: String

    @Option(help: "The day (YYYY-MM-DD); default today.")
    var on: String?

    func run() async throws {
        let database = try store.open()
        do {
            let actor = try await store.actor(database)
            let found = try await database.enterprise(identifiedBy: enterprise, by: actor)
            guard let found else {
                throw StoreError(.notFound, "no enterprise \(enterprise.prefix(32))")
            }
            let day = try on.map { try CardDate(iso: $0) } ?? CardDate(Date())
            let view = try await database.currentView(of: found.uscc, on: day, by: actor)
            print(try prettyJSON(view))
        } catch {
            throw fail(error)
        }
    }
}

struct CardStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card-status", abstract: "Print what the database says about a card, as JSON.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The card serial (16 hex digits).")
    var serial: String

    func run() async throws {
        let database = try store.open()
        do {
            let actor = try await store.actor(database)
            let status = try await database.cardStatus(try CardSerial(hex: serial), by: actor)
            guard let status else {
                throw StoreError(.notFound, "no card \(serial) in the database")
            }
            print(try prettyJSON(status))
        } catch {
            throw fail(error)
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the audit log's hash chain and print its head; exit 1 if it is broken.")

    @OptionGroup var store: StoreOptions

    @Option(help: "Also print the entries after this id.")
    var after: Int64?

    func run() async throws {
        let database = try store.open()
        do {
            let actor = try await store.actor(database)
            if let after {
                for entry in try await database.auditEntries(after: after, limit: 10_000, by: actor) {
                    print(
                        "\(entry.id)\t\(entry.at)\t\(entry.account)\t\(entry.action)\t\(entry.subject)\t\(entry.detail)"
                    )
                }
            }
            let result = try await database.verifyAuditChain(by: actor)
            if let problem = result.problem {
                print("audit log BROKEN at entry \(result.firstBrokenEntry ?? 0): \(problem)")
                throw ExitCode(1)
            }
            print("audit log intact: \(result.entries) entries, head \(result.head)")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail(error)
        }
    }
}

func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Copy the SQLite credit database into an empty PostgreSQL one — everything, history, journal and audit log included — and verify row counts and the audit chain on both sides; exit 1 if they differ.",
        discussion:
            "The target's password comes from $HANDBOOK_DATABASE_PASSWORD or the file $HANDBOOK_DATABASE_PASSWORD_FILE names, never from the command line. A target that holds anything is refused."
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The empty PostgreSQL database: postgres://user@host:port/database.")
    var to: String

    func run() async throws {
        let database = try store.open()
        do {
            guard database.dialect == .sqlite else {
                throw StoreError(.invalidInput, "migrate copies an SQLite database; \(database.path) is not one")
            }
            let actor = try await store.actor(database)
            let target = try SQLCreditStore(postgres: try PostgresLocation(url: to))
            defer { try? target.close() }
            let started = Date()
            let report = try database.copy(into: target, by: actor)
            for table in report.tables {
                print(
                    "\(table.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(table.source) → \(table.target)\(table.source == table.target ? "" : "  DIFFERS")"
                )
            }
            print(
                "audit chain: \(report.sourceChain.entries) entries, head \(report.sourceChain.head) (SQLite); \(report.targetChain.entries) entries, head \(report.targetChain.head) (PostgreSQL)"
            )
            guard report.agrees else {
                print("the copy DIFFERS from the source")
                throw ExitCode(1)
            }
            print(
                "copied \(database.path) into \(target.path) at revision \(report.revision) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; counts and audit chain agree"
            )
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail(error)
        }
    }
}
