import Foundation
import HandbookCodec
import HandbookCrypto

func section(_ title: String) {
    print("\n== \(title)")
}

/// Everything the demo shows; an error stops it with a message, never a crash.
func demoMain() async throws {
    // What the foundation does today, end to end on built-in examples: identifiers validated and
    // masked, a handbook-shaped BER-TLV structure encoded and decoded, and the PC/SC readers that the
    // running pcscd offers. Later issues replace this with issuance and verification of a real card.

    if let index = CommandLine.arguments.firstIndex(of: "--format-example") {
        let next = CommandLine.arguments.dropFirst(index + 1).first
        try printFormatExample(binary: next.map { URL(fileURLWithPath: $0) })
        exit(0)
    }

    if let index = CommandLine.arguments.firstIndex(of: "--vectors"), index + 1 < CommandLine.arguments.count {
        try writeVectors(to: URL(fileURLWithPath: CommandLine.arguments[index + 1]))
        exit(0)
    }

    if let index = CommandLine.arguments.firstIndex(of: "--make-sample-cards"), index + 1 < CommandLine.arguments.count
    {
        let folder = URL(fileURLWithPath: CommandLine.arguments[index + 1])
        for (profile, algorithm) in [
            ("handbook-8k", SignatureAlgorithm.sm2SM3), ("handbook-32k", .ecdsaP256SHA256), ("handbook-64k", .sm2SM3),
        ] {
            try runCardDemo(
                profile: try require(CardProfile.named(profile), profile), algorithm: algorithm, keepImagesIn: folder)
        }
        exit(0)
    }

    section("Identifiers (Docs/ARCHITECTURE.md §11.1)")
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
    let tag = { (raw: UInt32) in TLVTag(constant: raw) }
    let decided = try CardDate(year: 2024, month: 6, day: 30)
    writer.appendConstructed(tag(0x70)) { content in
        content.appendUnsigned(tag(0x80), 1)
        content.appendUTF8(tag(0x5F20), "上海市第一建筑工程有限公司")
        content.appendUTF8(tag(0x42), "91310000132209009U")
        content.appendConstructed(tag(0xA4)) { records in
            records.appendConstructed(tag(0x64)) { record in
                record.appendUTF8(tag(0x82), "D1-1-03")
                record.appendDate(tag(0x86), decided)
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

    func argument(_ name: String) -> String? {
        guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else {
            return nil
        }
        return CommandLine.arguments[index + 1]
    }

    if let database = argument("--database"), let packagePath = argument("--package") {
        do {
            try await runDatabaseDemo(database: database, package: packagePath)
        } catch {
            print("  database demo failed: \(error)")
            exit(1)
        }
    } else {
        section("A handbook card through pcscd (vpcd virtual reader)")
        do {
            try runCardDemo(
                profile: try require(CardProfile.named("handbook-32k"), "the 32 KB profile"), algorithm: .sm2SM3,
                keepImagesIn: nil)
        } catch {
            print("  card demo failed: \(error)")
            exit(1)
        }
    }
}

do {
    try await demoMain()
} catch {
    FileHandle.standardError.write(Data("handbook-demo: \(error)\n".utf8))
    exit(1)
}
