import Foundation
import HandbookCrypto

/// The repository's `Keys/` folder: the TEST PKI that `Keys/generate.sh` writes.
public enum TestKeys {
    public static let folder = Repository.root.appendingPathComponent("Keys")

    public static func text(_ path: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }

    public static func certificate(_ path: String) throws -> Certificate {
        try Certificate(pemEncoded: try text(path))
    }

    public static func privateKey(_ path: String) throws -> PrivateKey {
        try PrivateKey(pemEncoded: try text(path))
    }

    public static func crl(_ path: String) throws -> CertificateRevocationList {
        try CertificateRevocationList(pemEncoded: try text(path))
    }

    public static func folderName(_ algorithm: SignatureAlgorithm) -> String {
        algorithm == .sm2SM3 ? "sm2" : "p256"
    }

    /// Both regional roots and their CRLs.
    public static func trustStore() throws -> TrustStore {
        TrustStore(
            roots: [try certificate("p256/root-ca.pem"), try certificate("sm2/root-ca.pem")],
            revocationLists: [try crl("p256/crl.pem"), try crl("sm2/crl.pem")])
    }
}

/// Runs the `openssl` command-line tool; returns its exit status and output.
@discardableResult
public func openssl(_ arguments: [String], input: [UInt8]? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    if let input {
        let pipe = Pipe()
        process.standardInput = pipe
        try process.run()
        pipe.fileHandleForWriting.write(Data(input))
        try pipe.fileHandleForWriting.close()
    } else {
        try process.run()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A fresh temporary folder, removed by the caller.
public func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("handbook-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

public func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

public func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

public func date(_ text: String) -> Date {
    ISO8601DateFormatter().date(from: text)!
}
