import CodedErrors
import Foundation
import HandbookConfiguration
import HandbookCrypto

/// What the verifier trusts and compares with: pinned roots, CRLs, the service or the package, and
/// where it keeps its record of checks. Read from a JSON configuration file (`--config`); the
/// command line overrides it. Relative paths in the file are relative to the file's own folder.
///
/// ```json
/// {
///   "roots": ["../Keys/p256/root-ca.pem", "../Keys/sm2/root-ca.pem"],
///   "crls": ["../Keys/p256/crl.pem", "../Keys/sm2/crl.pem"],
///   "service": "http://127.0.0.1:8080", "account": "inspector", "timeoutSeconds": 3,
///   "package": "320000.package.jsonl", "packageMaxAgeHours": 168,
///   "checkLog": "checks.jsonl"
/// }
/// ```
public struct VerifierSettings: Sendable, Equatable, Codable {
    /// Pinned root certificates (PEM files).
    public var roots: [String]
    /// Certificate revocation lists (PEM files).
    public var crls: [String]
    /// The issuance service to reconcile with, `https://host:port` (`http://` on loopback); nil = offline.
    public var service: String?
    /// The CA certificate (PEM) the service's TLS certificate must chain to; nil = the system's roots.
    public var serviceCA: String?
    /// Whether plain HTTP to a service off loopback is allowed (a network the inspector trusts).
    public var insecure: Bool = false
    /// The inspector account; its password comes from `$HANDBOOK_PASSWORD`.
    public var account: String
    /// Seconds to wait for each answer of the service before degrading to offline.
    public var timeoutSeconds: Double
    /// A signed data package (offline reconciliation, or the fallback when the service is away).
    public var package: String?
    /// The oldest package accepted, in hours.
    public var packageMaxAgeHours: Double
    /// The local log of checks (JSON Lines), appended to after every check; nil = the default
    /// place, `$XDG_STATE_HOME/handbook-verify/checks.jsonl` (or `~/.local/state/…`).
    public var checkLog: String?

    /// The embedded defaults: the TEST roots and CRLs of `Keys/`, relative to the current folder
    /// (the repository, for the demo), offline, packages up to a week old.
    public static let defaults = VerifierSettings(
        roots: ["Keys/p256/root-ca.pem", "Keys/sm2/root-ca.pem"], crls: ["Keys/p256/crl.pem", "Keys/sm2/crl.pem"],
        service: nil, account: "inspector", timeoutSeconds: 3, package: nil, packageMaxAgeHours: 168, checkLog: nil)

    public init(
        roots: [String], crls: [String], service: String?, account: String, timeoutSeconds: Double, package: String?,
        packageMaxAgeHours: Double, checkLog: String?
    ) {
        self.roots = roots
        self.crls = crls
        self.service = service
        self.account = account
        self.timeoutSeconds = timeoutSeconds
        self.package = package
        self.packageMaxAgeHours = packageMaxAgeHours
        self.checkLog = checkLog
    }

    static let knownKeys: Set<String> = [
        "roots", "crls", "service", "serviceCA", "insecure", "account", "timeoutSeconds", "package",
        "packageMaxAgeHours", "checkLog",
    ]

    /// Reads a configuration file: every key optional (the defaults fill in), unknown keys refused
    /// (a misspelt key would otherwise be silently ignored), paths resolved against the file's folder.
    public static func load(_ path: String) throws(VerifierError) -> VerifierSettings {
        do {
            let file = try ConfigurationFile(path: path, known: knownKeys)
            var settings = defaults
            if let roots = try file.paths("roots") { settings.roots = roots }
            if let crls = try file.paths("crls") { settings.crls = crls }
            if let service = try file.string("service") { settings.service = service }
            if let ca = try file.path("serviceCA") { settings.serviceCA = ca }
            if let insecure = try file.bool("insecure") { settings.insecure = insecure }
            if let account = try file.string("account") { settings.account = account }
            if let timeout = try file.number("timeoutSeconds", in: 0.1...600) { settings.timeoutSeconds = timeout }
            if let package = try file.path("package") { settings.package = package }
            if let age = try file.number("packageMaxAgeHours", in: 0.01...87_600) { settings.packageMaxAgeHours = age }
            if let log = try file.path("checkLog") { settings.checkLog = log }
            guard !settings.roots.isEmpty else {
                throw VerifierError(
                    .configuration, "\(path): \"roots\" is empty; a verifier must pin at least one root")
            }
            return settings
        } catch let error as VerifierError {
            throw error
        } catch {
            throw VerifierError(.configuration, (error as? ConfigurationFile.Problem)?.message ?? "\(error)")
        }
    }

    /// The trust store the settings name.
    public func trustStore() throws(VerifierError) -> TrustStore {
        func pem(_ path: String, _ what: String) throws(VerifierError) -> String {
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw VerifierError(.trustStore, "cannot read the \(what) \(path): \(error.localizedDescription)")
            }
        }
        var roots: [Certificate] = []
        for path in self.roots {
            do {
                roots.append(try Certificate(pemEncoded: try pem(path, "root certificate")))
            } catch let error as VerifierError {
                throw error
            } catch {
                throw VerifierError(.trustStore, "\(path) is not a PEM certificate: \(error)")
            }
        }
        var lists: [CertificateRevocationList] = []
        for path in crls {
            do {
                lists.append(try CertificateRevocationList(pemEncoded: try pem(path, "CRL")))
            } catch let error as VerifierError {
                throw error
            } catch {
                throw VerifierError(.trustStore, "\(path) is not a PEM CRL: \(error)")
            }
        }
        return TrustStore(roots: roots, revocationLists: lists)
    }

    /// Where the check log goes.
    public var checkLogPath: String {
        if let checkLog { return checkLog }
        let environment = ProcessInfo.processInfo.environment
        let state =
            environment["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        return state.appendingPathComponent("handbook-verify/checks.jsonl").path
    }
}

/// A verifier error: a stable code and a message that says what to do.
public struct VerifierError: CodedError {
    public enum Code: String, Sendable {
        case configuration = "VERIFIER_CONFIGURATION"
        case trustStore = "VERIFIER_TRUST_STORE"
        case checkLog = "VERIFIER_CHECK_LOG"
        case package = "VERIFIER_PACKAGE"
        case service = "VERIFIER_SERVICE"
        case cardImage = "VERIFIER_CARD_IMAGE"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
    public var errorCode: String { code.rawValue }
    public var kind: ErrorKind {
        switch code {
        case .configuration, .trustStore, .package, .cardImage: return .invalidInput
        case .checkLog: return .internal
        case .service: return .unavailable
        }
    }
}
