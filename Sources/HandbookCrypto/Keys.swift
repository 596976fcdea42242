import COpenSSL
import HandbookCodec

/// The two signature schemes of the handbook.
public enum SignatureAlgorithm: String, Sendable, Hashable, CaseIterable, Codable {
    /// ECDSA on NIST P-256 with SHA-256 (`ecdsa-with-SHA256`).
    case ecdsaP256SHA256 = "ecdsa-p256-sha256"
    /// SM2 with SM3 (GM/T 0003, GM/T 0009), signer ID `1234567812345678`.
    case sm2SM3 = "sm2-sm3"

    /// The signature algorithm's object identifier.
    public var oid: OID {
        switch self {
        case .ecdsaP256SHA256: return OID(constant: [1, 2, 840, 10045, 4, 3, 2])
        case .sm2SM3: return OID(constant: [1, 2, 156, 10197, 1, 501])
        }
    }

    /// The algorithm an OID names, if it is one of the two.
    public init?(oid: OID) {
        guard let match = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = match
    }

    /// The GM/T 0009 default signer ID (distinguishing identifier) that SM2 signatures use.
    public static let sm2SignerID: [UInt8] = Array("1234567812345678".utf8)

    var digestName: String {
        switch self {
        case .ecdsaP256SHA256: return "SHA256"
        case .sm2SM3: return "SM3"
        }
    }

    /// The digest, fetched from OpenSSL's provider once: fetching by name on every signature costs
    /// more than hashing a document.
    var digest: OpaquePointer {
        switch self {
        case .ecdsaP256SHA256: return FetchedDigests.shared.sha256
        case .sm2SM3: return FetchedDigests.shared.sm3
        }
    }
}

/// Digests fetched once and shared; EVP_MD objects are immutable and thread-safe.
final class FetchedDigests: @unchecked Sendable {
    // @unchecked: the pointers are written once in init and never freed (they live as long as the process).
    static let shared = FetchedDigests()
    let sha256: OpaquePointer
    let sm3: OpaquePointer

    private init() {
        guard let sha256 = EVP_MD_fetch(nil, "SHA256", nil), let sm3 = EVP_MD_fetch(nil, "SM3", nil) else {
            preconditionFailure("OpenSSL provides no SHA256 or SM3: \(drainErrorQueue() ?? "")")
        }
        self.sha256 = sha256
        self.sm3 = sm3
    }
}

/// Which of the two signature schemes an OpenSSL key belongs to; any other key is refused.
func signatureAlgorithm(of pkey: OpaquePointer, operation: String) throws(CryptoError) -> SignatureAlgorithm {
    if EVP_PKEY_is_a(pkey, "SM2") == 1 { return .sm2SM3 }
    guard EVP_PKEY_is_a(pkey, "EC") == 1 else {
        throw CryptoError(
            .unsupportedKey, operation: operation, reason: "not an elliptic-curve key (P-256 or SM2 expected)")
    }
    var name = [CChar](repeating: 0, count: 64)
    var length = 0
    guard EVP_PKEY_get_group_name(pkey, &name, name.count, &length) == 1 else { throw .openssl(operation) }
    let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    switch group {
    case "prime256v1", "P-256": return .ecdsaP256SHA256
    default:
        throw CryptoError(
            .unsupportedKey, operation: operation, reason: "an EC key on curve \(group) (P-256 or SM2 expected)")
    }
}

