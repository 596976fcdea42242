import COpenSSL

/// A secret symmetric key whose bytes live in memory that is wiped (`OPENSSL_cleanse`) when the
/// key is released, and that never appear in a description.
public final class SymmetricKey: @unchecked Sendable, CustomStringConvertible {
    // @unchecked: the buffer is written once in init and only read afterwards.
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into wiped-on-release storage.
    public init(bytes: some Collection<UInt8>) {
        storage = .allocate(byteCount: bytes.count, alignment: 16)
        storage.copyBytes(from: bytes)
    }

    /// Parses a key written as hexadecimal text (whitespace ignored).
    public convenience init(hex: String) throws(CryptoError) {
        let digits = Array(hex.utf8.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) })
        guard digits.count % 2 == 0, !digits.isEmpty else {
            throw CryptoError(
                .malformedInput, operation: "read a hexadecimal key", reason: "an even number of hex digits expected")
        }
        var bytes = [UInt8](repeating: 0, count: digits.count / 2)
        defer { OPENSSL_cleanse(&bytes, bytes.count) }
        for index in bytes.indices {
            guard let high = hexValue(digits[2 * index]), let low = hexValue(digits[2 * index + 1]) else {
                throw CryptoError(
                    .malformedInput, operation: "read a hexadecimal key",
                    reason: "a non-hex character at digit \(2 * index + 1)")
            }
            bytes[index] = high << 4 | low
        }
        self.init(bytes: bytes)
    }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, storage.count)
        storage.deallocate()
    }

    /// The key length in bytes.
    public var count: Int { storage.count }

    /// Lends the key bytes to `body`; they must not escape it.
    public func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// Never the key itself.
    public var description: String { "SymmetricKey(\(count) bytes)" }
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case 0x30...0x39: return digit - 0x30
    case 0x41...0x46: return digit - 0x41 + 10
    case 0x61...0x66: return digit - 0x61 + 10
    default: return nil
    }
}

/// Card-management keys: each card's AES-128 key, derived from the issuer's master key and the card
/// serial, and the cryptogram by which EXTERNAL AUTHENTICATE proves it.
public enum CardKeys {
    /// The label of the derivation (NIST SP 800-108 "Label").
    public static let derivationLabel: [UInt8] = Array("YRD-CREDIT-HANDBOOK CARD MANAGEMENT KEY".utf8)

    /// NIST SP 800-108 key derivation in counter mode with AES-CMAC as the PRF (OpenSSL's KBKDF):
    /// output blocks are `CMAC(K, [i]₃₂ ‖ fixedInput)`.
    public static func kbkdfCounterCMAC(key: SymmetricKey, fixedInput: [UInt8], outputLength: Int) throws(CryptoError)
        -> [UInt8]
    {
        try kbkdf(key: key, salt: [], info: fixedInput, useLengthAndSeparator: false, outputLength: outputLength)
    }

    /// The same KDF with SP 800-108's fixed input `Label ‖ 0x00 ‖ Context ‖ [L]₃₂`.
    public static func kbkdfCounterCMAC(key: SymmetricKey, label: [UInt8], context: [UInt8], outputLength: Int)
        throws(CryptoError) -> [UInt8]
    {
        try kbkdf(key: key, salt: label, info: context, useLengthAndSeparator: true, outputLength: outputLength)
    }

    /// The card-management key of the card with `cardSerial`: 16 bytes of the KDF with the label
    /// ``derivationLabel`` and the serial as context.
    public static func cardManagementKey(master: SymmetricKey, cardSerial: [UInt8]) throws(CryptoError) -> SymmetricKey
    {
        guard master.count == 16 else {
            throw CryptoError(
                .wrongLength, operation: "derive a card key", reason: "the master key must be 16 bytes (AES-128)")
        }
        var derived = try kbkdfCounterCMAC(key: master, label: derivationLabel, context: cardSerial, outputLength: 16)
        defer { OPENSSL_cleanse(&derived, derived.count) }
        return SymmetricKey(bytes: derived)
    }

    /// The EXTERNAL AUTHENTICATE cryptogram for a card's challenge: `AES-CMAC(cardKey, challenge)`.
    public static func externalAuthenticateCryptogram(cardKey: SymmetricKey, challenge: [UInt8]) throws(CryptoError)
        -> [UInt8]
    {
        guard challenge.count == 8 || challenge.count == 16 else {
            throw CryptoError(
                .wrongLength, operation: "compute a cryptogram", reason: "a challenge of 8 or 16 bytes expected")
        }
        return try cmac(key: cardKey, message: challenge)
    }

    /// AES-CMAC (NIST SP 800-38B) with a 16-byte key.
    public static func cmac(key: SymmetricKey, message: [UInt8]) throws(CryptoError) -> [UInt8] {
        let operation = "compute AES-CMAC"
        guard key.count == 16 else {
            throw CryptoError(.wrongLength, operation: operation, reason: "an AES-128 key expected")
        }
        var out = [UInt8](repeating: 0, count: 16)
        var length = 0
        let done = key.withUnsafeBytes { raw in
            copenssl_cmac_aes128(
                raw.bindMemory(to: UInt8.self).baseAddress, raw.count, message, message.count, &out, &length, out.count)
        }
        guard done == 1 else { throw .openssl(operation) }
        return Array(out.prefix(length))
    }

    private static func kbkdf(
        key: SymmetricKey, salt: [UInt8], info: [UInt8], useLengthAndSeparator: Bool, outputLength: Int
    )
        throws(CryptoError) -> [UInt8]
    {
        var out = [UInt8](repeating: 0, count: outputLength)
        let done = key.withUnsafeBytes { raw in
            copenssl_kbkdf_counter_cmac_aes128(
                raw.bindMemory(to: UInt8.self).baseAddress, raw.count, salt, salt.count, info, info.count,
                useLengthAndSeparator ? 1 : 0, &out, out.count)
        }
        guard done == 1 else { throw .openssl("derive a key (SP 800-108 counter mode, AES-CMAC)") }
        return out
    }
}
