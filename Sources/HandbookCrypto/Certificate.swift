import COpenSSL
import Foundation
import HandbookCodec

/// An X.509 certificate, held by OpenSSL.
///
/// Certificates signed with SM2 get the GM/T 0009 signer ID attached when they are loaded, which is
/// what makes OpenSSL 3.0 verify their signatures (Docs/ARCHITECTURE.md §6).
public final class Certificate: @unchecked Sendable, Hashable, CustomStringConvertible {
    // @unchecked: the X509 object is only mutated during init (the SM2 signer ID); afterwards it is
    // read-only, and OpenSSL's read accessors on a shared X509 are thread-safe.
    let x509: OpaquePointer
    /// The certificate's DER encoding, exactly as loaded.
    public let derEncoded: [UInt8]
    /// The subject's public key.
    public let publicKey: PublicKey

    /// Loads one DER certificate; trailing bytes are refused.
    public init(derEncoded der: [UInt8]) throws(CryptoError) {
        let operation = "load an X.509 certificate"
        let loaded: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let x509 = d2i_X509(nil, &cursor, buffer.count) else { return nil }
            // Exactly the given bytes, nothing after them.
            guard let base = buffer.baseAddress, cursor == base + buffer.count else {
                X509_free(x509)
                return nil
            }
            return x509
        }
        guard let loaded else { throw .openssl(.malformedInput, operation) }
        do throws(CryptoError) {
            guard let key = X509_get0_pubkey(loaded) else {
                throw .openssl(.malformedInput, "read the certificate's public key")
            }
            let spki = try encodeDER("encode the certificate's public key") {
                i2d_X509_PUBKEY(X509_get_X509_PUBKEY(loaded), $0)
            }
            publicKey = try PublicKey(sharing: key, spkiDER: spki)
        } catch {
            X509_free(loaded)
            throw error
        }
        if X509_get_signature_nid(loaded) == NID_SM2_with_SM3 {
            attachSM2SignerID(to: loaded)
        }
        x509 = loaded
        derEncoded = der
    }

    /// Loads one PEM certificate.
    public convenience init(pemEncoded pem: String) throws(CryptoError) {
        let certificates = try Certificate.certificates(pemEncoded: pem)
        guard certificates.count == 1 else {
            throw CryptoError(
                .malformedInput, operation: "load a PEM certificate",
                reason: "\(certificates.count) certificates where one was expected")
        }
        try self.init(derEncoded: certificates[0].derEncoded)
    }

    /// Every certificate of a PEM bundle, in order.
    public static func certificates(pemEncoded pem: String) throws(CryptoError) -> [Certificate] {
        var result: [Certificate] = []
        try withReadBIO(Array(pem.utf8)) { bio throws(CryptoError) in
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                defer { X509_free(x509) }
                result.append(try Certificate(derEncoded: try encodeDER("encode a certificate") { i2d_X509(x509, $0) }))
            }
            drainErrorQueue()  // the read that ends the loop leaves "no start line" behind
        }
        guard !result.isEmpty else {
            throw CryptoError(.malformedInput, operation: "load PEM certificates", reason: "no CERTIFICATE block found")
        }
        return result
    }

    deinit { X509_free(x509) }

    /// The subject as RFC 2253 text, UTF-8 kept readable.
    public var subject: String { Self.text(of: X509_get_subject_name(x509)) }

    /// The issuer as RFC 2253 text.
    public var issuer: String { Self.text(of: X509_get_issuer_name(x509)) }

    /// The subject's common name.
    public var commonName: String? { Self.attribute(NID_commonName, of: X509_get_subject_name(x509)) }

    /// The GB/T 2260 region code of a licensing office, carried in the subject's serialNumber attribute.
    public var regionCode: String? { Self.attribute(NID_serialNumber, of: X509_get_subject_name(x509)) }

    /// The serial number, hexadecimal.
    public var serialNumber: String {
        guard let bignum = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509), nil) else { return "" }
        defer { BN_free(bignum) }
        guard let hex = BN_bn2hex(bignum) else { return "" }
        defer { copenssl_free(hex) }
        return String(cString: hex)
    }

    /// The start of the validity period.
    public var notBefore: Date { Self.date(X509_get0_notBefore(x509)) }

    /// The end of the validity period.
    public var notAfter: Date { Self.date(X509_get0_notAfter(x509)) }

    /// The last day (China Standard Time, as document dates are) that ends within the certificate's
    /// validity: a document signed with it may be valid until this day at the latest
    /// (Cards/FORMAT.md §2.4). For a notAfter of 2024-12-31T23:59:59Z: 2024-12-31.
    public var lastDocumentDay: CardDate { CardDate(notAfter.addingTimeInterval(1 - 86_400)) }

    /// The algorithm the issuer signed this certificate with, if it is one of the handbook's two.
    public var signatureAlgorithm: SignatureAlgorithm? {
        switch X509_get_signature_nid(x509) {
        case NID_ecdsa_with_SHA256: return .ecdsaP256SHA256
        case NID_SM2_with_SM3: return .sm2SM3
        default: return nil
        }
    }

    /// Whether the certificate is a CA certificate (basicConstraints CA:TRUE).
    public var isCertificateAuthority: Bool { X509_check_ca(x509) != 0 }

    /// Whether the key usage allows signing documents (digitalSignature or nonRepudiation).
    public var mayVerifyDocuments: Bool {
        let usage = X509_get_key_usage(x509)
        return usage & UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION) != 0 && !isCertificateAuthority
    }

    /// The SHA-256 of the DER encoding, hexadecimal.
    public var fingerprint: String {
        Digest.sha256.hash(derEncoded).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    public var description: String { subject }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.derEncoded == rhs.derEncoded }

    public func hash(into hasher: inout Hasher) { hasher.combine(derEncoded) }

    static func text(of name: OpaquePointer?) -> String {
        guard let name else { return "" }
        let bytes =
            (try? writtenToBIO("print a name") { bio in
                X509_NAME_print_ex(bio, name, 0, copenssl_name_print_flags()) >= 0 ? 1 : 0
            }) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    static func attribute(_ nid: Int32, of name: OpaquePointer?) -> String? {
        guard let name else { return nil }
        let index = X509_NAME_get_index_by_NID(name, nid, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry)
        else {
            return nil
        }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { copenssl_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return .distantPast }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}

/// Sets the GM/T 0009 default signer ID on an SM2-signed certificate so OpenSSL verifies it.
func attachSM2SignerID(to x509: OpaquePointer) {
    guard let id = ASN1_OCTET_STRING_new() else { return }
    _ = SignatureAlgorithm.sm2SignerID.withUnsafeBufferPointer {
        ASN1_OCTET_STRING_set(id, $0.baseAddress, Int32($0.count))
    }
    X509_set0_distinguishing_id(x509, id)  // takes ownership
}
