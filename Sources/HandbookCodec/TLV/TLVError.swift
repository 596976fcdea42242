import CodedErrors

/// Why a byte string is not the BER-TLV that was expected, and where.
///
/// Every error carries the byte offset (from the start of the buffer given to the decoder) at which
/// decoding stopped and a phrase saying what was expected there, so a bad card file or a fuzzed
/// input can be located exactly.
public struct TLVError: CodedError, Hashable {
    /// A stable code for each kind of malformed input.
    public enum Code: String, Sendable, CaseIterable {
        /// The input ended inside a tag.
        case truncatedTag = "TLV_TRUNCATED_TAG"
        /// A tag took more than three bytes.
        case tagTooLong = "TLV_TAG_TOO_LONG"
        /// A multi-byte tag whose number fits a shorter form.
        case nonMinimalTag = "TLV_NON_MINIMAL_TAG"
        /// The input ended inside a length field.
        case truncatedLength = "TLV_TRUNCATED_LENGTH"
        /// The length byte `80` (indefinite length), which ISO 7816-4 BER-TLV does not allow.
        case indefiniteLength = "TLV_INDEFINITE_LENGTH"
        /// A long-form length that fits a shorter form.
        case nonMinimalLength = "TLV_NON_MINIMAL_LENGTH"
        /// A length field longer than the decoder accepts.
        case lengthTooLong = "TLV_LENGTH_FIELD_TOO_LONG"
        /// A value that runs past the end of the input or of its enclosing element.
        case lengthPastEnd = "TLV_LENGTH_PAST_END"
        /// Bytes after the element that should have ended the input.
        case trailingBytes = "TLV_TRAILING_BYTES"
        /// Constructed elements nested deeper than the decoder accepts.
        case nestingTooDeep = "TLV_NESTING_TOO_DEEP"
        /// No element where one was required.
        case emptyInput = "TLV_EMPTY_INPUT"
        /// An element with another tag than the one expected.
        case unexpectedTag = "TLV_UNEXPECTED_TAG"
        /// A primitive value that is not of its type (integer, text, date, BCD, OID).
        case invalidValue = "TLV_INVALID_VALUE"
    }

    /// What kind of malformation this is.
    public let code: Code
    /// The byte offset at which decoding stopped.
    public let offset: Int
    /// What the decoder expected at ``offset``.
    public let expected: String

    /// Creates an error.
    public init(_ code: Code, at offset: Int, expected: String) {
        self.code = code
        self.offset = offset
        self.expected = expected
    }

    public var description: String {
        "\(code.rawValue) at byte offset \(offset): expected \(expected)"
    }

    public var errorCode: String { code.rawValue }
    public var kind: ErrorKind { .invalidInput }
    public var message: String { "at byte offset \(offset): expected \(expected)" }
}
