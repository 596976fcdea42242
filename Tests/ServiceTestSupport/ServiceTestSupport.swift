import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookCrypto
import Hummingbird
import HummingbirdTesting
import IssuanceService
import Logging
import NIOCore
import TestSupport
import Testing

/// A clock a test moves by hand.
public final class TestClock: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public var now: Date { lock.withLock { current } }

    public func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }

    public var function: @Sendable () -> Date { { [self] in now } }
}

/// Test accounts' password, and a cheap scrypt cost so that making a dozen accounts stays quick.
public let testPassword = "correct horse battery staple"
public let cheapCost = (n: UInt64(1) << 10, r: UInt64(8), p: UInt64(1))

/// The service's credentials for Jiangsu (the office the tests issue from), P-256 TEST keys.
public func jiangsuCredentials() throws -> OfficeCredentials {
    OfficeCredentials(
        office: IssuingOffice(region: try RegionCode("320000"), name: "江苏省住房和城乡建设厅"),
        key: try PrivateKey(pemEncoded: try Repository.text("Keys/p256/office-320000.key.pem")),
        certificate: try Certificate(pemEncoded: try Repository.text("Keys/p256/office-320000.pem")),
        masterKey: try SymmetricKey(hex: try Repository.text("Keys/issuer-master-key.hex")))
}

public func trustStore() throws -> TrustStore { try Repository.trustStore() }

/// A real database (an SQLite file, or a PostgreSQL database when the suites run there) with demo data and, for each role, an account inside Jiangsu (`<role>-in`,
/// 320000) and one outside (`<role>-out`, 330000); the API over it.
public struct TestService: Sendable {
    public let directory: URL
    public let store: SQLCreditStore
    public let api: IssuanceAPI
    public let dataset = DemoDataset(seed: 11, count: 12)

    /// With `clock`, the store, the sessions and the API all read time from it (tests that move time).
    public init(readers: [String] = [], clock: (@Sendable () -> Date)? = nil) async throws {
        let clock = clock ?? { Date() }
        jiangsu = try dataset.enterprise(6)
        zhejiang = try dataset.enterprise(10)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("issuance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try TestDatabases.store(in: directory, clock: clock)
        let hash = try PasswordHash.make(testPassword, cost: cheapCost)
        root = try await store.createAccount(
            name: "root", role: .admin,
            scope: RegionScope([try RegionCode("310000"), try RegionCode("320000"), try RegionCode("330000")]),
            passwordHash: hash, by: nil)
        for role in Role.allCases {
            _ = try await store.createAccount(
                name: "\(role.rawValue)-in", role: role, scope: RegionScope([try RegionCode("320000")]),
                passwordHash: hash, by: root)
            _ = try await store.createAccount(
                name: "\(role.rawValue)-out", role: role, scope: RegionScope([try RegionCode("330000")]),
                passwordHash: hash, by: root)
        }
        for office in regionalOffices { try store.ensureOffice(office) }
        try store.loadDemo(dataset, range: 0..<12, by: root)
        api = IssuanceAPI(
            store: store, sessions: Sessions(lifetime: 3_600, clock: clock), throttle: LoginThrottle(clock: clock),
            issuer: CardIssuer(store: store, credentials: try jiangsuCredentials(), clock: clock),
            packages: PackageSigning(
                key: try PrivateKey(pemEncoded: try Repository.text("Keys/p256/package-signer.key.pem")),
                certificate: try Certificate(pemEncoded: try Repository.text("Keys/p256/package-signer.pem")),
                revocationLists: [try CertificateRevocationList(pemEncoded: try Repository.text("Keys/p256/crl.pem"))],
                directory: directory.appendingPathComponent("packages")),
            readers: readers, clock: clock)
    }

    /// The admin of all three provinces.
    public let root: Account
    /// The demo enterprise in Suzhou (Jiangsu), its card and document.
    public let jiangsu: DemoEnterprise
    /// The demo enterprise in Ningbo (Zhejiang).
    public let zhejiang: DemoEnterprise

    public var application: some ApplicationProtocol {
        var logger = Logger(label: "issuance-test")
        logger.logLevel = .warning  // 4xx answers are logged at info; the tests make hundreds on purpose
        return Application(router: api.router(), logger: logger)
    }

    public func remove() {
        try? store.close()
        TestDatabases.remove(store.path)
        try? FileManager.default.removeItem(at: directory)
    }
}

extension TestClientProtocol {
    /// Logs in and returns the bearer token.
    public func login(_ name: String, password: String = testPassword) async throws -> String {
        let response = try await send(.post, "/v1/login", body: ["name": name, "password": password])
        #expect(response.status == .ok, "login \(name): \(response.text)")
        return try response.json(LoginAnswer.self).token
    }

