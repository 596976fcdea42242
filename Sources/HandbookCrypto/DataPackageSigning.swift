import CodedErrors
import Foundation
import HandbookCodec

/// Writes a signed data package line by line, signing as it goes, so a region's package never has
/// to fit in memory. The caller sends each line's bytes where it likes (a file, a socket).
public final class DataPackageWriter {
    private let signer: StreamingSigner
    private let certificate: Certificate
    private let sink: ([UInt8]) throws -> Void
    private var finished = false
    /// Lines written so far, the signature line included once finished.
    public private(set) var lineCount = 0

    /// Starts a package with its header. `sink` receives every line's bytes in order.
    public init(
        header: DataPackageHeader, key: PrivateKey, certificate: Certificate, sink: @escaping ([UInt8]) throws -> Void
    ) throws {
        guard key.publicKey == certificate.publicKey else {
            throw SigningError.mismatchedSigner("the package key is not the key of \(certificate.subject)")
        }
        guard certificate.allows(.dataPackageSigning) else {
            throw SigningError.mismatchedSigner(
                "\(certificate.subject) is not a certificate for data package signing (extended key usage \(CertificatePurpose.dataPackageSigning.oid))"
            )
        }
        guard DataPackageVerifier.signer(certificate, covers: header.region) else {
            throw SigningError.mismatchedSigner(
                "\(certificate.subject) signs packages of \(certificate.regionCode ?? "no region"), not of \(header.region.code)"
            )
        }
        signer = try key.streamingSigner()
        self.certificate = certificate
        self.sink = sink
        try write(.header(header))
    }

    /// Adds a line (anything but a header or signature).
    public func write(_ line: DataPackageLine) throws {
        guard !finished else { throw SigningError.mismatchedSigner("a line after the package's signature") }
        let bytes = try line.encoded()
        try signer.update(bytes)
        try sink(bytes)
        lineCount += 1
    }

    /// Signs everything written and writes the signature line.
    public func finish() throws {
        let value = try signer.finish()
        let line = DataPackageLine.signature(
            PackageSignature(
                algorithm: signer.algorithm.oid.description, certificate: Data(certificate.derEncoded),
                value: Data(value)))
        finished = true
        try sink(try line.encoded())
        lineCount += 1
    }
}

/// Why a data package was refused.
public struct DataPackageError: CodedError, Hashable {
    public enum Code: String, Sendable, Hashable {
        case malformed = "PACKAGE_MALFORMED"
        case badSignature = "PACKAGE_BAD_SIGNATURE"
        case untrustedSigner = "PACKAGE_UNTRUSTED_SIGNER"
        case tooOld = "PACKAGE_TOO_OLD"
        case fromTheFuture = "PACKAGE_FROM_THE_FUTURE"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(reason) [\(code.rawValue)]" }
    public var errorCode: String { code.rawValue }
    public var kind: ErrorKind { .invalidInput }
    public var message: String { reason }
}

/// A data package whose signature and signer were checked.
public struct VerifiedDataPackage: Sendable {
    public let contents: DataPackageContents
    /// The certificate that signed it.
    public let signer: Certificate
    /// How old the package was when checked, in seconds.
    public let age: TimeInterval
}

/// Checks data packages: well formed, signed over every byte before the signature line by a
/// certificate for data package signing that chains to a pinned root, is not revoked and speaks for
/// the package's region, holding only that region's enterprises, and not older than allowed.
public enum DataPackageVerifier {
    /// Whether `certificate` signs packages of `region`: one of its regions covers it.
    public static func signer(_ certificate: Certificate, covers region: RegionCode) -> Bool {
        certificate.regionCodes.contains { code in (try? RegionCode(code))?.covers(region) ?? false }
    }

    /// Verifies `bytes` as a package at `now`; `maximumAge` in seconds.
    public static func verify(
        _ bytes: [UInt8], trustStore: TrustStore, now: Date = Date(), maximumAge: TimeInterval
    ) throws(DataPackageError) -> VerifiedDataPackage {
        let contents: DataPackageContents
        do {
            contents = try DataPackageContents(parsing: bytes)
        } catch {
            throw DataPackageError(.malformed, error.description)
        }
        let signature = contents.signature
        guard let oid = try? OID(dotted: signature.algorithm), let algorithm = SignatureAlgorithm(oid: oid) else {
            throw DataPackageError(.badSignature, "unknown signature algorithm \(signature.algorithm)")
        }
        let signer: Certificate
        do {
            signer = try trustStore.certificate(derEncoded: Array(signature.certificate))
        } catch {
            throw DataPackageError(.untrustedSigner, "the signer's certificate does not parse: \(error)")
        }
        let valid: Bool
        do {
            valid = try signer.publicKey.isValidSignature(
                Array(signature.value), for: bytes[0..<contents.signedLength], algorithm: algorithm)
        } catch {
            throw DataPackageError(.badSignature, "\(error)")
        }
        guard valid else {
            throw DataPackageError(.badSignature, "the signature does not match the package's contents")
        }
        let createdAt = contents.header.createdAt.foundationDate
        let chain = trustStore.verify(
            signer: signer, purpose: .dataPackageSigning, validAt: createdAt, revocationAt: now)
        guard chain.isTrusted else {
            throw DataPackageError(.untrustedSigner, "signer \(signer.subject): \(chain.problem)")
        }
        // The signer speaks for the package's region, and the package holds only that region.
        let region = contents.header.region
        guard Self.signer(signer, covers: region) else {
            throw DataPackageError(
                .untrustedSigner,
                "signer \(signer.subject) signs packages of \(signer.regionCode ?? "no region"), not of \(region.code)")
        }
        if let outside = contents.views.values.first(where: { !region.covers($0.enterprise.registeredRegion) }) {
            throw DataPackageError(
                .malformed,
                "the package of \(region.code) holds the view of \(outside.enterprise.uscc), registered in \(outside.enterprise.registeredRegion.code)"
            )
        }
        if let card = contents.cards.values.first(where: { $0.uscc.map { contents.views[$0] == nil } ?? true }) {
            throw DataPackageError(
                .malformed, "the package of \(region.code) holds card \(card.serial) of an enterprise it does not hold")
        }
        if let document = contents.documents.values.first(where: { contents.views[$0.uscc] == nil }) {
            throw DataPackageError(
                .malformed,
                "the package of \(region.code) holds document \(document.number) of an enterprise it does not hold")
        }
        let age = now.timeIntervalSince(createdAt)
        guard age >= -300 else {
            throw DataPackageError(
                .fromTheFuture, "the package says it was made at \(contents.header.createdAt), after now")
        }
        guard age <= maximumAge else {
            throw DataPackageError(
                .tooOld,
                "the package was made at \(contents.header.createdAt), \(Int(age / 3600)) h ago; at most \(Int(maximumAge / 3600)) h is accepted: download a new package"
            )
        }
        return VerifiedDataPackage(contents: contents, signer: signer, age: max(0, age))
    }
}
