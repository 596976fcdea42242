import COpenSSL
import Foundation

/// Account passwords hashed with scrypt (RFC 7914) through OpenSSL's `EVP_PBE_scrypt`, stored as
/// `scrypt$N$r$p$salt$hash` (salt and hash base64), so the cost can be raised later without
/// invalidating stored hashes.
public enum PasswordHash {
    /// The cost for new hashes: N = 2¹⁵, r = 8, p = 1 (32 MiB, tens of milliseconds per hash).
    public static let defaultCost = (n: UInt64(1) << 15, r: UInt64(8), p: UInt64(1))

    /// Hashes `password` with a fresh 16-byte salt.
    public static func make(_ password: String, cost: (n: UInt64, r: UInt64, p: UInt64) = defaultCost)
        throws(CryptoError) -> String
    {
        let salt = try randomBytes(16)
        let hash = try derive(password, salt: salt, n: cost.n, r: cost.r, p: cost.p)
        return
            "scrypt$\(cost.n)$\(cost.r)$\(cost.p)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// The cost a stored hash was made with, as `N$r$p`; nil for a value that is not an scrypt hash.
    ///
    /// The service compares this for its decoy hash (run for unknown names) with new hashes, so
    /// that a refusal for an unknown name costs what a refusal for a wrong password costs.
    public static func cost(of stored: String) -> String? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt" else { return nil }
        return parts[1...3].joined(separator: "$")
    }

    /// Whether `password` matches `stored`; a malformed stored value matches nothing.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let n = UInt64(parts[1]), let r = UInt64(parts[2]),
            let p = UInt64(parts[3]), n >= 2, n <= 1 << 20, n & (n - 1) == 0, (1...32).contains(r),
            (1...16).contains(p),
            let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])),
            expected.count == 32,
            let computed = try? derive(password, salt: [UInt8](salt), n: n, r: r, p: p)
        else { return false }
        return computed.withUnsafeBytes { a in
            expected.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, 32) == 0 }
        }
    }

    static func derive(_ password: String, salt: [UInt8], n: UInt64, r: UInt64, p: UInt64) throws(CryptoError)
        -> [UInt8]
    {
        var key = [UInt8](repeating: 0, count: 32)
        let utf8 = Array(password.utf8)
        let maxMemory = 128 * r * n * p + 1 << 20
        let result = utf8.withUnsafeBufferPointer { pass in
            pass.withMemoryRebound(to: CChar.self) { passChars in
                EVP_PBE_scrypt(passChars.baseAddress, utf8.count, salt, salt.count, n, r, p, maxMemory, &key, key.count)
            }
        }
        guard result == 1 else { throw .openssl("derive an scrypt password hash") }
        return key
    }
}
