import CodedErrors

/// A failure talking to a reader or a card, typed so callers can recover where recovery exists.
/// The transport (PC/SC, or the in-process card) reports its own failures with these codes.
public struct CardError: CodedError, Hashable {
    /// A stable code for each kind of failure.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// pcscd is not running or not reachable.
        case serviceUnavailable = "CARD_SERVICE_UNAVAILABLE"
        /// No reader is attached, or the named one is not.
        case noReader = "CARD_NO_READER"
        /// The reader holds no card.
        case noCard = "CARD_NO_CARD"
        /// The card was taken out during the operation.
        case cardRemoved = "CARD_REMOVED"
        /// The card was reset by another application; the connection was re-established.
        case cardReset = "CARD_RESET"
        /// Another application holds the card exclusively.
        case sharingViolation = "CARD_SHARING_VIOLATION"
        /// Nothing happened within the time allowed.
        case timeout = "CARD_TIMEOUT"
        /// The wait was cancelled.
        case cancelled = "CARD_CANCELLED"
        /// The card answered with an error status word.
        case statusWord = "CARD_STATUS_WORD"
        /// The card's answer broke the protocol (malformed, too long, inconsistent).
        case protocolViolation = "CARD_PROTOCOL_VIOLATION"
        /// Any other PC/SC failure.
        case pcsc = "CARD_PCSC"
    }

    public let code: Code
    /// What happened and what to do next.
    public let message: String
    /// The PC/SC return code, when PC/SC reported the failure.
    public let pcscCode: Int?
    /// The status word, for ``Code/statusWord``.
    public let statusWord: UInt16?

    public init(_ code: Code, _ message: String, pcscCode: Int? = nil, statusWord: UInt16? = nil) {
        self.code = code
        self.message = message
        self.pcscCode = pcscCode
        self.statusWord = statusWord
    }

    public var errorCode: String { code.rawValue }

    public var kind: ErrorKind {
        switch code {
        case .serviceUnavailable, .timeout, .cancelled: return .unavailable
        case .noReader, .noCard, .cardRemoved, .cardReset, .sharingViolation: return .conflict
        case .statusWord, .protocolViolation, .pcsc: return .upstream
        }
    }

    public var description: String {
        var text = "\(message) [\(code.rawValue)"
        if let pcscCode { text += " " + hex32(pcscCode) }
        if let statusWord { text += " SW " + hex16(statusWord) }
        return text + "]"
    }
}

/// `0x` and eight hexadecimal digits: a PC/SC return code.
public func hex32(_ value: Int) -> String {
    "0x" + String(UInt32(truncatingIfNeeded: value), radix: 16, uppercase: true)
}

/// Four hexadecimal digits: a status word.
public func hex16(_ value: UInt16) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - digits.count) + digits
}

/// Bytes as uppercase hexadecimal, no separators.
public func hexBytes(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined()
}
