/// Builds canonical BER-TLV: minimal tags and lengths, definite lengths only.
///
/// Elements are appended into one growing buffer. A constructed element's length is not known until
/// its content is written, so the writer reserves one length byte, writes the content after it and,
/// if the content turns out to need a long-form length, moves that content once to make room. Each
/// byte is moved at most once per enclosing level and nesting is shallow, so building a document is
/// linear in its size; nothing is built as separate arrays that are then concatenated.
public struct TLVWriter: Sendable {
    /// The encoded bytes so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends a primitive element.
    ///
    /// - Precondition: `tag` is primitive and the value is shorter than 16 MiB.
    public mutating func appendPrimitive(_ tag: TLVTag, value: some Collection<UInt8>) {
        precondition(!tag.isConstructed, "tag \(tag) is constructed; use appendConstructed")
        appendTag(tag)
        appendLength(value.count)
        bytes.append(contentsOf: value)
    }

    /// Appends a constructed element whose content `body` writes.
    ///
    /// - Precondition: `tag` is constructed.
    public mutating func appendConstructed<Failure: Error>(
        _ tag: TLVTag, _ body: (inout TLVWriter) throws(Failure) -> Void
    ) throws(Failure) {
        precondition(tag.isConstructed, "tag \(tag) is primitive; use appendPrimitive")
        appendTag(tag)
        let lengthAt = bytes.count
        bytes.append(0)
        try body(&self)
        let length = bytes.count - lengthAt - 1
        let extra = Self.lengthFieldSize(length) - 1
        if extra > 0 {
            bytes.insert(contentsOf: repeatElement(0, count: extra), at: lengthAt + 1)
        }
        writeLength(length, at: lengthAt)
    }

    /// Appends bytes that are already encoded BER-TLV, such as an element copied from a card.
    public mutating func appendEncoded(_ encoded: some Collection<UInt8>) {
        bytes.append(contentsOf: encoded)
    }

    private mutating func appendTag(_ tag: TLVTag) {
        switch tag.byteCount {
        case 1:
            bytes.append(UInt8(truncatingIfNeeded: tag.rawValue))
        case 2:
            bytes.append(UInt8(truncatingIfNeeded: tag.rawValue >> 8))
            bytes.append(UInt8(truncatingIfNeeded: tag.rawValue))
        default:
            bytes.append(UInt8(truncatingIfNeeded: tag.rawValue >> 16))
            bytes.append(UInt8(truncatingIfNeeded: tag.rawValue >> 8))
            bytes.append(UInt8(truncatingIfNeeded: tag.rawValue))
        }
    }

    private mutating func appendLength(_ length: Int) {
        let at = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: Self.lengthFieldSize(length)))
        writeLength(length, at: at)
    }

    private mutating func writeLength(_ length: Int, at offset: Int) {
        let size = Self.lengthFieldSize(length)
        if size == 1 {
            bytes[offset] = UInt8(length)
            return
        }
        bytes[offset] = 0x80 | UInt8(size - 1)
        for index in 1..<size {
            bytes[offset + index] = UInt8(truncatingIfNeeded: length >> (8 * (size - 1 - index)))
        }
    }

    /// The size of the minimal length field for `length`.
    public static func lengthFieldSize(_ length: Int) -> Int {
        precondition(length >= 0 && length < 1 << 24, "BER-TLV values here are shorter than 16 MiB")
        return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x1_0000 ? 3 : 4
    }
}
