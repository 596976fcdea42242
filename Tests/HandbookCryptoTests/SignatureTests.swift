import Foundation
import HandbookCrypto
import TestSupport
import Testing

@Suite("keys and signatures")
struct SignatureTests {
    @Test(
        "sign and verify with each algorithm; a changed message or signature fails",
        arguments: SignatureAlgorithm.allCases)
    func signVerify(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        #expect(key.algorithm == algorithm)
        let message = Array("信用手册 handbook content".utf8)
        let signature = try key.sign(message)
        #expect(signature.first == 0x30, "DER SEQUENCE of r and s")
        #expect(try key.publicKey.isValidSignature(signature, for: message, algorithm: algorithm))
        var changed = message
        changed[0] ^= 1
        #expect(try !key.publicKey.isValidSignature(signature, for: changed, algorithm: algorithm))
        var badSignature = signature
        badSignature[badSignature.count - 1] ^= 1
        #expect(try !key.publicKey.isValidSignature(badSignature, for: message, algorithm: algorithm))
        #expect(try !key.publicKey.isValidSignature([0x30, 0x00], for: message, algorithm: algorithm))
    }

    @Test("a key never verifies a signature of the other algorithm", arguments: SignatureAlgorithm.allCases)
    func algorithmMismatch(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let other: SignatureAlgorithm = algorithm == .sm2SM3 ? .ecdsaP256SHA256 : .sm2SM3
        let signature = try key.sign([1, 2, 3])
        #expect { try key.publicKey.isValidSignature(signature, for: [1, 2, 3], algorithm: other) } throws: {
            ($0 as? CryptoError)?.code == .algorithmMismatch
        }
    }

    @Test("PKCS#8 PEM and SubjectPublicKeyInfo round-trip", arguments: SignatureAlgorithm.allCases)
    func encodings(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let pem = try key.pemEncoded()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let reloaded = try PrivateKey(pemEncoded: pem)
        #expect(reloaded.algorithm == algorithm)
        #expect(reloaded.publicKey == key.publicKey)
        let spki = try PublicKey(spkiDER: key.publicKey.spkiDER)
        #expect(spki.algorithm == algorithm)
        #expect(try spki.isValidSignature(try reloaded.sign([9]), for: [9], algorithm: algorithm))
        #expect(throws: CryptoError.self) { try PublicKey(spkiDER: key.publicKey.spkiDER + [0]) }
        #expect(throws: CryptoError.self) { try PublicKey(spkiDER: Array(key.publicKey.spkiDER.dropLast())) }
        #expect(throws: CryptoError.self) {
            try PrivateKey(pemEncoded: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        }
    }

    @Test(
        "a card key read from its point (the fast path) is the key OpenSSL's decoder reads; a point off the curve is refused",
        arguments: SignatureAlgorithm.allCases)
    func fastPublicKeys(algorithm: SignatureAlgorithm) throws {
        for _ in 0..<20 {
            let key = try PrivateKey.generate(algorithm)
            let der = key.publicKey.spkiDER
            let fast = try PublicKey(spkiDER: der)
            #expect(fast.algorithm == algorithm)
            #expect(fast == key.publicKey)
            #expect(try fast.isValidSignature(try key.sign([7, 7]), for: [7, 7], algorithm: algorithm))
            #expect(!(try fast.isValidSignature(try key.sign([7, 7]), for: [7, 8], algorithm: algorithm)))
        }
        let der = try PrivateKey.generate(algorithm).publicKey.spkiDER
        var offCurve = der
        offCurve[offCurve.count - 1] ^= 0x01  // Y changed: not on the curve any more
        #expect { try PublicKey(spkiDER: offCurve) } throws: { ($0 as? CryptoError)?.code == .malformedInput }
        var compressed = der
        compressed[26] = 0x02  // not an uncompressed point
        #expect(throws: CryptoError.self) { try PublicKey(spkiDER: compressed) }
    }

    @Test("the committed test keys load with the right algorithm")
    func committedKeys() throws {
        #expect(try TestKeys.privateKey("p256/office-310000.key.pem").algorithm == .ecdsaP256SHA256)
        #expect(try TestKeys.privateKey("sm2/office-310000.key.pem").algorithm == .sm2SM3)
        let certificate = try TestKeys.certificate("sm2/office-310000.pem")
        #expect(certificate.publicKey == (try TestKeys.privateKey("sm2/office-310000.key.pem").publicKey))
    }

    @Test("a signature made in Swift verifies with the openssl command line", arguments: SignatureAlgorithm.allCases)
    func swiftToCLI(algorithm: SignatureAlgorithm) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = try PrivateKey.generate(algorithm)
        let message = Array("上海市 handbook".utf8)
        try Data(message).write(to: folder.appendingPathComponent("message"))
        try Data(try key.sign(message)).write(to: folder.appendingPathComponent("signature"))
        try Data(key.publicKey.spkiDER).write(to: folder.appendingPathComponent("public.der"))
        var arguments = [
            "dgst", algorithm == .sm2SM3 ? "-sm3" : "-sha256", "-keyform", "DER", "-verify",
            folder.appendingPathComponent("public.der").path, "-signature",
            folder.appendingPathComponent("signature").path,
        ]
        if algorithm == .sm2SM3 { arguments += ["-sigopt", "distid:1234567812345678"] }
        let result = try openssl(arguments + [folder.appendingPathComponent("message").path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("Verified OK"))
    }

    @Test("a signature made by the openssl command line verifies in Swift", arguments: SignatureAlgorithm.allCases)
    func cliToSwift(algorithm: SignatureAlgorithm) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyPath = TestKeys.folder.appendingPathComponent("\(TestKeys.folderName(algorithm))/office-320000.key.pem")
            .path
        let message = Array("江苏省 handbook".utf8)
        try Data(message).write(to: folder.appendingPathComponent("message"))
        var arguments = ["dgst", algorithm == .sm2SM3 ? "-sm3" : "-sha256", "-sign", keyPath]
        if algorithm == .sm2SM3 { arguments += ["-sigopt", "distid:1234567812345678"] }
        let signaturePath = folder.appendingPathComponent("signature").path
        let result = try openssl(arguments + ["-out", signaturePath, folder.appendingPathComponent("message").path])
        #expect(result.status == 0, "\(result.output)")
        let signature = Array(try Data(contentsOf: URL(fileURLWithPath: signaturePath)))
        let certificate = try TestKeys.certificate("\(TestKeys.folderName(algorithm))/office-320000.pem")
        #expect(try certificate.publicKey.isValidSignature(signature, for: message, algorithm: algorithm))
    }

    @Test("SM3 and SHA-256 match their standards' vectors")
    func digests() {
        #expect(
            hex(Digest.sm3.hash(Array("abc".utf8)))
                == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(
            hex(Digest.sm3.hash(Array(String(repeating: "abcd", count: 16).utf8)))
                == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
        #expect(
            hex(Digest.sha256.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("random bytes differ between draws")
    func randomness() throws {
        let first = try randomBytes(32)
        let second = try randomBytes(32)
        #expect(first.count == 32 && first != second)
    }
}

@Suite("card keys")
struct CardKeyTests {
    @Test(
        "the KDF matches NIST SP 800-108 CAVP (CMAC-AES128, counter before fixed data, 32-bit counter)",
        arguments: [
            (
                "c10b152e8c97b77e18704e0f0bd38305",
                "98cd4cbbbebe15d17dc86e6dbad800a2dcbd64f7c7ad0e78e9cf94ffdba89d03e97eadf6c4f7b806caf52aa38f09d0eb71d71f497bcc6906b48d36c4",
                "26faf61908ad9ee881b8305c221db53f"
            ),
            (
                "695f1b1a16c949cea51cdf2554ec9d42",
                "4fce5942832a390aa1cbe8a0bf9d202cb799e986c9d6b51f45e4d597a6b57f06a4ebfec6467335d116b7f5f9c5b954062f661820f5db2a5bbb3e0625",
                "d34b601ec18c34dfa0f9e0b7523e218bdddb9befe8d08b6c0202d75ace0dba89"
            ),
        ])
    func kdfVector(key: String, fixedInput: String, expected: String) throws {
        let output = try CardKeys.kbkdfCounterCMAC(
            key: try SymmetricKey(hex: key), fixedInput: bytes(hex: fixedInput), outputLength: expected.count / 2)
        #expect(hex(output) == expected)
    }

    @Test("AES-CMAC matches RFC 4493")
    func cmacVectors() throws {
        let key = try SymmetricKey(hex: "2b7e151628aed2a6abf7158809cf4f3c")
        #expect(hex(try CardKeys.cmac(key: key, message: [])) == "bb1d6929e95937287fa37d129b756746")
        #expect(
            hex(try CardKeys.cmac(key: key, message: bytes(hex: "6bc1bee22e409f96e93d7e117393172a")))
                == "070a16b46b4d4144f79bdd9dd04a287c")
    }

    @Test("card keys differ per card and per master key; the cryptogram depends on key and challenge")
    func diversification() throws {
        let master = try SymmetricKey(hex: try TestKeys.text("issuer-master-key.hex"))
        #expect(master.count == 16)
        let a = try CardKeys.cardManagementKey(master: master, cardSerial: Array("CARD-0001".utf8))
        let b = try CardKeys.cardManagementKey(master: master, cardSerial: Array("CARD-0002".utf8))
        let challenge: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let cryptogramA = try CardKeys.externalAuthenticateCryptogram(cardKey: a, challenge: challenge)
        #expect(cryptogramA.count == 16)
        #expect(cryptogramA != (try CardKeys.externalAuthenticateCryptogram(cardKey: b, challenge: challenge)))
        #expect(
            cryptogramA != (try CardKeys.externalAuthenticateCryptogram(cardKey: a, challenge: challenge.reversed())))
        let again = try CardKeys.cardManagementKey(master: master, cardSerial: Array("CARD-0001".utf8))
        #expect(cryptogramA == (try CardKeys.externalAuthenticateCryptogram(cardKey: again, challenge: challenge)))
        #expect("\(a)" == "SymmetricKey(16 bytes)")
        #expect(throws: CryptoError.self) {
            try CardKeys.externalAuthenticateCryptogram(cardKey: a, challenge: [1, 2, 3])
        }
        #expect(throws: CryptoError.self) { try SymmetricKey(hex: "abc") }
        #expect(throws: CryptoError.self) { try SymmetricKey(hex: "zz") }
    }
}