/// A private signing key, P-256 or SM2, held by OpenSSL.
///
/// OpenSSL clears the private scalar when the key is freed (`BN_clear_free`), which happens when the
/// last reference to this object goes away. PEM text obtained from ``pemEncoded()`` is the caller's
/// to protect.
public final class PrivateKey: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is never mutated after creation, and OpenSSL allows one key to be
    // used from several threads as long as each operation has its own EVP_MD_CTX, as here.
    let pkey: OpaquePointer
    /// The scheme this key signs with.
    public let algorithm: SignatureAlgorithm
    /// The public half, taken out once (through SubjectPublicKeyInfo, so it holds no private material).
    public let publicKey: PublicKey

    init(taking pkey: OpaquePointer, operation: String) throws(CryptoError) {
        do throws(CryptoError) {
            algorithm = try signatureAlgorithm(of: pkey, operation: operation)
            let der = try encodeDER("encode a public key") { i2d_PUBKEY(pkey, $0) }
            publicKey = try PublicKey(spkiDER: der)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.pkey = pkey
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Generates a new key pair from OpenSSL's random generator.
    public static func generate(_ algorithm: SignatureAlgorithm) throws(CryptoError) -> PrivateKey {
        let operation = "generate a \(algorithm.rawValue) key"
        let type = algorithm == .sm2SM3 ? "SM2" : "EC"
        guard let context = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { throw .openssl(operation) }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw .openssl(operation) }
        if algorithm == .ecdsaP256SHA256 {
            guard EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else { throw .openssl(operation) }
        }
        var pkey: OpaquePointer?
        guard EVP_PKEY_generate(context, &pkey) == 1, let pkey else { throw .openssl(operation) }
        return try PrivateKey(taking: pkey, operation: operation)
    }

    /// Loads a PEM private key (PKCS#8 `PRIVATE KEY`, or the traditional `EC PRIVATE KEY`).
    public convenience init(pemEncoded pem: String) throws(CryptoError) {
        let operation = "load a PEM private key"
        let pkey = try withReadBIO(Array(pem.utf8)) { bio throws(CryptoError) -> OpaquePointer in
            guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
                throw .openssl(.malformedInput, operation)
            }
            return key
        }
        try self.init(taking: pkey, operation: operation)
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public func pemEncoded() throws(CryptoError) -> String {
        let bytes = try writtenToBIO("write a PKCS#8 private key") { bio in
            PEM_write_bio_PKCS8PrivateKey(bio, pkey, nil, nil, 0, nil, nil)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Signs `message` (hashing it with SHA-256 or SM3) and returns the DER-encoded (r, s).
    public func sign(_ message: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        let operation = "sign with \(algorithm.rawValue)"
        let context = try digestContext(signing: true, key: pkey, algorithm: algorithm, operation: operation)
        defer { EVP_MD_CTX_free(context) }
        let bytes = Array(message)
        var length = 0
        guard EVP_DigestSign(context, nil, &length, bytes, bytes.count) == 1 else { throw .openssl(operation) }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, bytes, bytes.count) == 1 else { throw .openssl(operation) }
        return Array(signature.prefix(length))
    }
}

/// A public verification key, P-256 or SM2, kept as its SubjectPublicKeyInfo.
public final class PublicKey: @unchecked Sendable, Hashable {
    // @unchecked: see PrivateKey; the EVP_PKEY is immutable once loaded.
    let pkey: OpaquePointer
    /// The scheme this key verifies.
    public let algorithm: SignatureAlgorithm
    /// The DER SubjectPublicKeyInfo.
    public let spkiDER: [UInt8]

    /// Loads a DER SubjectPublicKeyInfo.
    public init(spkiDER der: [UInt8]) throws(CryptoError) {
        let operation = "load a public key"
        // The two encodings a handbook card produces, byte for byte: built from the point directly,
        // a quarter of the time of OpenSSL's DER decoder (the verifier parses a card key per tap).
        for (prefix, algorithm, type, group) in Self.knownEncodings
        where der.count == prefix.count + 64
            && der.starts(with: prefix)
        {
            let point = der[(prefix.count - 1)...]
            let made = point.withUnsafeBufferPointer { copenssl_ec_public_key(type, group, $0.baseAddress, $0.count) }
            guard let made else {
                throw CryptoError(.malformedInput, operation: operation, reason: "not a point of the curve")
            }
            self.algorithm = algorithm
            pkey = made
            spkiDER = der
            return
        }
        let loaded: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let loaded else { throw .openssl(.malformedInput, operation) }
        do throws(CryptoError) {
            algorithm = try signatureAlgorithm(of: loaded, operation: operation)
            // Refuse trailing bytes: the DER must be exactly one SubjectPublicKeyInfo.
            let canonical = try encodeDER(operation) { i2d_PUBKEY(loaded, $0) }
            guard canonical == der else {
                throw CryptoError(
                    .malformedInput, operation: operation, reason: "not exactly one DER SubjectPublicKeyInfo")
            }
        } catch {
            EVP_PKEY_free(loaded)
            throw error
        }
        pkey = loaded
        spkiDER = der
    }

    /// SubjectPublicKeyInfo headers of uncompressed P-256 and SM2 points (the card-key encoding of
    /// the format): what follows is the 64-byte X‖Y.
    static let knownEncodings: [(prefix: [UInt8], algorithm: SignatureAlgorithm, type: String, group: String)] = [
        (CardKeyEncoding.Curve.p256.prefix + [0x04], .ecdsaP256SHA256, "EC", "prime256v1"),
        (CardKeyEncoding.Curve.sm2.prefix + [0x04], .sm2SM3, "SM2", "SM2"),
    ]

    /// Shares a key that OpenSSL already decoded (a certificate's), with its SubjectPublicKeyInfo.
    ///
    /// Decoding a key again from DER goes through OpenSSL 3's decoder framework, which costs
    /// hundreds of microseconds; sharing the certificate's key costs a reference count.
    init(sharing pkey: OpaquePointer, spkiDER: [UInt8]) throws(CryptoError) {
        algorithm = try signatureAlgorithm(of: pkey, operation: "read a certificate's public key")
        guard EVP_PKEY_up_ref(pkey) == 1 else { throw .openssl("share a public key") }
        self.pkey = pkey
        self.spkiDER = spkiDER
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Whether `signature` (DER (r, s)) is a valid signature of `message` under `algorithm`.
    ///
    /// A key verifies only signatures of its own algorithm: asking a P-256 key to check an SM2
    /// signature (or the reverse) throws ``CryptoError/Code/algorithmMismatch`` rather than trying.
    /// A malformed signature is simply not valid.
    public func isValidSignature(
        _ signature: some Collection<UInt8>, for message: some Collection<UInt8>, algorithm: SignatureAlgorithm
    ) throws(CryptoError) -> Bool {
        let operation = "verify a \(algorithm.rawValue) signature"
        guard algorithm == self.algorithm else {
            throw CryptoError(
                .algorithmMismatch, operation: operation,
                reason:
                    "the key is a \(self.algorithm.rawValue) key; it verifies only \(self.algorithm.rawValue) signatures"
            )
        }
        let context = try digestContext(signing: false, key: pkey, algorithm: algorithm, operation: operation)
        defer { EVP_MD_CTX_free(context) }
        let result = withContiguousBytes(signature) { signatureBytes in
            withContiguousBytes(message) { messageBytes in
                EVP_DigestVerify(
                    context, signatureBytes.baseAddress, signatureBytes.count, messageBytes.baseAddress,
                    messageBytes.count)
            }
        }
        drainErrorQueue()  // a bad signature leaves reasons behind; they are not errors of ours
        return result == 1
    }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.spkiDER == rhs.spkiDER }

    public func hash(into hasher: inout Hasher) { hasher.combine(spkiDER) }
}

/// Lends the bytes of a collection contiguously, copying only when the collection is not contiguous.
func withContiguousBytes<R>(_ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = bytes.withContiguousStorageIfAvailable(body) { return result }
    return Array(bytes).withUnsafeBufferPointer(body)
}

/// A digest-sign or digest-verify context for `key`, with the GM/T signer ID set for SM2 (OpenSSL 3.0
/// takes it only after the init call; Docs/ARCHITECTURE.md §6). The caller frees it with EVP_MD_CTX_free.
func digestContext(signing: Bool, key: OpaquePointer, algorithm: SignatureAlgorithm, operation: String)
    throws(CryptoError) -> OpaquePointer
{
    guard let context = EVP_MD_CTX_new() else { throw .openssl(operation) }
    var keyContext: OpaquePointer?
    let initialised =
        signing
        ? EVP_DigestSignInit(context, &keyContext, algorithm.digest, nil, key)
        : EVP_DigestVerifyInit(context, &keyContext, algorithm.digest, nil, key)
    guard initialised == 1 else {
        EVP_MD_CTX_free(context)
        throw .openssl(operation)
    }
    if algorithm == .sm2SM3 {
        let id = SignatureAlgorithm.sm2SignerID
        guard EVP_PKEY_CTX_set1_id(keyContext, id, Int32(id.count)) == 1 else {
            EVP_MD_CTX_free(context)
            throw .openssl(operation)
        }
    }
    return context
}
