import COpenSSL
import Testing

/// Proves the binding reaches the real libcrypto: SM3 through the EVP interface, checked against the
/// GB/T 32905-2016 test vectors.
@Suite("libcrypto binding")
struct OpenSSLBindingTests {
    @Test(
        "SM3 through EVP matches GB/T 32905",
        arguments: [
            ("abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
            (
                String(repeating: "abcd", count: 16),
                "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
            ),
        ])
    func sm3(message: String, expected: String) throws {
        let digest = try evpDigest("SM3", Array(message.utf8))
        #expect(hex(digest) == expected)
    }

    @Test("SHA-256 through EVP matches FIPS 180-2")
    func sha256() throws {
        let digest = try evpDigest("SHA256", Array("abc".utf8))
        #expect(hex(digest) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("an unknown digest name is refused by EVP_MD_fetch")
    func unknownDigest() {
        #expect(EVP_MD_fetch(nil, "NO-SUCH-DIGEST", nil) == nil)
        ERR_clear_error()
    }

    private func evpDigest(_ name: String, _ message: [UInt8]) throws -> [UInt8] {
        let md = try #require(EVP_MD_fetch(nil, name, nil), "EVP_MD_fetch(\(name))")
        defer { EVP_MD_free(md) }
        let context = try #require(EVP_MD_CTX_new())
        defer { EVP_MD_CTX_free(context) }
        try #require(EVP_DigestInit_ex2(context, md, nil) == 1)
        try #require(EVP_DigestUpdate(context, message, message.count) == 1)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        try #require(EVP_DigestFinal_ex(context, &out, &length) == 1)
        return Array(out.prefix(Int(length)))
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
