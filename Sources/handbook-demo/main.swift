import CPCSC
import Foundation
import HandbookCodec

// What the foundation does today, end to end on built-in examples: identifiers validated and
// masked, a handbook-shaped BER-TLV structure encoded and decoded, and the PC/SC readers that the
// running pcscd offers. Later issues replace this with issuance and verification of a real card.

if CommandLine.arguments.contains("--format-example") {
    try printFormatExample()
    exit(0)
}

func section(_ title: String) {
    print("\n== \(title)")
}

section("Identifiers (DOMAIN.md §4–§6)")
let examples: [(String, () throws -> String)] = [
    ("USCC 91310000132209009U", { try USCC("91310000132209009U").value }),
    ("USCC 91310000132209009A", { try USCC("91310000132209009A").value }),
    ("USCC 91350100M0001TGQXM (lenient)", { try USCC("91350100M0001TGQXM", mode: .lenient).warnings.description }),
    ("organisation code 55323005-X", { try OrganizationCode("55323005-X").description }),
    ("registration number 310000400000017", { try RegistrationNumber("310000400000017").value }),
    (
        "resident ID 310101198001010018",
        { try PersonIdentifier(type: .residentIdentityCard, number: "310101198001010018").masked }
    ),
    ("passport EA1234567", { try PersonIdentifier(type: .passport, number: "EA1234567").masked }),
    ("region 320594", { try RegionCode("320594").name }),
    ("behaviour code D1-1-03", { try BehaviourCode("D1-1-03").behaviourDescription ?? "" }),
    ("behaviour code D1-4-07", { try BehaviourCode("D1-4-07").warnings.description }),
]
for (label, check) in examples {
    do {
        print("  ok      \(label) → \(try check())")
    } catch {
        print("  refused \(label) → \(error)")
    }
}

section("BER-TLV (ISO/IEC 7816-4)")
var writer = TLVWriter()
let tag = { (raw: UInt32) in TLVTag(rawValue: raw)! }
writer.appendConstructed(tag(0x70)) { content in
    content.appendUnsigned(tag(0x80), 1)
    content.appendUTF8(tag(0x5F20), "上海市第一建筑工程有限公司")
    content.appendUTF8(tag(0x42), "91310000132209009U")
    content.appendConstructed(tag(0xA4)) { records in
        records.appendConstructed(tag(0x64)) { record in
            record.appendUTF8(tag(0x82), "D1-1-03")
            record.appendDate(tag(0x86), try! CardDate(year: 2024, month: 6, day: 30))
        }
    }
}
let encoded = writer.bytes
func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
}
print("  encoded \(encoded.count) bytes: \(hex(encoded))")
let tree = try TLVTree(decoding: encoded)
func show(_ element: TLVElement, indent: String) {
    if element.tag.isConstructed {
        print("\(indent)\(element.tag) (offset \(element.offset))")
        for child in element.children { show(child, indent: indent + "  ") }
    } else if let text = try? element.utf8Value(), element.value.count > 1 {
        print("\(indent)\(element.tag) = \"\(text)\"")
    } else {
        print("\(indent)\(element.tag) = \(hex(element.value))")
    }
}
show(tree.root, indent: "  ")
var tampered = encoded
tampered[1] &+= 1
do {
    _ = try TLVTree(decoding: tampered)
} catch {
    print("  one length byte changed → \(error)")
}

section("PC/SC readers (pcsc-lite)")
var context: SCARDCONTEXT = 0
let status = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context)
if status != SCARD_S_SUCCESS {
    print(
        "  pcscd is not reachable (0x\(String(UInt32(truncatingIfNeeded: status), radix: 16))): start it with scripts/pcscd.sh start"
    )
} else {
    var size: DWORD = 0
    _ = SCardListReaders(context, nil, nil, &size)
    var buffer = [CChar](repeating: 0, count: Int(size))
    if SCardListReaders(context, nil, &buffer, &size) == SCARD_S_SUCCESS {
        for name in buffer.split(separator: 0) {
            print("  reader: " + String(decoding: name.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    } else {
        print("  no readers")
    }
    SCardReleaseContext(context)
}
