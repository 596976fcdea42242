import HandbookCodec
import PropertyBased
import Testing

@Suite("BER-TLV tags")
struct TLVTagTests {
    @Test(
        "canonical tags take 1, 2 or 3 bytes by number",
        arguments: [
            (TLVTag.Class.universal, false, UInt32(4), "04"),
            (.application, false, 16, "50"),
            (.application, true, 16, "70"),
            (.contextSpecific, false, 30, "9E"),
            (.application, false, 32, "5F20"),
            (.application, true, 76, "7F4C"),
            (.private, false, 127, "DF7F"),
            (.contextSpecific, false, 128, "9F8100"),
            (.application, true, 0x3FFF, "7FFF7F"),
        ])
    func canonicalEncoding(tagClass: TLVTag.Class, constructed: Bool, number: UInt32, hex: String) {
        let tag = TLVTag(tagClass, constructed: constructed, number: number)
        #expect(tag.description == hex)
        #expect(tag.tagClass == tagClass)
        #expect(tag.isConstructed == constructed)
        #expect(tag.number == number)
        #expect(tag.bytes == bytes(hex))
        #expect(TLVTag(rawValue: tag.rawValue) == tag)
    }

    @Test(
        "non-canonical raw tags are refused",
        arguments: [0x5F1E, 0x5F8001, 0x5F818180, 0x1F, 0x5F81, 0x0100] as [UInt32])
    func nonCanonical(raw: UInt32) {
        #expect(TLVTag(rawValue: raw) == nil)
    }
}

@Suite("BER-TLV decoding")
struct TLVDecodingTests {
    @Test("decodes nested elements without copying their values")
    func nested() throws {
        let input = bytes("70 0C 5F20 03 414243 A1 04 80 02 0102")
        let tree = try TLVTree(decoding: input)
        let root = tree.root
        #expect(root.tag == TLVTag(rawValue: 0x70))
        #expect(root.children.count == 2)
        let name = try #require(root.child(TLVTag(rawValue: 0x5F20)!))
        #expect(try name.utf8Value() == "ABC")
        #expect(name.offset == 2)
        #expect(name.valueOffset == 5)
        let inner = try #require(root.child(TLVTag(rawValue: 0xA1)!))
        #expect(Array(inner.encoded) == bytes("A1 04 80 02 0102"))
        let leaf = try #require(inner.children.first { _ in true })
        #expect(Array(leaf.value) == [1, 2])
        // A slice of the decoded buffer, not a copy: same indices as the input.
        #expect(leaf.value.startIndex == 12)
        #expect(tree.elementCount == 4)
    }

    @Test("a sequence of top-level elements decodes as siblings")
    func sequence() throws {
        let tree = try TLVTree(decodingSequence: bytes("80 01 01 81 00 A2 00"))
        #expect(tree.elements.map(\.tag.description) == ["80", "81", "A2"])
    }

    @Test("long-form lengths of one and two bytes")
    func longForms() throws {
        for length in [127, 128, 255, 256, 65_535] {
            var writer = TLVWriter()
            writer.appendPrimitive(TLVTag(rawValue: 0x04)!, value: [UInt8](repeating: 7, count: length))
            let header = try TLVHeader(decoding: writer.bytes)
            #expect(header.valueLength == length)
            #expect(header.headerLength == 1 + TLVWriter.lengthFieldSize(length))
            #expect(try TLVTree(decoding: writer.bytes).root.value.count == length)
        }
    }

