/// A BER-TLV tag as ISO/IEC 7816-4 defines it: one to three bytes carrying a class, a constructed
/// bit and a tag number.
///
/// The tag is kept as its canonical wire bytes (big-endian in the low bytes of ``rawValue``), so
/// comparing tags costs one integer comparison. A tag number of 0–30 takes one byte, 31–127 two,
/// and 128–16383 three; any other form is not canonical and is refused by the decoder.
public struct TLVTag: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The class of a tag (bits b8–b7 of its first byte).
    public enum Class: UInt8, Sendable, CaseIterable {
        case universal = 0
        case application = 1
        case contextSpecific = 2
        case `private` = 3
    }

    /// The largest tag number a tag of at most three bytes can carry.
    public static let maximumNumber: UInt32 = 0x3FFF

    /// The tag bytes as they appear on the wire, right-aligned: `0x5F20` is the two bytes `5F 20`.
    public let rawValue: UInt32

    /// Creates the canonical tag for a class, a constructed bit and a number.
    ///
    /// - Precondition: `number` is at most ``maximumNumber``.
    public init(_ tagClass: Class, constructed: Bool, number: UInt32) {
        precondition(number <= Self.maximumNumber, "a BER-TLV tag of at most 3 bytes has a number below 16384")
        let first = UInt32(tagClass.rawValue) << 6 | (constructed ? 0x20 : 0)
        if number < 31 {
            rawValue = first | number
        } else if number < 128 {
            rawValue = (first | 0x1F) << 8 | number
        } else {
            rawValue = (first | 0x1F) << 16 | (0x80 | number >> 7) << 8 | (number & 0x7F)
        }
    }

    /// Creates a tag from its wire bytes, or `nil` when they are not one canonical tag of 1–3 bytes.
    ///
    /// `TLVTag(rawValue: 0x5F20)` is application class, primitive, number 32.
    public init?(rawValue: UInt32) {
        var bytes: [UInt8] = []
        var value = rawValue
        repeat {
            bytes.insert(UInt8(value & 0xFF), at: 0)
            value >>= 8
        } while value != 0
        guard bytes.count <= 3,
            case .success(let header) = TLVTag.decode(bytes, at: 0, limit: bytes.count),
            header.byteCount == bytes.count
        else { return nil }
        self = header.tag
    }

    /// A tag the program names as a constant (`TLVTag(constant: 0x61)`): written by hand, checked by
    /// the format tests, not validated again at every use.
    public init(constant rawValue: UInt32) { self.rawValue = rawValue }

    init(uncheckedRawValue: UInt32) {
        rawValue = uncheckedRawValue
    }

    /// The number of bytes the tag takes on the wire (1–3).
    public var byteCount: Int {
        rawValue > 0xFFFF ? 3 : rawValue > 0xFF ? 2 : 1
    }

    private var firstByte: UInt8 {
        UInt8(truncatingIfNeeded: rawValue >> (8 * UInt32(byteCount - 1)))
    }

    /// The tag's class.
    public var tagClass: Class {
        switch firstByte >> 6 {
        case 0: return .universal
        case 1: return .application
        case 2: return .contextSpecific
        default: return .private
        }
    }

    /// Whether the value of an element with this tag is a sequence of further elements.
    public var isConstructed: Bool { firstByte & 0x20 != 0 }

    /// The tag number.
    public var number: UInt32 {
        switch byteCount {
        case 1: return rawValue & 0x1F
        case 2: return rawValue & 0x7F
        default: return (rawValue >> 8 & 0x7F) << 7 | rawValue & 0x7F
        }
    }

    /// The tag's bytes in wire order.
    public var bytes: [UInt8] {
        (0..<byteCount).reversed().map { UInt8(truncatingIfNeeded: rawValue >> (8 * UInt32($0))) }
    }

    /// The tag as hexadecimal bytes, `5F20`.
    public var description: String {
        let digits = String(rawValue, radix: 16, uppercase: true)
        return String(repeating: "0", count: byteCount * 2 - digits.count) + digits
    }

    public static func < (lhs: TLVTag, rhs: TLVTag) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Decodes one tag at `offset`, reading no byte at or past `limit`.
    static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, limit: Int
    ) -> Result<(tag: TLVTag, byteCount: Int), TLVError> {
        guard offset < limit else {
            return .failure(TLVError(.truncatedTag, at: offset, expected: "a tag byte"))
        }
        let first = bytes[offset]
        if first & 0x1F != 0x1F {
            return .success((TLVTag(uncheckedRawValue: UInt32(first)), 1))
        }
        guard offset + 1 < limit else {
            return .failure(
                TLVError(
                    .truncatedTag, at: offset + 1, expected: "the second byte of the multi-byte tag \(hexByte(first))"))
        }
        let second = bytes[offset + 1]
        if second & 0x80 == 0 {
            guard second >= 31 else {
                return .failure(
                    TLVError(
                        .nonMinimalTag, at: offset + 1,
                        expected: "a tag number of 31–127 in a two-byte tag (number \(second) fits one byte)"))
            }
            return .success((TLVTag(uncheckedRawValue: UInt32(first) << 8 | UInt32(second)), 2))
        }
        guard second != 0x80 else {
            return .failure(
                TLVError(.nonMinimalTag, at: offset + 1, expected: "a tag number byte other than 80 (a leading zero)"))
        }
        guard offset + 2 < limit else {
            return .failure(
                TLVError(
                    .truncatedTag, at: offset + 2, expected: "the third byte of the multi-byte tag \(hexByte(first))"))
        }
        let third = bytes[offset + 2]
        guard third & 0x80 == 0 else {
            return .failure(
                TLVError(.tagTooLong, at: offset + 2, expected: "the last tag byte (b8 = 0): tags are at most 3 bytes"))
        }
        return .success(
            (TLVTag(uncheckedRawValue: UInt32(first) << 16 | UInt32(second) << 8 | UInt32(third)), 3))
    }

    static func decode(_ bytes: [UInt8], at offset: Int, limit: Int) -> Result<(tag: TLVTag, byteCount: Int), TLVError>
    {
        bytes.withUnsafeBufferPointer { decode($0, at: offset, limit: limit) }
    }
}

func hexByte(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}