    public func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: [String: Any]? = nil)
        async throws -> TestResponse
    {
        try await send(method, uri, token: token, raw: body.map { try JSONSerialization.data(withJSONObject: $0) })
    }

    public func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, raw: Data?) async throws
        -> TestResponse
    {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if raw != nil { headers[.contentType] = "application/json" }
        return try await execute(
            uri: uri, method: method, headers: headers, body: raw.map { ByteBuffer(bytes: $0) })
    }
}

public struct LoginAnswer: Decodable {
    public var token: String
    public var expiresAt: String
}

public struct ErrorAnswer: Decodable {
    public struct Inner: Decodable {
        var code: String
        var message: String
    }
    public var error: Inner
}

extension TestResponse {
    public var text: String { String(buffer: body) }

    public func json<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    public var errorCode: String? { (try? json(ErrorAnswer.self))?.error.code }
}

/// Runs the built `handbook-verify` from the repository root (its default trust store is Keys/)
/// and returns its exit status and the JSON it printed. Every JSON report is validated against
/// `Docs/handbook-verify.schema.json`, and a report that does not conform fails the test.
public func runVerifier(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> (
    code: Int32, report: [String: Any]
) {
    // On a thread of its own: waiting for the process must not hold one of the two threads of the
    // cooperative pool, which the in-process service needs to answer the verifier.
    let (status, data) = try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<(Int32, Data), any Error>) in
        Thread.detachNewThread {
            continuation.resume(with: Result { try runProcess(arguments, environment: extra) })
        }
    }
    if arguments.contains("--json") {
        let problems = try ReportSchema.problems(in: data)
        #expect(problems.isEmpty, "the report does not conform to its schema: \(problems)")
    }
    return (status, try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:])
}

private func runProcess(_ arguments: [String], environment extra: [String: String]) throws -> (Int32, Data) {
    // A check log of the test's own unless the test names one (never the user's).
    let ownLog =
        arguments.contains("--log") || arguments.contains("--config")
            || !["verify", "watch"].contains(arguments.first ?? "")
        ? []
        : [
            "--log",
            FileManager.default.temporaryDirectory.appendingPathComponent("checks-\(UUID().uuidString).jsonl").path,
        ]
    defer { if let path = ownLog.last { try? FileManager.default.removeItem(atPath: path) } }
    let run = try runVerifierProcess(arguments + ownLog, environment: extra)
    return (run.status, run.output)
}

/// Runs the built `handbook-verify` from the repository root, blocking: its exit status, what it
/// wrote to standard output, and to standard error (kept in a file, so that neither pipe can fill).
public func runVerifierProcess(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (
    status: Int32, output: Data, errors: String
) {
    let process = Process()
    process.executableURL = Repository.executable("handbook-verify")
    process.arguments = arguments
    process.currentDirectoryURL = Repository.root
    process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    let errorsFile = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorsFile) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: errorsFile)
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errors = (try? String(contentsOf: errorsFile, encoding: .utf8)) ?? ""
    return (process.terminationStatus, data, errors)
}

/// Validation against `Docs/handbook-verify.schema.json` with an independent validator: Debian's
/// python3-jsonschema (Draft 2020-12), which `scripts/install-deps.sh` installs.
public enum ReportSchema {
    public static let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        for number, line in enumerate(sys.stdin.read().splitlines(), 1):
            for error in validator.iter_errors(json.loads(line)):
                print(f"report {number}: {'/'.join(map(str, error.path))}: {error.message}")
        """

    /// What is wrong with each report in `data` (one JSON document, or one per line); empty when all conform.
    public static func problems(in data: Data) throws -> [String] {
        // One line per report: a pretty-printed document is compacted first.
        let lines: [Data]
        if let object = try? JSONSerialization.jsonObject(with: data) {
            lines = [try JSONSerialization.data(withJSONObject: object)]
        } else {
            lines = data.split(separator: 0x0A).map { Data($0) }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, Repository.path("Docs/handbook-verify.schema.json")]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(lines.joined(separator: Data([0x0A]))))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return ["the validator failed: \(text)"] }
        return text.split(separator: "\n").map(String.init)
    }
}

extension TestService {
    /// Jiangsu's signed package of today, made (signed) at `madeAt`.
    public func exportPackage(_ name: String, madeAt: Date = Date()) async throws -> URL {
        let url = directory.appendingPathComponent("\(name).jsonl")
        try? FileManager.default.removeItem(at: url)
        _ = try await PackageExport.export(
            from: store, region: try RegionCode("320000"),
            on: CardDate(Date()), at: madeAt,
            by: try #require(try await store.account(named: "root")),
            key: try PrivateKey(pemEncoded: try Repository.text("Keys/p256/package-signer.key.pem")),
            certificate: try Certificate(pemEncoded: try Repository.text("Keys/p256/package-signer.pem")),
            revocationLists: [], to: url)
        return url
    }
}
