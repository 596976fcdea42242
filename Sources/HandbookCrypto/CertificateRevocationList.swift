import COpenSSL
import Foundation

/// An X.509 certificate revocation list, held by OpenSSL.
///
/// Its signature is checked here rather than by OpenSSL's chain builder, because OpenSSL 3.0 has no
/// way to give a CRL the SM2 signer ID and would reject every GM/T-conformant SM2-signed CRL.
public final class CertificateRevocationList: @unchecked Sendable {
    // @unchecked: never mutated after init; OpenSSL's read accessors are thread-safe.
    let crl: OpaquePointer
    /// The DER encoding, exactly as loaded.
    public let derEncoded: [UInt8]

    /// Loads one DER CRL; trailing bytes are refused.
    public init(derEncoded der: [UInt8]) throws(CryptoError) {
        let loaded: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let crl = d2i_X509_CRL(nil, &cursor, buffer.count) else { return nil }
            guard let base = buffer.baseAddress, cursor == base + buffer.count else {
                X509_CRL_free(crl)
                return nil
            }
            return crl
        }
        guard let loaded else { throw .openssl(.malformedInput, "load a CRL") }
        crl = loaded
        derEncoded = der
    }

    /// Loads one PEM CRL.
    public convenience init(pemEncoded pem: String) throws(CryptoError) {
        let der = try withReadBIO(Array(pem.utf8)) { bio throws(CryptoError) -> [UInt8] in
            guard let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) else {
                throw .openssl(.malformedInput, "load a PEM CRL")
            }
            defer { X509_CRL_free(crl) }
            return try encodeDER("encode a CRL") { i2d_X509_CRL(crl, $0) }
        }
        try self.init(derEncoded: der)
    }

    deinit { X509_CRL_free(crl) }

    /// The issuer as RFC 2253 text.
    public var issuer: String { Certificate.text(of: X509_CRL_get_issuer(crl)) }

    /// When the CRL was issued.
    public var thisUpdate: Date { Certificate.date(X509_CRL_get0_lastUpdate(crl)) }

    /// When the next CRL is due, if the CRL says.
    public var nextUpdate: Date? { X509_CRL_get0_nextUpdate(crl).map { Certificate.date($0) } }

    /// Whether this CRL was issued and signed by `issuer`.
    public func isIssued(by issuer: Certificate) -> Bool {
        guard X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer.x509)) == 0 else { return false }
        let algorithm: SignatureAlgorithm
        switch X509_CRL_get_signature_nid(crl) {
        case NID_ecdsa_with_SHA256: algorithm = .ecdsaP256SHA256
        case NID_SM2_with_SM3: algorithm = .sm2SM3
        default: return false
        }
        var signature: UnsafePointer<ASN1_BIT_STRING>?
        var signatureAlgorithm: UnsafePointer<X509_ALGOR>?
        X509_CRL_get0_signature(crl, &signature, &signatureAlgorithm)
        guard let signature, let data = ASN1_STRING_get0_data(signature) else { return false }
        let signatureBytes = Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(signature))))
        guard let tbs = try? encodeDER("encode the CRL's signed part", { i2d_re_X509_CRL_tbs(crl, $0) }) else {
            return false
        }
        return (try? issuer.publicKey.isValidSignature(signatureBytes, for: tbs, algorithm: algorithm)) ?? false
    }

    /// When `certificate` was revoked, if this CRL lists it.
    public func revocationDate(of certificate: Certificate) -> Date? {
        var entry: OpaquePointer?
        guard X509_CRL_get0_by_cert(crl, &entry, certificate.x509) == 1, let entry else { return nil }
        return Certificate.date(X509_REVOKED_get0_revocationDate(entry))
    }
}
