import COpenSSL

/// Signs a message given in pieces, so that a large file (a data package) is signed as it is written
/// instead of being held in memory. The signature is the same as ``PrivateKey/sign(_:)`` of the whole.
public final class StreamingSigner {
    private let context: OpaquePointer
    private let operation: String
    private var finished = false
    /// The key's algorithm.
    public let algorithm: SignatureAlgorithm

    init(key: PrivateKey) throws(CryptoError) {
        algorithm = key.algorithm
        operation = "sign with \(key.algorithm.rawValue)"
        context = try digestContext(signing: true, key: key.pkey, algorithm: key.algorithm, operation: operation)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds the next piece of the message.
    public func update(_ bytes: some Collection<UInt8>) throws(CryptoError) {
        precondition(!finished, "a streaming signature was already finished")
        let updated = withContiguousBytes(bytes) { EVP_DigestSignUpdate(context, $0.baseAddress, $0.count) }
        guard updated == 1 else { throw .openssl(operation) }
    }

    /// The DER-encoded (r, s) over everything given to ``update(_:)``.
    public func finish() throws(CryptoError) -> [UInt8] {
        precondition(!finished, "a streaming signature was already finished")
        finished = true
        var length = 0
        guard EVP_DigestSignFinal(context, nil, &length) == 1 else { throw .openssl(operation) }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSignFinal(context, &signature, &length) == 1 else { throw .openssl(operation) }
        return Array(signature.prefix(length))
    }
}

extension PrivateKey {
    /// A signer to which the message is given in pieces.
    public func streamingSigner() throws(CryptoError) -> StreamingSigner {
        try StreamingSigner(key: self)
    }
}
