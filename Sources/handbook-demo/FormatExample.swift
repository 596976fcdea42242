import Foundation
import HandbookCodec
import HandbookCrypto

/// Prints the worked example of `Cards/FORMAT.md`: a small real document signed with the TEST
/// Shanghai P-256 office key, as a hex dump and as an annotated tree; with `binary`, also writes
/// the document's bytes there (`Cards/samples/format-example.bin`). Run from the repository root.
func printFormatExample(binary: URL?) throws {
    let cardKey = try PrivateKey.generate(.ecdsaP256SHA256)
    let (view, issue) = try exampleDocument(cardKey: cardKey.publicKey)
    let bytes = try HandbookSigner.sign(
        view: view, issue: issue, officeKey: try PrivateKey(pemEncoded: try loadKeyFile("p256/office-310000.key.pem")),
        officeCertificate: try Certificate(pemEncoded: try loadKeyFile("p256/office-310000.pem")))
    if let binary { try Data(bytes).write(to: binary) }
    print("\(bytes.count) bytes")
    for offset in stride(from: 0, to: bytes.count, by: 16) {
        let line = bytes[offset..<min(offset + 16, bytes.count)]
        print(String(format: "%04X  ", offset) + line.map { String(format: "%02X", $0) }.joined(separator: " "))
    }
    print()
    let tree = try TLVTree(decodingSequence: bytes)
    for element in tree.elements { annotate(element, path: [], indent: "") }
}

/// A file of the TEST PKI (run from the repository root).
func loadKeyFile(_ path: String) throws -> String { try String(contentsOfFile: "Keys/" + path, encoding: .utf8) }

/// The worked example's view and issue: a Shanghai enterprise, one item of each kind.
func exampleDocument(cardKey: PublicKey) throws -> (HandbookView, DocumentIssue) {
    let region = try RegionCode("310000")
    let enterprise = Enterprise(
        uscc: try USCC("91310000132209009U"), name: "上海示例建设有限公司", legalRepresentative: "王伟",
        registeredRegion: try RegionCode("310115"))
    let view = HandbookView(
        enterprise: enterprise,
        qualifications: [
            Qualification(
                category: "建筑工程施工总承包", grade: "壹级", certificateNumber: "D131000001",
                validFrom: try CardDate(yyyymmdd: "20240101"),
                validUntil: try CardDate(yyyymmdd: "20281231"), issuingAuthority: "上海市住房和城乡建设管理委员会")
        ],
        practitioners: [
            Practitioner(
                name: "李娜", registrationType: "一级注册建造师", registrationNumber: "沪1312010000001",
                identity: try PersonIdentifier(type: .residentIdentityCard, number: "310101198001010018"))
        ],
        projects: [
            Project(
                projectNumber: try ProjectNumber("3101151211210104"), name: "浦东新区示例住宅项目", role: .generalContractor,
                contractAmount: 128_000_000, completionDate: try CardDate(yyyymmdd: "20250630"), awards: ["白玉兰奖"])
        ],
        creditRecords: [
            CreditRecord(
                recordNumber: try RecordNumber("3100002026000123"), kind: .bad,
                behaviourCode: try BehaviourCode("D1-1-03"),
                decisionNumber: "沪建罚〔2026〕12号", authority: "上海市住房和城乡建设管理委员会", authorityLevel: .province,
                decisionDate: try CardDate(yyyymmdd: "20260301"), publishedFrom: try CardDate(yyyymmdd: "20260305"),
                publishedUntil: try CardDate(yyyymmdd: "20270304"), summary: "允许其他单位以本单位名义承揽工程")
        ])
    let issue = DocumentIssue(
        documentNumber: try DocumentNumber(region: region, serial: 1),
        cardSerial: try CardSerial(hex: "8656000000000001"),
        cardPublicKey: cardKey,
        issuedAt: try require(ISO8601DateFormatter().date(from: "2026-06-01T08:30:00Z"), "2026-06-01T08:30:00Z"),
        expiresOn: try CardDate(yyyymmdd: "20270531"), issuingOffice: IssuingOffice(region: region, name: "上海市发证窗口"),
        databaseRevision: 1024, slotSize: 3584)
    return (view, issue)
}

