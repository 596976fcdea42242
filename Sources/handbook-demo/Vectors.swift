import Foundation
import HandbookCodec
import HandbookCrypto

/// Writes the conformance vectors of `Cards/vectors/` (Cards/FORMAT.md, appendix): for each rule of
/// the format, documents that keep it and documents that break it — each re-signed, so that only
/// the rule under test decides — with the check that must fail and why. Another implementation
/// runs them to test itself; the project's tests run them too.
///
/// The base document is the worked example (a Shanghai enterprise, signed with the TEST Shanghai
/// P-256 office key); each vector edits its content as a BER-TLV tree and signs the result again.
func writeVectors(to folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let cardKey = try PrivateKey.generate(.ecdsaP256SHA256)
    let (view, issue) = try exampleDocument(cardKey: cardKey.publicKey)
    let officeKey = try PrivateKey(pemEncoded: try loadKeyFile("p256/office-310000.key.pem"))
    let officeCertificate = try Certificate(pemEncoded: try loadKeyFile("p256/office-310000.pem"))
    let base = try HandbookSigner.sign(
        view: view, issue: issue, officeKey: officeKey, officeCertificate: officeCertificate)
    let document = try HandbookDocument(decoding: base)
    guard case .constructed(_, let content) = TLVValue(try TLVTree(decoding: Array(document.signedBytes)).root) else {
        throw DemoFailure(message: "the example's content is not constructed")
    }

    var lines: [String] = []
    func vector(
        _ name: String, rule: String, _ expect: Expectation, checkedAt: String = "2026-12-01T00:00:00Z",
        key: (PrivateKey, Certificate)? = nil, _ edit: (inout [TLVValue]) throws -> Void = { _ in }
    ) throws {
        var children = content
        try edit(&children)
        let contentBytes = TLVValue.constructed(HandbookFormat.Tag.content, children).encoded
        let (signingKey, certificate) = key ?? (officeKey, officeCertificate)
        let signature = HandbookSignature(
            algorithm: signingKey.algorithm.oid, certificate: certificate.derEncoded,
            value: try signingKey.sign(contentBytes))
        let bytes = HandbookDocument.assemble(content: contentBytes, signature: signature)
        var object: [String: Any] = [
            "name": name, "rule": rule, "cardSerial": issue.cardSerial.description, "checkedAt": checkedAt,
            "document": bytes.map { String(format: "%02x", $0) }.joined(),
        ]
        switch expect {
        case .accepted: object["expect"] = ["outcome": "passed"]
        case .refused(let check, let reason):
            object["expect"] = ["outcome": "failed", "check": check, "reason": reason]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        lines.append(String(decoding: data, as: UTF8.self))
    }

    // Paths into the content's children (§2.2): 7 card key, 8 enterprise, 9 qualifications,
    // 10 practitioners, 11 performance, 12 credit records; item 0 of each list.
    func text(_ s: String) -> [UInt8] { Array(s.utf8) }
    let tag = { (byte: UInt8) in TLVTag(constant: UInt32(byte)) }

    try vector("base", rule: "§2 the worked example", .accepted)

    // 1. The card key (field 87).
    let point = Array(cardKey.publicKey.spkiDER.suffix(64))
    try vector("card-key-p256", rule: "§2.2 field 87: P-256, uncompressed", .accepted)
    try vector(
        "card-key-compressed", rule: "§2.2 field 87: a compressed point is refused",
        .refused("format", "a card key is 91 bytes")
    ) { children in
        let x = Array(point.prefix(32))
        let spki: [UInt8] =
            [
                0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86,
                0x48,
            ]
            + [0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00, 0x02] + x
        children[7] = .primitive(tag(0x87), spki)
    }
    try vector(
        "card-key-p384", rule: "§2.2 field 87: another curve (P-384) is refused",
        .refused("format", "a card key is 91 bytes")
    ) { children in
        let spki: [UInt8] =
            [0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B, 0x81]
            + [0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04] + point + point.prefix(32)
        children[7] = .primitive(tag(0x87), spki)
    }
    try vector(
        "card-key-truncated", rule: "§2.2 field 87: a truncated key is refused",
        .refused("format", "a card key is 91 bytes")
    ) { children in
        children[7] = .primitive(tag(0x87), Array(cardKey.publicKey.spkiDER.dropLast()))
    }
    try vector(
        "card-key-random", rule: "§2.2 field 87: 91 bytes that are no key are refused",
        .refused("format", "not an id-ecPublicKey SubjectPublicKeyInfo")
    ) { children in
        children[7] = .primitive(tag(0x87), (0..<91).map { UInt8(($0 * 37 + 11) % 256) })
    }
    try vector(
        "card-key-off-curve", rule: "§2.2 field 87: a point not on the curve is refused",
        .refused("format", "not a point of its curve")
    ) { children in
        children[7] = .primitive(
            tag(0x87), CardKeyEncoding.Curve.p256.prefix + [0x04] + [UInt8](repeating: 0x01, count: 64))
    }

    // 2. Region codes: the whole code, against the table.
    func setRegion(_ bcd: [UInt8]) -> (inout [TLVValue]) throws -> Void {
        { children in
            guard case .constructed(let t, var fields) = children[8] else { return }
            fields[3] = .primitive(tag(0x83), bcd)
            children[8] = .constructed(t, fields)
        }
    }
    try vector("region-listed", rule: "§2.1 region codes: 320583 is listed", .accepted, setRegion([0x32, 0x05, 0x83]))
    try vector(
        "region-abolished", rule: "§2.1 region codes: an abolished code (310108, until 2015) is listed",
        .accepted, setRegion([0x31, 0x01, 0x08]))
    try vector(
        "region-unlisted-county", rule: "§2.1 region codes: 320599 is in no edition",
        .refused("format", "no division with the code 320599"), setRegion([0x32, 0x05, 0x99]))
    try vector(
        "region-unlisted-shanghai", rule: "§2.1 region codes: 310150 is in no edition",
        .refused("format", "no division with the code 310150"), setRegion([0x31, 0x01, 0x50]))

    // 3. Masked identity numbers.
    func setMask(_ masked: String) -> (inout [TLVValue]) throws -> Void {
        { children in
            guard case .constructed(let t, var list) = children[10], case .constructed(let it, var fields) = list[0]
            else { return }
            fields[4] = .primitive(tag(0x84), text(masked))
            list[0] = .constructed(it, fields)
            children[10] = .constructed(t, list)
        }
    }
    try vector(
        "mask-resident", rule: "§2.2 field 84: first and last four shown", .accepted, setMask("3101**********0018"))
    try vector(
        "mask-full-number", rule: "§2.2 field 84: a full number with a * is refused",
        .refused("format", "no such number's length"), setMask("310101198001010018*"))
    try vector(
        "mask-too-much-shown", rule: "§2.2 field 84: more than the mask shows is refused",
        .refused("format", "are *"), setMask("310101********0018"))

    // 5. White space and invisible characters in texts.
    func setEnterpriseName(_ name: String) -> (inout [TLVValue]) throws -> Void {
        { children in
            guard case .constructed(let t, var fields) = children[8] else { return }
            fields[1] = .primitive(tag(0x81), text(name))
            children[8] = .constructed(t, fields)
        }
    }
    try vector(
        "text-inner-space", rule: "§2.1 texts: a space inside is fine", .accepted, setEnterpriseName("上海示例 建设有限公司"))
    for (name, value) in [
        ("text-trailing-nbsp", "上海示例建设有限公司\u{00A0}"), ("text-leading-em-space", "\u{2003}上海示例建设有限公司"),
        ("text-ideographic-space", "上海示例建设有限公司\u{3000}"),
    ] {
        try vector(
            name, rule: "§2.1 texts: White_Space at either end is refused",
            .refused("format", "white space at the start or the end"), setEnterpriseName(value))
    }
    try vector(
        "text-line-separator", rule: "§2.1 texts: a line separator (U+2028) is refused",
        .refused("format", "invisible character U+2028"), setEnterpriseName("上海示例\u{2028}建设有限公司"))
    try vector(
        "text-bidi-override", rule: "§2.1 texts: a bidirectional override is refused",
        .refused("format", "invisible character U+202E"), setEnterpriseName("上海示例\u{202E}建设有限公司"))

    // 6. Behaviour codes.
    func editRecord(_ edit: @escaping (inout [TLVValue]) -> Void) -> (inout [TLVValue]) throws -> Void {
        { children in
            guard case .constructed(let t, var list) = children[12], case .constructed(let it, var fields) = list[0]
            else { return }
            edit(&fields)
            list[0] = .constructed(it, fields)
            children[12] = .constructed(t, list)
        }
    }
    try vector(
        "behaviour-local-category", rule: "§2.2 behaviour codes: D1-10-03 is well formed (a local code)", .accepted,
        editRecord { $0[2] = .primitive(tag(0x82), text("D1-10-03")) })
    try vector(
        "behaviour-leading-zero", rule: "§2.2 behaviour codes: a category with a leading zero is refused",
        .refused("format", "a category number from 1 expected"),
        editRecord { $0[2] = .primitive(tag(0x82), text("D1-01-03")) })
    try vector(
        "behaviour-on-good-record", rule: "§2.2 behaviour codes: a good record carries none",
        .refused("format", "a good record carries no behaviour code"),
        editRecord { $0[1] = .primitive(tag(0x81), [0x01]) })

    // 7. Relations between fields.
    try vector(
        "record-published-before-decision", rule: "§2.2 records: published from ≥ decision date",
        .refused("format", "published before the decision"),
        editRecord { $0[6] = .primitive(tag(0x86), [0x20, 0x26, 0x03, 0x06]) })
    try vector(
        "record-window-reversed", rule: "§2.2 records: published from ≤ published until",
        .refused("format", "starts after it ends"),
        editRecord { $0[8] = .primitive(tag(0x88), [0x20, 0x26, 0x03, 0x04]) })
    try vector(
        "qualification-reversed", rule: "§2.2 qualifications: valid from ≤ valid until",
        .refused("format", "starts after it ends")
    ) { children in
        guard case .constructed(let t, var list) = children[9], case .constructed(let it, var fields) = list[0] else {
            return
        }
        fields[4] = .primitive(tag(0x84), [0x20, 0x23, 0x12, 0x31])
        list[0] = .constructed(it, fields)
        children[9] = .constructed(t, list)
    }
    func editPerformance(_ edit: @escaping (inout [TLVValue]) -> Void) -> (inout [TLVValue]) throws -> Void {
        { children in
            guard case .constructed(let t, var fields) = children[11] else { return }
            edit(&fields)
            children[11] = .constructed(t, fields)
        }
    }
    try vector(
        "performance-total-below-listed", rule: "§2.2 performance: total ≥ the listed amounts",
        .refused("format", "more than the total"), editPerformance { $0[1] = .primitive(tag(0x81), [0x01]) })
    try vector(
        "performance-count-below-listed", rule: "§2.2 performance: project count ≥ projects listed",
        .refused("format", "projects listed but the total says 0"),
        editPerformance { $0[0] = .primitive(tag(0x80), [0x00]) })
    try vector(
        "project-completion-future", rule: "§2.2 projects: a completion date in the future is no error", .accepted,
        editPerformance { fields in
            guard case .constructed(let lt, var list) = fields[2], case .constructed(let it, var project) = list[0]
            else { return }
            project[4] = .primitive(tag(0x84), [0x20, 0x30, 0x06, 0x30])
            list[0] = .constructed(it, project)
            fields[2] = .constructed(lt, list)
        })

    // 8. Limits are bytes of UTF-8.
    func setGrade(_ grade: String) -> (inout [TLVValue]) throws -> Void {
        { children in
            guard case .constructed(let t, var list) = children[9], case .constructed(let it, var fields) = list[0]
            else { return }
            fields[1] = .primitive(tag(0x81), text(grade))
            list[0] = .constructed(it, fields)
            children[9] = .constructed(t, list)
        }
    }
    try vector(
        "limit-bytes-ascii-32", rule: "§2.2 limits are bytes: 32 ASCII bytes fit grade (≤ 32)", .accepted,
        setGrade(String(repeating: "A", count: 32)))
    try vector(
        "limit-bytes-cjk-10", rule: "§2.2 limits are bytes: 10 CJK characters are 30 bytes", .accepted,
        setGrade(String(repeating: "壹", count: 10)))
    try vector(
        "limit-bytes-cjk-11", rule: "§2.2 limits are bytes: 11 CJK characters are 33 bytes",
        .refused("format", "at most 32 bytes"), setGrade(String(repeating: "壹", count: 11)))
    try vector(
        "lists-empty", rule: "§2.2 lists may be empty (A9, AA, AB/A2, AC)", .accepted
    ) { children in
        children[9] = .constructed(tag(0xA9), [])
        children[10] = .constructed(tag(0xAA), [])
        children[12] = .constructed(tag(0xAC), [])
        children[11] = .constructed(
            tag(0xAB), [.primitive(tag(0x80), [0x00]), .primitive(tag(0x81), [0x00]), .constructed(tag(0xA2), [])])
    }
    try vector(
        "omitted-missing", rule: "§2.2 AD is required", .refused("format", "field AD expected")
    ) { children in
        children.removeLast()
    }

    // 11. Time: "today" is the date in China Standard Time (UTC+8); five minutes of clock skew.
    let expiresToday: (inout [TLVValue]) throws -> Void = { $0[4] = .primitive(tag(0x84), [0x20, 0x26, 0x12, 0x01]) }
    try vector(
        "expiry-last-day-beijing", rule: "§2.4 today is UTC+8: 2026-12-01T15:59:59Z is still 12-01",
        .accepted, checkedAt: "2026-12-01T15:59:59Z", expiresToday)
    try vector(
        "expiry-next-day-beijing", rule: "§2.4 today is UTC+8: 2026-12-01T16:00:00Z is 12-02",
        .refused("documentExpiry", "expired on 2026-12-01"), checkedAt: "2026-12-01T16:00:00Z", expiresToday)
    try vector(
        "issued-within-skew", rule: "§2.4 issued at up to 5 minutes ahead of the verifier's clock", .accepted,
        checkedAt: "2026-06-01T08:26:00Z")
    try vector(
        "issued-beyond-skew", rule: "§2.4 issued at more than 5 minutes ahead is refused",
        .refused("documentExpiry", "after the time of checking"), checkedAt: "2026-06-01T08:24:59Z")

    // 12. Back-dating with an expired key: the expired TEST office certificate ended 2024-12-31.
    let expiredKey = (
        try PrivateKey(pemEncoded: try loadKeyFile("p256/office-expired.key.pem")),
        try Certificate(pemEncoded: try loadKeyFile("p256/office-expired.pem"))
    )
    try vector(
        "backdated-outliving-key", rule: "§2.4 a document may not outlive its signer certificate",
        .refused("validityPeriod", "past the end of its signer certificate"), key: expiredKey
    ) { children in
        children[3] = .primitive(tag(0x83), [0x20, 0x24, 0x06, 0x01, 0x09, 0x00, 0x00])
    }
    try vector(
        "backdated-within-key", rule: "§2.4 a back-dated document within its key's life is already expired",
        .refused("documentExpiry", "expired on 2024-12-31"), key: expiredKey
    ) { children in
        children[3] = .primitive(tag(0x83), [0x20, 0x24, 0x06, 0x01, 0x09, 0x00, 0x00])
        children[4] = .primitive(tag(0x84), [0x20, 0x24, 0x12, 0x31])
    }

    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("documents.jsonl"))

    // 4. EF.Status records: the element, then 00 padding to 64 bytes.
    let record = CommitRecord(
        activeSlot: 1, sequence: 3, documentLength: base.count, documentHash: Digest.sha256.hash(base))
    var padded = record.fileBytes
    var statusLines: [String] = []
    func status(_ name: String, _ bytes: [UInt8], accepted: Bool, reason: String) throws {
        let object: [String: Any] = [
            "name": name, "record": bytes.map { String(format: "%02x", $0) }.joined(), "accepted": accepted,
            "reason": reason,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        statusLines.append(String(decoding: data, as: UTF8.self))
    }
    try status("record-padded", padded, accepted: true, reason: "")
    try status("record-never-written", [UInt8](repeating: 0, count: 64), accepted: true, reason: "")
    padded[63] = 0x01
    try status("record-bad-padding", padded, accepted: false, reason: "00 padding after the element expected")
    try Data((statusLines.joined(separator: "\n") + "\n").utf8).write(
        to: folder.appendingPathComponent("status-records.jsonl"))
    print("\(lines.count) document vectors and \(statusLines.count) EF.Status records in \(folder.path)")
}

/// What a vector expects of a verifier.
enum Expectation {
    /// Every check passes.
    case accepted
    /// The first check to fail is `check`, with a reason containing `reason`.
    case refused(String, String)
}

struct DemoFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
