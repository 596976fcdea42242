/// The tag and length at the start of one BER-TLV element.
///
/// A card reader uses it to read ahead: the first few bytes of a file tell how long the element is,
/// and so how many more bytes to read.
public struct TLVHeader: Sendable, Hashable {
    /// The element's tag.
    public let tag: TLVTag
    /// The number of value bytes that follow the header.
    public let valueLength: Int
    /// The number of bytes of the tag and length fields together.
    public let headerLength: Int

    /// The whole element's size: header and value.
    public var elementLength: Int { headerLength + valueLength }

    /// The most bytes a header can take under the default options: a three-byte tag and a
    /// three-byte length field.
    public static let maximumLength = 6

    /// Decodes the header at the start of `bytes`.
    ///
    /// The value itself need not be present: this reads only the tag and the length.
    /// - Throws: ``TLVError`` when the header is truncated or malformed.
    public init(decoding bytes: some Collection<UInt8>, options: TLVDecodingOptions = .strict) throws(TLVError) {
        let array = Array(bytes.prefix(Self.maximumLength + 1))
        let result = array.withUnsafeBufferPointer { buffer in
            TLVHeader.decode(buffer, at: 0, limit: buffer.count, options: options)
        }
        self = try result.get()
    }

    init(tag: TLVTag, valueLength: Int, headerLength: Int) {
        self.tag = tag
        self.valueLength = valueLength
        self.headerLength = headerLength
    }

    /// Decodes the tag and length at `offset`, reading no byte at or past `limit`.
    static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, limit: Int, options: TLVDecodingOptions
    ) -> Result<TLVHeader, TLVError> {
        let tag: TLVTag
        let tagLength: Int
        switch TLVTag.decode(bytes, at: offset, limit: limit) {
        case .success(let decoded): (tag, tagLength) = decoded
        case .failure(let error): return .failure(error)
        }
        let at = offset + tagLength
        guard at < limit else {
            return .failure(TLVError(.truncatedLength, at: at, expected: "the length of the element tagged \(tag)"))
        }
        let first = bytes[at]
        if first < 0x80 {
            return .success(TLVHeader(tag: tag, valueLength: Int(first), headerLength: tagLength + 1))
        }
        if first == 0x80 {
            return .failure(
                TLVError(.indefiniteLength, at: at, expected: "a definite length (80 is the indefinite form)"))
        }
        let count = Int(first & 0x7F)
        guard count + 1 <= options.maximumLengthFieldBytes else {
            return .failure(
                TLVError(
                    .lengthTooLong, at: at,
                    expected: "a length field of at most \(options.maximumLengthFieldBytes) bytes, found \(count + 1)"))
        }
        guard at + count < limit else {
            return .failure(
                TLVError(
                    .truncatedLength, at: limit,
                    expected: "\(count) more length byte\(count == 1 ? "" : "s") of the element tagged \(tag)"))
        }
        var length = 0
        for index in 1...count {
            length = length << 8 | Int(bytes[at + index])
        }
        if options.requireMinimalLength {
            let minimum = count == 1 ? 0x80 : 1 << (8 * (count - 1))
            guard length >= minimum else {
                return .failure(
                    TLVError(
                        .nonMinimalLength, at: at,
                        expected:
                            "the shortest length form (\(length) takes \(length < 0x80 ? 1 : length < 0x100 ? 2 : 3) byte(s))"
                    ))
            }
        }
        return .success(TLVHeader(tag: tag, valueLength: length, headerLength: tagLength + 1 + count))
    }
}

/// How strictly the decoder reads its input.
///
/// Indefinite lengths are always refused: ISO 7816-4 BER-TLV has none.
public struct TLVDecodingOptions: Sendable, Hashable {
    /// How deep constructed elements may nest; the outermost element is at depth 1.
    public var maximumDepth: Int
    /// Whether a long-form length that fits a shorter form is refused.
    public var requireMinimalLength: Bool
    /// The longest length field accepted, its first byte included (3 allows lengths up to 65 535).
    public var maximumLengthFieldBytes: Int

    /// Creates options.
    public init(maximumDepth: Int = 16, requireMinimalLength: Bool = true, maximumLengthFieldBytes: Int = 3) {
        precondition(maximumDepth >= 1 && (1...5).contains(maximumLengthFieldBytes))
        self.maximumDepth = maximumDepth
        self.requireMinimalLength = requireMinimalLength
        self.maximumLengthFieldBytes = maximumLengthFieldBytes
    }

    /// The default: nesting to depth 16, minimal lengths, length fields of at most 3 bytes.
    public static let strict = TLVDecodingOptions()
}