private let fieldNames: [String: String] = [
    "61": "content", "62": "signature",
    "61/80": "format version", "61/81": "document number", "61/82": "card serial", "61/83": "issued at (UTC, BCD)",
    "61/84": "expires on (BCD)", "61/85": "database revision", "61/A6": "issuing office", "61/A6/80": "region (BCD)",
    "61/A6/81": "name", "61/87": "card authentication public key (SPKI)", "61/A8": "enterprise", "61/A8/80": "USCC",
    "61/A8/81": "name", "61/A8/82": "legal representative", "61/A8/83": "registered region (BCD)",
    "61/A9": "qualifications",
    "61/A9/A0": "qualification", "61/A9/A0/80": "category", "61/A9/A0/81": "grade", "61/A9/A0/82": "certificate number",
    "61/A9/A0/83": "valid from", "61/A9/A0/84": "valid until", "61/A9/A0/85": "issuing authority",
    "61/AA": "practitioners",
    "61/AA/A0": "practitioner", "61/AA/A0/80": "name", "61/AA/A0/81": "registration type",
    "61/AA/A0/82": "registration number",
    "61/AA/A0/83": "identity type", "61/AA/A0/84": "masked identity number", "61/AB": "performance",
    "61/AB/80": "project count", "61/AB/81": "total contract amount (yuan)", "61/AB/A2": "projects",
    "61/AB/A2/A0": "project",
    "61/AB/A2/A0/80": "project number (BCD)", "61/AB/A2/A0/81": "name", "61/AB/A2/A0/82": "role",
    "61/AB/A2/A0/83": "contract amount (yuan)",
    "61/AB/A2/A0/84": "completion date", "61/AB/A2/A0/A5": "awards", "61/AB/A2/A0/A5/80": "award",
    "61/AC": "credit records",
    "61/AC/A0": "credit record", "61/AC/A0/80": "record number", "61/AC/A0/81": "kind", "61/AC/A0/82": "behaviour code",
    "61/AC/A0/83": "decision number", "61/AC/A0/84": "authority", "61/AC/A0/85": "authority level",
    "61/AC/A0/86": "decision date",
    "61/AC/A0/87": "published from", "61/AC/A0/88": "published until", "61/AC/A0/89": "summary",
    "61/AD": "omitted counts",
    "61/AD/80": "practitioners", "61/AD/81": "projects", "61/AD/82": "good records", "62/80": "algorithm (OID)",
    "62/81": "signer certificate (X.509 DER)", "62/82": "signature value (DER r, s)",
]

private func annotate(_ element: TLVElement, path: [String], indent: String) {
    let here = path + [element.tag.description]
    let key = here.joined(separator: "/")
    let name = fieldNames[key] ?? "?"
    let header =
        String(format: "%04X", element.offset) + "  " + indent + element.tag.description + " L=\(element.value.count)  "
        + name
    if element.tag.isConstructed {
        print(header)
        for child in element.children { annotate(child, path: here, indent: indent + "  ") }
        return
    }
    let value: String
    if let text = try? element.utf8Value(), text.unicodeScalars.allSatisfy({ $0.value >= 0x20 }),
        !key.hasSuffix("/82") || key.hasPrefix("61/A"),
        key != "61/82", !key.hasPrefix("62")
    {
        value = "\"\(text)\""
    } else if element.value.count <= 16 {
        value = element.value.map { String(format: "%02X", $0) }.joined()
    } else {
        value = element.value.prefix(8).map { String(format: "%02X", $0) }.joined() + "… (\(element.value.count) bytes)"
    }
    print(header + " = " + value)
}
