/// Typed primitive values: how the handbook writes numbers, text, dates, digit strings and object
/// identifiers into BER-TLV, and how it reads them back strictly.
extension TLVWriter {
    /// Appends an unsigned integer as its minimal big-endian bytes (zero is one `00` byte).
    public mutating func appendUnsigned(_ tag: TLVTag, _ value: UInt64) {
        let size = max(1, (UInt64.bitWidth - value.leadingZeroBitCount + 7) / 8)
        appendPrimitive(tag, value: (0..<size).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) })
    }

    /// Appends text as UTF-8.
    public mutating func appendUTF8(_ tag: TLVTag, _ text: String) {
        appendPrimitive(tag, value: text.utf8)
    }

    /// Appends a date as four packed BCD bytes, `YYYYMMDD`.
    public mutating func appendDate(_ tag: TLVTag, _ date: CardDate) {
        // A CardDate's eight digits always pack.
        appendPrimitive(tag, value: BCD.pack(date.yyyymmdd) ?? [])
    }

    /// Appends a digit string as packed BCD, an odd count padded with a final `F` nibble.
    ///
    /// - Precondition: `digits` holds only ASCII digits and at least one.
    public mutating func appendBCD(_ tag: TLVTag, digits: String) {
        guard let packed = BCD.pack(digits) else { preconditionFailure("\"\(digits)\" is not a digit string") }
        appendPrimitive(tag, value: packed)
    }

    /// Appends an object identifier's content octets.
    public mutating func appendOID(_ tag: TLVTag, _ oid: OID) {
        appendPrimitive(tag, value: oid.contentBytes)
    }
}

extension TLVElement {
    private func primitiveValue() throws(TLVError) -> ArraySlice<UInt8> {
        guard !tag.isConstructed else {
            throw TLVError(.invalidValue, at: offset, expected: "a primitive element, found the constructed tag \(tag)")
        }
        return value
    }

    /// Reads an unsigned integer of at most `maximumBytes` bytes, written in its minimal form.
    public func unsignedValue(maximumBytes: Int = 8) throws(TLVError) -> UInt64 {
        let value = try primitiveValue()
        guard !value.isEmpty else {
            throw TLVError(.invalidValue, at: valueOffset, expected: "an unsigned integer of at least one byte")
        }
        guard value.count <= min(maximumBytes, 8) else {
            throw TLVError(
                .invalidValue, at: valueOffset,
                expected: "an unsigned integer of at most \(min(maximumBytes, 8)) bytes, found \(value.count)")
        }
        guard value.count == 1 || value.first != 0 else {
            throw TLVError(.invalidValue, at: valueOffset, expected: "an unsigned integer without a leading zero byte")
        }
        return value.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Reads UTF-8 text of at most `maximumBytes` bytes that contains no control characters.
    public func utf8Value(maximumBytes: Int = 1024) throws(TLVError) -> String {
        let value = try primitiveValue()
        guard value.count <= maximumBytes else {
            throw TLVError(
                .invalidValue, at: valueOffset, expected: "text of at most \(maximumBytes) bytes, found \(value.count)")
        }
        // Control characters are C0 (00–1F, 7F), one byte each, and C1 (U+0080–U+009F), encoded
        // C2 80 … C2 9F; checking the bytes avoids a Unicode property lookup per character.
        let (validated, control): (String?, Int?) = value.withUnsafeBufferPointer { buffer in
            var previous: UInt8 = 0
            for index in 0..<buffer.count {
                let byte = buffer[index]
                if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) {
                    return (nil, index)
                }
                previous = byte
            }
            return (String(validating: buffer, as: UTF8.self), nil)
        }
        if let control {
            throw TLVError(.invalidValue, at: valueOffset + control, expected: "text without control characters")
        }
        guard let text = validated else {
            throw TLVError(
                .invalidValue, at: valueOffset + Self.firstInvalidUTF8Offset(value), expected: "well-formed UTF-8")
        }
        return text
    }

    /// Reads a date written as four packed BCD bytes, `YYYYMMDD`; the date must exist.
    public func dateValue() throws(TLVError) -> CardDate {
        let value = try primitiveValue()
        guard value.count == 4 else {
            throw TLVError(
                .invalidValue, at: valueOffset, expected: "a date of 4 BCD bytes YYYYMMDD, found \(value.count) bytes")
        }
        var number = 0
        for (index, byte) in zip(value.indices, value) {
            guard byte >> 4 <= 9, byte & 0x0F <= 9 else {
                throw TLVError(.invalidValue, at: index, expected: "a BCD digit (0–9) in each nibble of a date")
            }
            number = number * 100 + Int(byte >> 4) * 10 + Int(byte & 0x0F)
        }
        do {
            return try CardDate(year: number / 10_000, month: number / 100 % 100, day: number % 100)
        } catch {
            throw TLVError(.invalidValue, at: valueOffset, expected: "a date that exists: \(error.reason)")
        }
    }

    /// Reads packed BCD digits; only the last nibble may be the `F` padding.
    public func bcdDigits() throws(TLVError) -> String {
        let value = try primitiveValue()
        switch BCD.unpack(value) {
        case .success(let digits): return digits
        case .failure(let error):
            throw TLVError(
                .invalidValue, at: valueOffset + error.nibble / 2,
                expected: "a BCD digit (0–9) in nibble \(error.nibble)")
        }
    }

    /// Reads an object identifier's content octets.
    public func oidValue() throws(TLVError) -> OID {
        let value = try primitiveValue()
        do {
            return try OID(contentBytes: value)
        } catch {
            throw TLVError(.invalidValue, at: valueOffset + error.offset, expected: error.expected)
        }
    }

    private static func firstInvalidUTF8Offset(_ bytes: ArraySlice<UInt8>) -> Int {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var consumed = 0
        var good = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                consumed += UTF8.width(scalar)
                good = consumed
            case .emptyInput, .error:
                return good
            }
        }
    }
}

/// Packed binary-coded decimal.
enum BCD {
    /// Packs ASCII digits two to a byte, padding an odd count with a final `F`; `nil` if not digits.
    static func pack(_ digits: String) -> [UInt8]? {
        let utf8 = Array(digits.utf8)
        guard !utf8.isEmpty, utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity((utf8.count + 1) / 2)
        var index = 0
        while index < utf8.count {
            let high = utf8[index] - 0x30
            let low = index + 1 < utf8.count ? utf8[index + 1] - 0x30 : 0x0F
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// Unpacks digits, or the index of the first bad nibble.
    static func unpack(_ bytes: ArraySlice<UInt8>) -> Result<String, BCDNibbleError> {
        guard !bytes.isEmpty else { return .failure(BCDNibbleError(nibble: 0)) }
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count * 2)
        var position = 0
        let lastNibble = bytes.count * 2 - 1
        for byte in bytes {
            let high = byte >> 4
            let low = byte & 0x0F
            guard high <= 9 else { return .failure(BCDNibbleError(nibble: position)) }
            digits.append(0x30 + high)
            if low <= 9 {
                digits.append(0x30 + low)
            } else if !(low == 0x0F && position + 1 == lastNibble) {
                return .failure(BCDNibbleError(nibble: position + 1))
            }
            position += 2
        }
        return .success(String(decoding: digits, as: UTF8.self))
    }
}

struct BCDNibbleError: Error {
    let nibble: Int
}