    @Test(
        "each malformed-input class is rejected with its code and offset",
        arguments: [
            ("", TLVError.Code.emptyInput, 0),
            ("5F", .truncatedTag, 1),
            ("7F81", .truncatedTag, 2),
            ("70 01 5F", .truncatedTag, 3),
            ("80", .truncatedLength, 1),
            ("80 82 01", .truncatedLength, 3),
            ("80 05 0102", .lengthPastEnd, 1),
            ("70 03 80 05 01", .lengthPastEnd, 3),
            ("70 80 0000", .indefiniteLength, 1),
            ("80 81 05 0102030405", .nonMinimalLength, 1),
            // The boundaries: 127 fits the short form, 255 fits one long-form byte.
            ("80 81 7F" + String(repeating: "00", count: 127), .nonMinimalLength, 1),
            ("80 82 00FF" + String(repeating: "00", count: 255), .nonMinimalLength, 1),
            ("80 83 010000", .lengthTooLong, 1),
            ("80 00 00", .trailingBytes, 2),
            ("5F81 8101 00", .tagTooLong, 2),
            ("5F 1E 00", .nonMinimalTag, 1),
            ("5F 80 01 00", .nonMinimalTag, 1),
        ])
    func malformed(hex: String, code: TLVError.Code, offset: Int) {
        #expect {
            _ = try TLVTree(decoding: bytes(hex))
        } throws: { error in
            guard let error = error as? TLVError else { return false }
            return error.code == code && error.offset == offset
        }
    }

    @Test("nesting up to the limit is accepted; one more level is not")
    func nestingLimit() throws {
        func nested(_ depth: Int) -> [UInt8] {
            var value: TLVValue = .primitive(TLVTag(rawValue: 0x80)!, [])
            for _ in 0..<depth { value = .constructed(TLVTag(rawValue: 0x70)!, [value]) }
            return value.encoded
        }
        _ = try TLVTree(decoding: nested(16))
        #expect {
            _ = try TLVTree(decoding: nested(17))
        } throws: { error in
            (error as? TLVError).map { $0.code == .nestingTooDeep && $0.offset == 32 } ?? false
        }
        _ = try TLVTree(decoding: nested(17), options: TLVDecodingOptions(maximumDepth: 17))
    }

    @Test("errors in a slice report offsets of the whole buffer")
    func sliceOffsets() {
        let buffer = bytes("FFFF 80 05 01")
        #expect {
            _ = try TLVTree(decoding: buffer[2...])
        } throws: { error in
            (error as? TLVError).map { $0.code == .lengthPastEnd && $0.offset == 3 } ?? false
        }
    }

    @Test("lenient options accept a non-minimal length; indefinite lengths never")
    func lenient() throws {
        let options = TLVDecodingOptions(requireMinimalLength: false)
        #expect(try TLVTree(decoding: bytes("80 81 01 AA"), options: options).root.value == [0xAA])
        #expect(throws: TLVError.self) { try TLVTree(decoding: bytes("70 80 0000"), options: options) }
    }

    @Test("the header alone tells how long the element is")
    func header() throws {
        let header = try TLVHeader(decoding: bytes("7F21 82 1234"))
        #expect(header.tag.description == "7F21")
        #expect(header.valueLength == 0x1234)
        #expect(header.elementLength == 5 + 0x1234)
        #expect(throws: TLVError.self) { try TLVHeader(decoding: bytes("7F21 82 12")) }
    }
}

@Suite("BER-TLV round trips")
struct TLVRoundTripTests {
    @Test("random trees: encode, decode, and get the same tree and the same bytes")
    func randomTrees() async {
        await propertyCheck(count: 400, input: Gen.uint8().array(of: 1...300)) { tape in
            var source = TLVTape(tape)
            let value = source.value(depth: 0)
            let encoded = value.encoded
            do {
                let tree = try TLVTree(decoding: encoded)
                #expect(TLVValue(tree.root) == value)
                #expect(Array(tree.root.encoded) == encoded)
            } catch {
                Issue.record("canonical encoding rejected: \(error)")
            }
        }
    }

    @Test("strict decoding accepts only canonical bytes: what decodes re-encodes identically")
    func canonicalOnly() async {
        await propertyCheck(count: 2000, input: Gen.uint8().array(of: 0...40)) { input in
            if let tree = try? TLVTree(decoding: input) {
                #expect(TLVValue(tree.root).encoded == input)
            }
        }
    }

    @Test("every proper prefix of a valid element is rejected")
    func truncations() async {
        await propertyCheck(count: 100, input: Gen.uint8().array(of: 1...120)) { tape in
            var source = TLVTape(tape)
            let encoded = source.value(depth: 0).encoded
            for cut in 0..<encoded.count {
                #expect(throws: TLVError.self) { try TLVTree(decoding: Array(encoded.prefix(cut))) }
            }
        }
    }

    @Test("nested writers produce minimal lengths at every level")
    func writerLengths() throws {
        var writer = TLVWriter()
        let big = [UInt8](repeating: 1, count: 300)
        writer.appendConstructed(TLVTag(rawValue: 0x70)!) { outer in
            outer.appendConstructed(TLVTag(rawValue: 0xA1)!) { inner in
                inner.appendPrimitive(TLVTag(rawValue: 0x80)!, value: big)
            }
            outer.appendPrimitive(TLVTag(rawValue: 0x81)!, value: [2])
        }
        #expect(Array(writer.bytes.prefix(9)) == bytes("70 82 0137 A1 82 0130 80"))
        let tree = try TLVTree(decoding: writer.bytes)
        #expect(tree.elementCount == 4)
    }
}

