import COpenSSL

/// Message digests through OpenSSL's EVP interface.
public enum Digest: String, Sendable, Hashable, CaseIterable {
    case sha256 = "SHA256"
    case sm3 = "SM3"

    /// The digest of `message`.
    public func hash(_ message: some Collection<UInt8>) -> [UInt8] {
        let bytes = Array(message)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard let md = EVP_MD_fetch(nil, rawValue, nil) else {
            preconditionFailure("OpenSSL has no \(rawValue): \(drainErrorQueue() ?? "")")
        }
        defer { EVP_MD_free(md) }
        guard EVP_Digest(bytes, bytes.count, &out, &length, md, nil) == 1 else {
            preconditionFailure("EVP_Digest(\(rawValue)) failed: \(drainErrorQueue() ?? "")")
        }
        return Array(out.prefix(Int(length)))
    }
}

/// Cryptographically strong random bytes from OpenSSL's generator.
/// Whether two byte strings are equal, compared by OpenSSL's `CRYPTO_memcmp` in a time that does
/// not depend on where they differ (only their lengths, which are not secret, end it early).
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return a.withUnsafeBytes { x in
        b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 }
    }
}

public func randomBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
    guard let length = Int32(exactly: count), length >= 0 else {
        throw CryptoError(
            .wrongLength, operation: "draw random bytes", reason: "\(count) bytes cannot be drawn at once")
    }
    var bytes = [UInt8](repeating: 0, count: count)
    guard count == 0 || RAND_bytes(&bytes, length) == 1 else { throw .openssl("draw random bytes") }
    return bytes
}

/// A digest computed over pieces, for files too large to hold.
public final class DigestStream {
    private let context: OpaquePointer
    private var finished = false

    public init(_ digest: Digest) {
        guard let context = EVP_MD_CTX_new(), let md = EVP_MD_fetch(nil, digest.rawValue, nil) else {
            preconditionFailure("OpenSSL has no \(digest.rawValue): \(drainErrorQueue() ?? "")")
        }
        defer { EVP_MD_free(md) }
        guard EVP_DigestInit_ex(context, md, nil) == 1 else {
            preconditionFailure("EVP_DigestInit_ex(\(digest.rawValue)) failed: \(drainErrorQueue() ?? "")")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds the next piece.
    public func update(_ bytes: some Collection<UInt8>) {
        precondition(!finished, "the digest was already finished")
        let updated = withContiguousBytes(bytes) { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        precondition(updated == 1, "EVP_DigestUpdate failed")
    }

    /// The digest of everything added.
    public func finish() -> [UInt8] {
        precondition(!finished, "the digest was already finished")
        finished = true
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &out, &length) == 1, "EVP_DigestFinal_ex failed")
        return Array(out.prefix(Int(length)))
    }
}
