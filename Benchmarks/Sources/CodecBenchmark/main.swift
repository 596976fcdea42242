import BenchmarkSupport
import HandbookCodec
import SwiftASN1

// TLV decode and encode throughput on handbook-shaped structures of about 4 KB and 32 KB, side by
// side with swift-asn1's DER parser and serializer on the very same bytes and tree. The tags are
// chosen so that the structure is valid DER as well as ISO 7816-4 BER-TLV.

_ = BenchmarkOptions(
    usage: "usage: CodecBenchmark\n  TLV decode and encode throughput beside swift-asn1 on the same bytes.")

/// A handbook-shaped tree: an enterprise with qualifications, practitioners, projects and records.
func sampleDocument(items: Int) -> TLVValue {
    func tag(_ raw: UInt32) -> TLVTag { TLVTag(rawValue: raw)! }
    func text(_ raw: UInt32, _ value: String) -> TLVValue { .primitive(tag(raw), Array(value.utf8)) }
    func raw(_ tagValue: UInt32, _ value: [UInt8]) -> TLVValue { .primitive(tag(tagValue), value) }
    let date: [UInt8] = [0x20, 0x24, 0x06, 0x30]
    var sections: [TLVValue] = [
        raw(0x80, [1]),
        text(0x5F20, "上海市第一建筑工程有限公司"),
        text(0x42, "91310000132209009U"),
        text(0x5F21, "张三"),
        raw(0x5F22, [0x31, 0x01, 0x15]),
    ]
    var qualifications: [TLVValue] = []
    var practitioners: [TLVValue] = []
    var projects: [TLVValue] = []
    var records: [TLVValue] = []
    for index in 0..<items {
        qualifications.append(
            .constructed(
                tag(0x61),
                [
                    text(0x80, "建筑工程施工总承包"), text(0x81, "壹级"), text(0x82, "D13104\(1000 + index)"),
                    raw(0x83, date), raw(0x84, date), text(0x85, "上海市住房和城乡建设管理委员会"),
                ]))
        practitioners.append(
            .constructed(
                tag(0x62),
                [
                    text(0x80, "李四\(index)"), raw(0x81, [1]), text(0x82, "沪1310\(10_000 + index)"),
                    text(0x83, "3101**********0018"),
                ]))
        projects.append(
            .constructed(
                tag(0x63),
                [
                    text(0x80, "3101151211\(210_100 + index)"), text(0x81, "浦东新区某住宅项目\(index)号楼"), raw(0x82, [1]),
                    raw(0x83, [0x01, 0x2C, 0x45, 0x00]), raw(0x84, date),
                ]))
        records.append(
            .constructed(
                tag(0x64),
                [
                    text(0x80, "310000\(2024_000_000 + index)"), raw(0x81, [2]), text(0x82, "D1-1-03"),
                    text(0x83, "沪建罚〔2024〕\(index)号"), text(0x84, "上海市建设工程安全质量监督总站"), raw(0x85, [1]),
                    raw(0x86, date), raw(0x87, date), raw(0x88, date),
                ]))
    }
    sections += [
        .constructed(tag(0xA1), qualifications), .constructed(tag(0xA2), practitioners),
        .constructed(tag(0xA3), projects), .constructed(tag(0xA4), records),
    ]
    return .constructed(tag(0x70), sections)
}

func identifier(_ tag: TLVTag) -> ASN1Identifier {
    ASN1Identifier(tagWithNumber: UInt(tag.number), tagClass: ASN1Identifier.TagClass(tag.tagClass))
}

extension ASN1Identifier.TagClass {
    init(_ tagClass: TLVTag.Class) {
        switch tagClass {
        case .universal: self = .universal
        case .application: self = .application
        case .contextSpecific: self = .contextSpecific
        case .private: self = .private
        }
    }
}

func serializeASN1(_ value: TLVValue, into serializer: inout DER.Serializer) {
    switch value {
    case .primitive(let tag, let bytes):
        serializer.appendPrimitiveNode(identifier: identifier(tag)) { $0.append(contentsOf: bytes) }
    case .constructed(let tag, let children):
        serializer.appendConstructedNode(identifier: identifier(tag)) { inner in
            for child in children { serializeASN1(child, into: &inner) }
        }
    }
}

print("BER-TLV codec throughput (release build, median of 7 trials)")
print(
    pad("structure", 28) + pad("operation", 10) + pad("HandbookCodec MB/s", 20) + pad("swift-asn1 MB/s", 17)
        + "ratio (ours / asn1)")
for (label, items) in [("~4 KB document", 11), ("~32 KB document", 93)] {
    let tree = sampleDocument(items: items)
    let bytes = tree.encoded
    // Same bytes, both ways: our encoding is what swift-asn1 would produce, and it parses as DER.
    var check = DER.Serializer()
    serializeASN1(tree, into: &check)
    precondition(check.serializedBytes == bytes, "the sample is not identical DER")
    precondition((try? DER.parse(bytes)) != nil, "the sample is not valid DER")
    let name = "\(label) (\(bytes.count) B)"

    let ourDecode = measure("decode", bytes: bytes.count) { blackHole(try! TLVTree(decoding: bytes)) }
    let asn1Decode = measure("decode", bytes: bytes.count) { blackHole(try! DER.parse(bytes)) }
    let ourEncode = measure("encode", bytes: bytes.count) {
        var writer = TLVWriter(capacity: 1024)
        tree.write(to: &writer)
        blackHole(writer.bytes)
    }
    let asn1Encode = measure("encode", bytes: bytes.count) {
        var serializer = DER.Serializer()
        serializeASN1(tree, into: &serializer)
        blackHole(serializer.serializedBytes)
    }
    for (ours, theirs) in [(ourDecode, asn1Decode), (ourEncode, asn1Encode)] {
        print(
            pad(name, 28) + pad(ours.label, 10) + pad(format(ours.megabytesPerSecond), 20)
                + pad(format(theirs.megabytesPerSecond), 17)
                + format(ours.megabytesPerSecond / theirs.megabytesPerSecond, decimals: 2) + "×")
    }
}
