import COpenSSL
import CodedErrors

/// A cryptographic operation that failed, with OpenSSL's own reason when OpenSSL gave one.
public struct CryptoError: CodedError, Hashable {
    /// A stable code for each kind of failure.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// OpenSSL refused an operation that should have worked (out of memory, missing provider).
        case openssl = "CRYPTO_OPENSSL"
        /// A key, certificate or CRL could not be parsed.
        case malformedInput = "CRYPTO_MALFORMED_INPUT"
        /// A key of an algorithm or curve the handbook does not use.
        case unsupportedKey = "CRYPTO_UNSUPPORTED_KEY"
        /// A key used with another algorithm than its own.
        case algorithmMismatch = "CRYPTO_ALGORITHM_MISMATCH"
        /// A symmetric key or challenge of the wrong length.
        case wrongLength = "CRYPTO_WRONG_LENGTH"
    }

    /// What kind of failure this is.
    public let code: Code
    /// What was being done: "load a PEM private key".
    public let operation: String
    /// Why, in OpenSSL's words where it had any.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, operation: String, reason: String) {
        self.code = code
        self.operation = operation
        self.reason = reason
    }

    /// Creates an error from OpenSSL's error queue, which it empties.
    static func openssl(_ code: Code, _ operation: String) -> CryptoError {
        CryptoError(code, operation: operation, reason: drainErrorQueue() ?? "no reason given by OpenSSL")
    }

    /// An OpenSSL failure of `operation`, with the reasons on OpenSSL's error queue.
    static func openssl(_ operation: String) -> CryptoError {
        openssl(.openssl, operation)
    }

    public var description: String { "\(operation) failed: \(reason) [\(code.rawValue)]" }
    public var errorCode: String { code.rawValue }
    /// Input that does not parse or fit is the caller's; OpenSSL refusing what should work is ours.
    public var kind: ErrorKind { code == .openssl ? .internal : .invalidInput }
    public var message: String { "\(operation) failed: \(reason)" }
}

/// Takes every error off OpenSSL's thread-local queue and joins their reason strings.
@discardableResult
func drainErrorQueue() -> String? {
    var reasons: [String] = []
    while true {
        let error = ERR_get_error()
        if error == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(error, &buffer, buffer.count)
        reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
}
