import CreditStore
import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Runs a built tool of the package from the repository root on a thread of its own (never on the
/// cooperative pool): its exit status, standard output and standard error (kept in a file, so that
/// neither pipe can fill).
public func runTool(_ name: String, _ arguments: [String], environment extra: [String: String] = [:]) async throws -> (
    status: Int32, output: String, errors: String
) {
    try await runProgram(Repository.executable(name).path, arguments, environment: extra)
}

/// Runs the program at `path` as ``runTool(_:_:environment:)`` runs a tool of the package.
public func runProgram(_ path: String, _ arguments: [String], environment extra: [String: String] = [:]) async throws
    -> (
        status: Int32, output: String, errors: String
    )
{
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(
                with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: path)
                    process.arguments = arguments
                    process.currentDirectoryURL = Repository.root
                    process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
                    let errorsFile = FileManager.default.temporaryDirectory.appendingPathComponent(
                        "stderr-\(UUID().uuidString)")
                    _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
                    defer { try? FileManager.default.removeItem(at: errorsFile) }
                    let output = Pipe()
                    process.standardOutput = output
                    process.standardError = try FileHandle(forWritingTo: errorsFile)
                    try process.run()
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    let errors = (try? String(contentsOf: errorsFile, encoding: .utf8)) ?? ""
                    return (process.terminationStatus, String(decoding: data, as: UTF8.self), errors)
                })
        }
    }
}

/// A folder with a configuration file and a database made by `handbook-issuer init`, with demo
/// data and one account per role for Jiangsu (`<role>`, password ``testPassword``), for tests that
/// run the service as its own process.
public struct ServiceFolder: Sendable {
    public let url: URL
    public let config: URL
    public let database: String

    /// `settings` are merged over the defaults (a Jiangsu office, the P-256 TEST keys).
    /// `database` nil is an SQLite file in the folder; a `postgres://` URL puts it on that server.
    public init(settings: [String: Any] = [:], enterprises: Int = 12, database: String? = nil) async throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        self.database = database ?? url.appendingPathComponent("credit.sqlite").path
        config = url.appendingPathComponent("issuer.json")
        let keys = Repository.root.appendingPathComponent("Keys").path
        var all: [String: Any] = [
            "database": self.database,
            "office": [
                "region": "320000", "name": "江苏省住房和城乡建设厅", "key": "\(keys)/p256/office-320000.key.pem",
                "certificate": "\(keys)/p256/office-320000.pem",
            ],
            "masterKey": "\(keys)/issuer-master-key.hex",
            "packageSigner": [
                "key": "\(keys)/p256/package-signer.key.pem", "certificate": "\(keys)/p256/package-signer.pem",
                "crls": ["\(keys)/p256/crl.pem"],
            ],
            "readers": ["Virtual PCD 00 00"],
        ]
        // Beside an SQLite file packages go to `<file>.packages`; a PostgreSQL database has no file.
        if PostgresLocation.isURL(self.database) { all["packageFolder"] = url.appendingPathComponent("packages").path }
        all.merge(settings) { $1 }
        try JSONSerialization.data(withJSONObject: all).write(to: config)
        try await issuer(["init", "--config", config.path])
        for role in ["recorder", "approver", "issuer", "inspector", "auditor"] {
            try await issuer(["accounts", "add", role, "--role", role, "--regions", "320000", "--config", config.path])
        }
        try await issuer(["seed-demo", "--enterprises", "\(enterprises)", "--config", config.path])
    }

    /// Runs `handbook-issuer` and expects it to succeed.
    public func issuer(_ arguments: [String]) async throws {
        let run = try await runTool("handbook-issuer", arguments, environment: ["HANDBOOK_PASSWORD": testPassword])
        #expect(run.status == 0, "handbook-issuer \(arguments.joined(separator: " ")): \(run.errors)")
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// `handbook-issuer serve` as a separate process on a port of the system's choosing.
public final class ServiceProcess: @unchecked Sendable {
    // @unchecked: every stored property is set once in init; Process is thread-safe for the calls made.
    public let process = Process()
    public let port: Int
    /// "http" or "https", as the service announced.
    public let scheme: String
    public let errors: URL
    /// The public site's port, when the service was started with `--public-listen`.
    public let publicPort: Int?

    public init(config: URL, arguments: [String] = [], environment extra: [String: String] = [:]) throws {
        process.executableURL = Repository.executable("handbook-issuer")
        process.arguments = ["serve", "--config", config.path, "--listen", "127.0.0.1:0"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "warning"
        environment.merge(extra) { $1 }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        errors = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        var seen = ""
        let publicSite = arguments.contains("--public-listen")
        while seen.range(of: #"listening on [^\n]*\n"#, options: .regularExpression) == nil
            || (publicSite && seen.range(of: #"public site on [^\n]*\n"#, options: .regularExpression) == nil)
        {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard
            let range = seen.range(of: #"listening on https?://127\.0\.0\.1:\d+"#, options: .regularExpression),
            let port = seen[range].split(separator: ":").last.flatMap({ Int($0) })
        else {
            let log = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw ServiceProcessError(message: "the service did not start: \(seen) \(log)")
        }
        self.port = port
        scheme = seen[range].contains("https://") ? "https" : "http"
        publicPort = seen.range(of: #"public site on https?://127\.0\.0\.1:\d+"#, options: .regularExpression).flatMap {
            seen[$0].split(separator: ":").last.flatMap { Int($0) }
        }
    }

    /// A request over plain HTTP through URLSession: the status and body, or nil when no answer came.
    public func request(_ method: String, _ path: String, token: String? = nil, body: [String: Any]? = nil) async
        -> (Int, String)?
    {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = try? JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        guard let (data, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Logs in as `name` and returns the token.
    public func login(_ name: String) async throws -> String {
        let (status, text) = try #require(
            await request("POST", "/v1/login", body: ["name": name, "password": testPassword]))
        #expect(status == 200, "\(text)")
        return try JSONDecoder().decode(LoginAnswer.self, from: Data(text.utf8)).token
    }

    public var isRunning: Bool { process.isRunning }

    /// What the service wrote to standard error.
    public var log: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: errors)
    }
}

public struct ServiceProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// One TCP connection to 127.0.0.1 driven byte by byte, for what an HTTP client library will not
/// send: broken framing, a request that never ends, silence.
public final class RawConnection {
    private let socket: Int32

    public init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ServiceProcessError(message: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw ServiceProcessError(message: "connect: errno \(errno)")
        }
    }

    deinit { close(socket) }

    /// Sends `text` as UTF-8; false when the peer has closed the connection.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            == bytes.count
    }

    /// Reads until the peer closes the connection or `seconds` pass without a byte: what arrived,
    /// and whether the peer closed.
    public func receive(waiting seconds: Int) -> (text: String, closed: Bool) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[0..<count]
            } else {
                // 0: closed by the peer (or reset); -1 with EAGAIN: the wait ran out.
                let closed = count == 0 || errno == ECONNRESET
                return (String(decoding: received, as: UTF8.self), closed)
            }
        }
    }
}
