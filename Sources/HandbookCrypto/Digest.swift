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
public func randomBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    guard count == 0 || RAND_bytes(&bytes, Int32(count)) == 1 else { throw .openssl("draw random bytes") }
    return bytes
}
