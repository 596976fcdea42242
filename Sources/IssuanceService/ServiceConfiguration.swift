import CodedErrors
import CreditStore
import Foundation
import HandbookCodec
import HandbookConfiguration
import HandbookCrypto

/// The service's settings: from a JSON file (`--config`), then the command line. Relative paths
/// in the file are relative to the file's folder; without a file, the defaults are the demo's,
/// relative to the working directory: the TEST keys in Keys/ and a service on loopback.
public struct ServiceConfiguration: Sendable {
    public struct Office: Sendable {
        public var region: String = "310000"
        public var name: String = "上海市住房和城乡建设管理委员会"
        public var key: String = "Keys/p256/office-310000.key.pem"
        public var certificate: String = "Keys/p256/office-310000.pem"
    }

    public struct PackageSigner: Sendable {
        public var key: String = "Keys/p256/package-signer.key.pem"
        public var certificate: String = "Keys/p256/package-signer.pem"
        public var crls: [String] = ["Keys/p256/crl.pem"]
    }

    /// A certificate and key for a listener that leaves loopback.
    public struct TLS: Sendable {
        public var certificate: String
        public var key: String

        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// How long a connection may stay idle or take to send a body, and how many may be open.
    public struct Limits: Sendable {
        /// An idle connection is closed after this many seconds (also the wait for a request's head).
        public var idleSeconds: Int = 30
        /// A request's body must arrive within this many seconds of its head.
        public var bodySeconds: Int = 30
        /// Connections beyond this many wait in the kernel's backlog.
        public var maximumConnections: Int = 1_000

        public init() {}
    }

    /// The credit database: an SQLite file's path, or a `postgres://user@host:port/database` URL
    /// (its password from `HANDBOOK_DATABASE_PASSWORD` or the file `HANDBOOK_DATABASE_PASSWORD_FILE`
    /// names, never in the URL).
    public var database: String = "credit.sqlite"
    /// A read-only PostgreSQL database (a hot standby of `database`) for what only reads: card
    /// status, current views, packages and the public site. Nil reads from `database`.
    public var readDatabase: String?
    /// Where signed packages are kept; by default beside an SQLite file (`<database>.packages`),
    /// and `packages` in the working folder for PostgreSQL.
    public var packageFolder: String?

    /// The package folder in effect.
    public var packageDirectory: String {
        packageFolder ?? (PostgresLocation.isURL(database) ? "packages" : database + ".packages")
    }
    /// `host:port`; loopback unless set otherwise.
    public var listen: String = "127.0.0.1:8080"
    /// TLS for the listener; required when it is not on loopback.
    public var tls: TLS?
    public var office = Office()
    /// The card-management master key, hex.
    public var masterKey: String = "Keys/issuer-master-key.hex"
    public var packageSigner: PackageSigner? = PackageSigner()
    /// The readers issuance may use; empty allows every reader of the host.
    public var readers: [String] = []
    public var tokenLifetimeMinutes: Int = 480
    public var documentValidityMonths: Int = 12
    public var limits = Limits()
    /// The public website's listener (`host:port`); nil runs no public site.
    public var publicListen: String?
    /// The officials' console's sessions: seconds without a request before a session ends, and
    /// seconds after login before it ends however busy it is.
    public var consoleIdleSeconds: Int = 1_800
    public var consoleLifetimeSeconds: Int = 43_200

    public init() {}

    /// The settings a file may hold.
    static let keys: Set<String> = [
        "database", "readDatabase", "packageFolder", "listen", "tls", "office", "masterKey", "packageSigner", "readers",
        "tokenLifetimeMinutes",
        "documentValidityMonths", "limits", "publicListen", "console",
    ]

