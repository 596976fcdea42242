import ArgumentParser
import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto
import Hummingbird
import IssuanceService
import Logging
import OfficialsConsole
import PublicSite
import ServiceLifecycle

/// Where a new account's password comes from: a file, an environment variable, or the terminal.
struct PasswordOptions: ParsableArguments {
    @Option(help: "Read the password from this file (its first line).")
    var passwordFile: String?

    func read(for account: String) throws -> String {
        var password: String?
        if let passwordFile {
            password = try String(contentsOfFile: passwordFile, encoding: .utf8).split(separator: "\n").first.map(
                String.init)
        } else if let value = ProcessInfo.processInfo.environment["HANDBOOK_PASSWORD"] {
            password = value
        } else if isatty(STDIN_FILENO) == 1, let typed = getpass("password for \(account): ") {
            password = String(cString: typed)
        }
        guard let password, password.count >= 12 else {
            throw StoreError(
                .invalidInput,
                "a password of at least 12 characters is needed: give --password-file, set HANDBOOK_PASSWORD, or type it at a terminal"
            )
        }
        return password
    }
}

struct Accounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage accounts: add, disable, list.", subcommands: [Add.self, Disable.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account (password hashed with scrypt).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The login name.") var name: String
        @Option(help: "recorder, approver, issuer, inspector, auditor or admin.") var role: String
        @Option(help: "The regions it acts for, comma-separated GB/T 2260 codes.") var regions: String
        @OptionGroup var password: PasswordOptions

        func run() async throws {
            let database = try store.open()
            let actor = try await store.actor(database)
            do {
                guard let role = Role(rawValue: role) else {
                    throw StoreError(
                        .invalidInput, "role \(role): one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let account = try await database.createAccount(
                    name: name, role: role, scope: try RegionScope(parsing: regions),
                    passwordHash: try PasswordHash.make(try password.read(for: name)), by: actor)
                print("added \(account.role.rawValue) \(account.name) for \(account.scope)")
            } catch {
                throw fail(error)
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account; its sessions end.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The login name.") var name: String

        func run() async throws {
            let database = try store.open()
            do {
                let account = try await database.setDisabled(true, account: name, by: try await store.actor(database))
                print("disabled \(account.name)")
            } catch {
                throw fail(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let database = try store.open()
            let actor = try await store.actor(database)
            for account in try await database.accounts(by: actor) {
                print(
                    "\(account.name)\t\(account.role.rawValue)\t\(account.scope)\(account.disabled ? "\tdisabled" : "")"
                )
            }
        }
    }
}

struct Issue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue an enterprise's handbook to the card in a reader of this host, without HTTP (journalled).")

    @OptionGroup var store: StoreOptions
    @Option(help: "The enterprise's USCC.") var enterprise: String
    @Option(help: "The reader holding the card.") var reader: String

    func run() async throws {
        let configuration = try store.configuration()
        let database = try store.open()
        let actor = try await store.actor(database)
        do {
            let issuer = CardIssuer(
                store: database, credentials: try configuration.credentials(), logger: cliLogger(),
                crashPoint: crashPoint())
            for outcome in try await issuer.recover() {
                print("recovered issuance \(outcome.journal): \(outcome.outcome.rawValue) — \(outcome.note)")
            }
            let result = try await issuer.issue(uscc: try USCC(enterprise, mode: .lenient), reader: reader, by: actor)
            print(
                "issued document \(result.document) (\(result.bytes) bytes) to card \(result.card) (\(result.profile)) at revision \(result.viewRevision)\(result.personalised ? ", card personalised" : "")"
            )
        } catch {
            throw fail(error)
        }
    }
}

struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke a card or a document.")

    @OptionGroup var store: StoreOptions
    @Option(help: "The card serial (16 hex digits).") var card: String?
    @Option(help: "The document number (16 digits).") var document: String?
    @Option(help: "Why.") var reason: String

    func validate() throws {
        guard (card == nil) != (document == nil) else { throw ValidationError("give --card or --document") }
    }

    func run() async throws {
        let database = try store.open()
        let actor = try await store.actor(database)
        do {
            if let card {
                let status = try await database.revokeCard(try CardSerial(hex: card), reason: reason, by: actor)
                print("revoked card \(status.serial) at revision \(status.revision)")
            } else if let document {
                try await database.revokeDocument(try DocumentNumber(document), reason: reason, by: actor)
                print("revoked document \(document)")
            }
        } catch {
            throw fail(error)
        }
    }
}

struct Recover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resolve open or flagged issuances by reading their cards (what `serve` does at start-up).")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let configuration = try store.configuration()
        let database = try store.open()
        do {
            let issuer = CardIssuer(store: database, credentials: try configuration.credentials(), logger: cliLogger())
            let outcomes = try await issuer.recover()
            for outcome in outcomes {
                print(
                    "issuance \(outcome.journal) (card \(outcome.card)): \(outcome.outcome.rawValue) — \(outcome.note)")
            }
            if outcomes.isEmpty { print("no open issuances") }
            if outcomes.contains(where: { $0.outcome == JournalState.attention }) { throw ExitCode(75) }  // EX_TEMPFAIL
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail(error)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API (Docs/API.md) after resolving open issuances.")

    @OptionGroup var store: StoreOptions
    @Option(help: "host:port to listen on (default 127.0.0.1:8080: loopback only).") var listen: String?
    @Option(help: "A reader issuance may use (repeat for more; default: every reader).") var reader: [String] = []
    @Option(
        help:
            "host:port of the public website (read-only, no login; Docs/PUBLIC-SITE.md). Default: the configuration's publicListen, else none."
    ) var publicListen: String?
    @Option(
        help:
            "A read-only postgres:// URL (a hot standby of the database) for card status, current views, packages and the public site."
    ) var readDatabase: String?

    func run() async throws {
        var configuration = try store.configuration()
        if let listen { configuration.listen = listen }
        if let publicListen { configuration.publicListen = publicListen }
        if let readDatabase { configuration.readDatabase = readDatabase }
        if !reader.isEmpty { configuration.readers = reader }
        let logger = cliLogger()
        do {
            let (host, port) = try configuration.address()
            guard configuration.tls != nil || ServiceConfiguration.isLoopback(host) else {
                throw StoreError(
                    .invalidInput,
                    "listen \(host): off loopback the service speaks TLS only; give \"tls\": {\"certificate\", \"key\"} in the configuration"
                )
            }
            let database = try SQLCreditStore.open(configuration.database)
            // What only reads goes to the hot standby when there is one.
            let replica = try configuration.readDatabase.map { try SQLCreditStore.open($0, readOnly: true) }
            let issuer = CardIssuer(
                store: database, credentials: try configuration.credentials(), logger: logger, crashPoint: crashPoint())
            for outcome in try await issuer.recover() {
                logger.notice("start-up: issuance \(outcome.journal) \(outcome.outcome.rawValue): \(outcome.note)")
            }
            let api = IssuanceAPI(
                store: database, sessions: Sessions(lifetime: Double(configuration.tokenLifetimeMinutes) * 60),
                issuer: issuer,
                packages: try configuration.packageSigning(
                    directory: URL(fileURLWithPath: configuration.packageDirectory)),
                readers: configuration.readers, readStore: replica)
            let scheme = configuration.tls == nil ? "http" : "https"
            var services: [any Service] = api.packages.map { [PackageRefresh(shelf: $0)] } ?? []
            if let publicListen = configuration.publicListen {
                services.append(
                    try publicSite(
                        configuration, listen: publicListen, packages: api.packages, scheme: scheme, logger: logger))
            }
            // The officials' console shares the API's listener, store, sessions' rules and action table.
            let router = api.router()
            try OfficialsConsole(
                api: api,
                options: .init(
                    idleSeconds: configuration.consoleIdleSeconds,
                    lifetimeSeconds: configuration.consoleLifetimeSeconds,
                    secureCookie: configuration.tls != nil)
            ).addRoutes(to: router)
            let app = Application(
                router: router,
                server: try ServiceServer.builder(tls: configuration.tls, limits: configuration.limits),
                configuration: ServiceServer.configuration(
                    host: host, port: port, name: "handbook-issuer", limits: configuration.limits),
                services: services,
                onServerRunning: { channel in
                    let address =
                        channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"
                    print("listening on \(scheme)://\(address)")
                    print("console on \(scheme)://\(address)/console")
                    fflush(nil)
                },
                logger: logger)
            try await app.runService()
        } catch {
            throw fail(error)
        }
    }
}

extension Serve {
    /// The public website on its own listener: its own read-only connection to the database, the
    /// package signer for its reports, the service's package shelf for its bulk downloads.
    func publicSite(
        _ configuration: ServiceConfiguration, listen: String, packages: PackageShelf?, scheme: String, logger: Logger
    ) throws -> some Service {
        let (host, port) = try ServiceConfiguration.address(listen, setting: "publicListen")
        guard configuration.tls != nil || ServiceConfiguration.isLoopback(host) else {
            throw StoreError(
                .invalidInput,
                "publicListen \(host): off loopback the site speaks TLS only; give \"tls\" in the configuration")
        }
        let signing = try configuration.packageSigning(
            directory: URL(fileURLWithPath: configuration.packageDirectory)
        ).map { PublicSite.ReportSigning(key: $0.key, certificate: $0.certificate) }
        var source: PublicSite.PackageSource?
        if let packages {
            source = { @Sendable region in
                let built = try await packages.package(region: region)
                return (path: built.path, revision: built.revision)
            }
        }
        // The site only reads: from the hot standby when there is one.
        let catalog = try PublicCatalog(database: configuration.readDatabase ?? configuration.database)
        let site = try PublicSite(catalog: catalog, signing: signing, packages: source)
        return Application(
            router: site.router(),
            server: try ServiceServer.builder(tls: configuration.tls, limits: configuration.limits),
            configuration: ServiceServer.configuration(
                host: host, port: port, name: "handbook-public-site", limits: configuration.limits),
            onServerRunning: { channel in
                let address =
                    channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"
                print("public site on \(scheme)://\(address)")
                fflush(nil)
            },
            logger: logger)
    }
}

/// The crash tests' fault injection: `HANDBOOK_CRASH_AT=<point>` kills the process at that point
/// of an issuance (see CardIssuer.CrashPoint).
func crashPoint() -> CardIssuer.CrashPoint? {
    ProcessInfo.processInfo.environment["HANDBOOK_CRASH_AT"].flatMap(CardIssuer.CrashPoint.init(rawValue:))
}

func cliLogger() -> Logger {
    var logger = Logger(label: "handbook-issuer")
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}
