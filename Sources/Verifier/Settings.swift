import CodedErrors
import Foundation
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
    /// The issuance service to reconcile with, `http://host:port`; nil = offline.
    public var service: String?
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
        "roots", "crls", "service", "account", "timeoutSeconds", "package", "packageMaxAgeHours", "checkLog",
    ]

    /// Reads a configuration file: every key optional (the defaults fill in), unknown keys refused
    /// (a misspelt key would otherwise be silently ignored), paths resolved against the file's folder.
    public static func load(_ path: String) throws(VerifierError) -> VerifierSettings {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard (attributes[.size] as? Int ?? 0) <= 1 << 20 else {
                throw VerifierError(.configuration, "\(path) is larger than 1 MiB: not a verifier configuration")
            }
            data = try Data(contentsOf: url)
        } catch let error as VerifierError {
            throw error
        } catch {
            throw VerifierError(.configuration, "cannot read the configuration \(path): \(error.localizedDescription)")
        }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw VerifierError(.configuration, "\(path): the configuration must be a JSON object")
            }
            object = parsed
        } catch let error as VerifierError {
            throw error
        } catch {
            throw VerifierError(.configuration, "\(path) is not JSON: \(error.localizedDescription)")
        }
        if let unknown = object.keys.filter({ !knownKeys.contains($0) }).sorted().first {
            throw VerifierError(
                .configuration,
                "\(path): unknown setting \"\(unknown)\"; the settings are \(knownKeys.sorted().joined(separator: ", "))"
            )
        }
        var settings = defaults
        let folder = url.deletingLastPathComponent()
        func resolve(_ value: String) -> String {
            value.hasPrefix("/") ? value : folder.appendingPathComponent(value).standardizedFileURL.path
        }
        func strings(_ key: String) throws(VerifierError) -> [String]? {
            guard let value = object[key] else { return nil }
            guard let list = value as? [String] else {
                throw VerifierError(.configuration, "\(path): \"\(key)\" must be a list of file names")
            }
            return list
        }
        func string(_ key: String) throws(VerifierError) -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value as? String, !text.isEmpty else {
                throw VerifierError(.configuration, "\(path): \"\(key)\" must be a non-empty string")
            }
            return text
        }
        func number(_ key: String) throws(VerifierError) -> Double? {
            guard let value = object[key] else { return nil }
            guard let number = value as? Double, number > 0, number.isFinite, !(value is Bool) else {
                throw VerifierError(.configuration, "\(path): \"\(key)\" must be a positive number")
            }
            return number
        }
        if let roots = try strings("roots") { settings.roots = roots.map(resolve) }
        if let crls = try strings("crls") { settings.crls = crls.map(resolve) }
        if let service = try string("service") { settings.service = service }
        if let account = try string("account") { settings.account = account }
        if let timeout = try number("timeoutSeconds") { settings.timeoutSeconds = timeout }
        if let package = try string("package") { settings.package = resolve(package) }
        if let age = try number("packageMaxAgeHours") { settings.packageMaxAgeHours = age }
        if let log = try string("checkLog") { settings.checkLog = resolve(log) }
        guard !settings.roots.isEmpty else {
            throw VerifierError(.configuration, "\(path): \"roots\" is empty; a verifier must pin at least one root")
        }
        return settings
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