    /// Reads a configuration file (every key optional; unknown keys, wrong types and values out of
    /// range refused with the key named).
    public static func load(_ path: String) throws -> ServiceConfiguration {
        let file = try ConfigurationFile(path: path, known: keys)
        var configuration = ServiceConfiguration()
        if let value = try file.string("database") {
            configuration.database = PostgresLocation.isURL(value) ? value : try file.path("database") ?? value
        }
        if let value = try file.string("readDatabase") {
            guard PostgresLocation.isURL(value) else {
                throw ConfigurationFile.Problem(
                    message: "\(path): \"readDatabase\" is a postgres:// URL (a hot standby of the database)")
            }
            configuration.readDatabase = value
        }
        if let value = try file.path("packageFolder") { configuration.packageFolder = value }
        if let value = try file.string("listen") { configuration.listen = value }
        if let value = try file.string("publicListen") { configuration.publicListen = value }
        if let tls = try file.section("tls", known: ["certificate", "key"]) {
            guard let certificate = try tls.path("certificate"), let key = try tls.path("key") else {
                throw ConfigurationFile.Problem(message: "\(path): \"tls\" needs both \"certificate\" and \"key\"")
            }
            configuration.tls = TLS(certificate: certificate, key: key)
        }
        if let office = try file.section("office", known: ["region", "name", "key", "certificate"]) {
            if let value = try office.string("region") { configuration.office.region = value }
            if let value = try office.string("name") { configuration.office.name = value }
            if let value = try office.path("key") { configuration.office.key = value }
            if let value = try office.path("certificate") { configuration.office.certificate = value }
        }
        if let value = try file.path("masterKey") { configuration.masterKey = value }
        if let signer = try file.section("packageSigner", known: ["key", "certificate", "crls"]) {
            var packageSigner = PackageSigner()
            if let value = try signer.path("key") { packageSigner.key = value }
            if let value = try signer.path("certificate") { packageSigner.certificate = value }
            if let value = try signer.paths("crls") { packageSigner.crls = value }
            configuration.packageSigner = packageSigner
        }
        if let value = try file.strings("readers") { configuration.readers = value }
        if let value = try file.integer("tokenLifetimeMinutes", in: 1...10_080) {
            configuration.tokenLifetimeMinutes = value
        }
        if let console = try file.section("console", known: ["idleSeconds", "lifetimeSeconds"]) {
            if let value = try console.integer("idleSeconds", in: 1...86_400) {
                configuration.consoleIdleSeconds = value
            }
            if let value = try console.integer("lifetimeSeconds", in: 60...604_800) {
                configuration.consoleLifetimeSeconds = value
            }
        }
        if let value = try file.integer("documentValidityMonths", in: 1...120) {
            configuration.documentValidityMonths = value
        }
        if let limits = try file.section("limits", known: ["idleSeconds", "bodySeconds", "maximumConnections"]) {
            if let value = try limits.integer("idleSeconds", in: 1...3_600) { configuration.limits.idleSeconds = value }
            if let value = try limits.integer("bodySeconds", in: 1...3_600) { configuration.limits.bodySeconds = value }
            if let value = try limits.integer("maximumConnections", in: 1...100_000) {
                configuration.limits.maximumConnections = value
            }
        }
        return configuration
    }

    /// The host and port to listen on.
    public func address() throws -> (host: String, port: Int) {
        try Self.address(listen, setting: "listen")
    }

    /// Parses `host:port`.
    public static func address(_ text: String, setting: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port), colon > text.startIndex
        else {
            throw StoreError(.invalidInput, "\(setting) \"\(LogText.escaped(text, limit: 80))\": host:port expected")
        }
        return (String(text[..<colon]), port)
    }

    /// Whether `host` is a loopback address (the only place a listener may speak plain HTTP).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// The office's signing key, certificate and the master key, loaded and checked together.
    public func credentials() throws -> OfficeCredentials {
        let region = try RegionCode(office.region)
        let key = try PrivateKey(pemEncoded: try Self.text(office.key, "office key"))
        let certificate = try Certificate(pemEncoded: try Self.text(office.certificate, "office certificate"))
        guard key.publicKey == certificate.publicKey else {
            throw StoreError(.invalidInput, "the office key \(office.key) is not the key of \(office.certificate)")
        }
        return OfficeCredentials(
            office: IssuingOffice(region: region, name: office.name), key: key, certificate: certificate,
            masterKey: try SymmetricKey(hex: try Self.text(masterKey, "master key")),
            validityMonths: documentValidityMonths)
    }

    /// The package signer, if one is configured.
    public func packageSigning(directory: URL) throws -> PackageSigning? {
        guard let packageSigner else { return nil }
        return PackageSigning(
            key: try PrivateKey(pemEncoded: try Self.text(packageSigner.key, "package signer key")),
            certificate: try Certificate(
                pemEncoded: try Self.text(packageSigner.certificate, "package signer certificate")),
            revocationLists: try packageSigner.crls.map {
                try CertificateRevocationList(pemEncoded: try Self.text($0, "CRL"))
            },
            directory: directory)
    }

    /// A key, certificate or CRL file's text (at most 1 MiB).
    static func text(_ path: String, _ what: String) throws -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.size] as? Int ?? 0) <= 1 << 20,
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { throw StoreError(.fileUnreadable, "cannot read the \(what) \(path)") }
        return text
    }
}