@Suite("typed primitives")
struct TLVPrimitiveTests {
    private let tag = TLVTag(rawValue: 0x80)!

    private func element(_ write: (inout TLVWriter) -> Void) throws -> TLVElement {
        var writer = TLVWriter()
        write(&writer)
        return try TLVTree(decoding: writer.bytes).root
    }

    private func element(hex: String) throws -> TLVElement {
        try TLVTree(decoding: bytes(hex)).root
    }

    @Test(
        "unsigned integers are minimal big-endian",
        arguments: [(UInt64(0), "00"), (127, "7F"), (256, "0100"), (UInt64.max, "FFFFFFFFFFFFFFFF")])
    func unsigned(value: UInt64, hex: String) throws {
        let element = try element { $0.appendUnsigned(tag, value) }
        #expect(Array(element.value) == bytes(hex))
        #expect(try element.unsignedValue() == value)
    }

    @Test("integers with a leading zero, empty or too long are refused")
    func badUnsigned() throws {
        #expect(throws: TLVError.self) { try element(hex: "80 02 0001").unsignedValue() }
        #expect(throws: TLVError.self) { try element(hex: "80 00").unsignedValue() }
        #expect(throws: TLVError.self) { try element(hex: "80 09 010000000000000000").unsignedValue() }
        #expect(throws: TLVError.self) { try element(hex: "80 03 010000").unsignedValue(maximumBytes: 2) }
    }

    @Test("UTF-8 text round-trips; malformed UTF-8 and control characters are refused with their offset")
    func utf8() throws {
        #expect(try element { $0.appendUTF8(tag, "上海建工集团") }.utf8Value() == "上海建工集团")
        #expect {
            try element(hex: "80 04 41 42 E4 B8").utf8Value()
        } throws: { ($0 as? TLVError)?.offset == 4 }
        #expect(throws: TLVError.self) { try element(hex: "80 02 41 0A").utf8Value() }
    }

    @Test("dates are four BCD bytes and must exist")
    func dates() throws {
        let date = try CardDate(year: 2024, month: 2, day: 29)
        let element = try element { $0.appendDate(tag, date) }
        #expect(Array(element.value) == bytes("20240229"))
        #expect(try element.dateValue() == date)
        #expect(throws: TLVError.self) { try self.element(hex: "80 04 20230229").dateValue() }
        #expect(throws: TLVError.self) { try self.element(hex: "80 04 2023130A").dateValue() }
        #expect(throws: TLVError.self) { try self.element(hex: "80 03 202301").dateValue() }
        #expect(throws: CardDateError.self) { try CardDate(year: 1900, month: 2, day: 29) }
    }

    @Test("BCD packs two digits a byte and pads an odd count with F")
    func bcd() throws {
        let element = try element { $0.appendBCD(tag, digits: "12345") }
        #expect(Array(element.value) == bytes("12345F"))
        #expect(try element.bcdDigits() == "12345")
        #expect {
            try self.element(hex: "80 02 1F 23").bcdDigits()
        } throws: { ($0 as? TLVError)?.offset == 2 }
        #expect(throws: TLVError.self) { try self.element(hex: "80 01 A1").bcdDigits() }
    }

    @Test(
        "object identifiers keep their DER content octets",
        arguments: [
            ("1.2.840.10045.4.3.2", "2A8648CE3D040302"),
            ("1.2.156.10197.1.501", "2A811CCF55018375"),
            ("2.999.3", "883703"),
        ])
    func oids(dotted: String, hex: String) throws {
        let oid = try OID(dotted: dotted)
        #expect(oid.contentBytes == bytes(hex))
        let element = try element { $0.appendOID(tag, oid) }
        #expect(try element.oidValue() == oid)
        #expect(try element.oidValue().description == dotted)
    }

    @Test("malformed OIDs are refused")
    func badOIDs() throws {
        #expect(throws: TLVError.self) { try element(hex: "80 02 2A 86").oidValue() }
        #expect(throws: TLVError.self) { try element(hex: "80 02 2A 80").oidValue() }
        #expect(throws: TLVError.self) { try element(hex: "80 03 2A 80 01").oidValue() }
        #expect(throws: OIDError.self) { try OID(dotted: "3.1") }
        #expect(throws: OIDError.self) { try OID(dotted: "1.40") }
        #expect(throws: OIDError.self) { try OID(dotted: "1.2.x") }
    }

    @Test("a constructed element is not a primitive value")
    func constructedIsNotPrimitive() throws {
        #expect(throws: TLVError.self) { try element(hex: "A0 00").unsignedValue() }
    }
}
