import HandbookCodec

/// Builds a random TLV tree from a tape of bytes, so the property-based library can generate (and
/// shrink) the tape while the tree covers every tag size, class, length form and nesting depth.
struct TLVTape {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> UInt8 {
        defer { position += 1 }
        return bytes.isEmpty ? 0 : bytes[position % bytes.count]
    }

    var exhausted: Bool { position >= bytes.count }

    mutating func tag(constructed: Bool) -> TLVTag {
        let tagClass = TLVTag.Class(rawValue: next() & 3)!
        let number: UInt32
        switch next() % 3 {
        case 0: number = UInt32(next() % 31)
        case 1: number = 31 + UInt32(next() % 97)
        default: number = 128 + (UInt32(next()) << 6 | UInt32(next() & 0x3F)) % (TLVTag.maximumNumber - 127)
        }
        return TLVTag(tagClass, constructed: constructed, number: number)
    }

    mutating func value(depth: Int) -> TLVValue {
        let selector = next()
        if depth < 5 && selector % 3 == 0 && !exhausted {
            let count = Int(next() % 5)
            return .constructed(tag(constructed: true), (0..<count).map { _ in value(depth: depth + 1) })
        }
        let length: Int
        switch selector % 7 {
        case 1: length = 128 + Int(next())  // one-byte long form
        case 2: length = 256 + Int(next()) * 3  // two-byte long form
        default: length = Int(next() % 20)
        }
        let seed = next()
        return .primitive(
            tag(constructed: false), (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
    }
}

func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}
