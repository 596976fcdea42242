/// An object identifier, kept as its arcs; written in BER-TLV as its raw content octets (the same
/// octets as the value of a DER `OBJECT IDENTIFIER`).
public struct OID: Sendable, Hashable, CustomStringConvertible {
    /// The arcs, `[1, 2, 156, 10197, 1, 501]` for SM2 with SM3.
    public let arcs: [UInt64]

    /// Creates an OID from its arcs.
    /// - Throws: ``OIDError`` when there are fewer than two arcs or the first two are out of range.
    public init(arcs: [UInt64]) throws(OIDError) {
        guard arcs.count >= 2 else { throw OIDError(offset: 0, expected: "at least two arcs") }
        guard arcs[0] <= 2 else { throw OIDError(offset: 0, expected: "a first arc of 0, 1 or 2") }
        guard arcs[0] == 2 || arcs[1] < 40 else {
            throw OIDError(offset: 0, expected: "a second arc below 40 under \(arcs[0])")
        }
        guard arcs[0] < 2 || arcs[1] <= UInt64.max - 80 else {
            throw OIDError(offset: 0, expected: "a second arc that fits 64 bits")
        }
        self.arcs = arcs
    }

    /// An identifier the program names as a constant: its arcs are written by hand and checked by the
    /// tests, so they are not validated again at every use.
    public init(constant arcs: [UInt64]) { self.arcs = arcs }

    /// Parses dotted decimal, `1.2.840.10045.4.3.2`.
    public init(dotted: String) throws(OIDError) {
        var arcs: [UInt64] = []
        for part in dotted.split(separator: ".", omittingEmptySubsequences: false) {
            guard let arc = UInt64(part), part.first != "+" else {
                throw OIDError(offset: 0, expected: "dotted decimal arcs, found \"\(part)\" in \"\(dotted)\"")
            }
            arcs.append(arc)
        }
        try self.init(arcs: arcs)
    }

    /// Decodes content octets: base-128 subidentifiers, each minimal, the last one complete.
    public init(contentBytes bytes: some Collection<UInt8>) throws(OIDError) {
        guard !bytes.isEmpty else { throw OIDError(offset: 0, expected: "at least one subidentifier byte") }
        var subidentifiers: [UInt64] = []
        var current: UInt64 = 0
        var startOfCurrent = true
        for (offset, byte) in bytes.enumerated() {
            if startOfCurrent && byte == 0x80 {
                throw OIDError(offset: offset, expected: "a subidentifier without a leading 80 byte")
            }
            guard current >> 57 == 0 else {
                throw OIDError(offset: offset, expected: "a subidentifier that fits 64 bits")
            }
            current = current << 7 | UInt64(byte & 0x7F)
            startOfCurrent = byte & 0x80 == 0
            if startOfCurrent {
                subidentifiers.append(current)
                current = 0
            }
        }
        guard startOfCurrent else {
            throw OIDError(offset: bytes.count - 1, expected: "a last subidentifier byte with b8 = 0")
        }
        let first = subidentifiers[0]
        let head: [UInt64] = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
        arcs = head + subidentifiers.dropFirst()
    }

    /// The content octets.
    public var contentBytes: [UInt8] {
        var out: [UInt8] = []
        for value in [arcs[0] * 40 + arcs[1]] + arcs.dropFirst(2) {
            var groups: [UInt8] = [UInt8(value & 0x7F)]
            var rest = value >> 7
            while rest != 0 {
                groups.append(UInt8(rest & 0x7F) | 0x80)
                rest >>= 7
            }
            out.append(contentsOf: groups.reversed())
        }
        return out
    }

    /// Dotted decimal.
    public var description: String { arcs.map(String.init).joined(separator: ".") }
}

/// An object identifier that is not well formed.
public struct OIDError: Error, Sendable, Hashable {
    /// The byte offset within the content octets (0 for a dotted or arc form).
    public let offset: Int
    /// What was expected.
    public let expected: String
}
