import CardReader
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816
import VirtualCard

/// Issues a handbook to a blank virtual card through pcscd and reads it back as an inspector
/// would: personalise, sign, write tear-safe, read, verify, authenticate. With `keepImagesIn`, the
/// blank and issued card images are kept there (that is how `Cards/samples/` is made).
/// With `view`, the card carries that view (from the credit database) at `revision`.
@discardableResult
func runCardDemo(
    profile: CardProfile, algorithm: SignatureAlgorithm, keepImagesIn samples: URL?, view given: HandbookView? = nil,
    revision: UInt64 = 1
) throws -> HandbookContent? {
    func load(_ path: String) throws -> String { try String(contentsOfFile: "Keys/" + path, encoding: .utf8) }
    let masterKey = try SymmetricKey(hex: try load("issuer-master-key.hex"))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handbook-demo-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let serial = try CardSerial(
        hex: profile.name == "handbook-8k"
            ? "8656000000000008" : profile.name == "handbook-32k" ? "8656000000000032" : "8656000000000064")
    let image = folder.appendingPathComponent("card.json")
    try CardImage.blank(profile: profile, serial: serial, masterKey: masterKey).save(to: image)
    if let samples {
        try FileManager.default.copyItem(at: image, to: samples.appendingPathComponent("blank-\(profile.name).json"))
    }

    let context = try PCSCContext()
    let reader = "Virtual PCD 00 00"
    func waitFor(card: Bool) throws {
        try context.waitUntil(reader: reader, hasCard: card, timeout: .seconds(10))
    }
    // A card put in before pcscd noticed the last one go would look like the old card to it.
    try waitFor(card: false)
    let insertion = try VirtualCardInsertion(imageURL: image, port: 35963)
    defer { insertion.pull() }
    try waitFor(card: true)
    print("  blank \(profile.name) card \(serial) inserted into \(reader)")

    let card = HandbookCard(transport: try context.connect(reader: reader))
    let cardKey = try card.personalise(algorithm: algorithm, masterKey: masterKey)
    print("  personalised: the card generated its \(algorithm.rawValue) key pair")

    var rng = SeededGenerator(seed: 2026)
    let view =
        try given
        ?? (SyntheticData.view(
            qualifications: 3, practitioners: 5, projects: 6, goodRecords: 2, badRecords: 1, using: &rng))
    let region = try RegionCode("310000")
    let folderName = algorithm == .sm2SM3 ? "sm2" : "p256"
    let issue = DocumentIssue(
        documentNumber: try DocumentNumber(region: region, serial: 1), cardSerial: serial, cardPublicKey: cardKey,
        issuedAt: try require(ISO8601DateFormatter().date(from: "2026-11-01T09:00:00Z"), "2026-11-01T09:00:00Z"),
        expiresOn: try CardDate(yyyymmdd: "20271031"),
        issuingOffice: IssuingOffice(region: region, name: "上海市建筑市场信用手册发证窗口"), databaseRevision: revision,
        slotSize: profile.slotSize)
    let document = try HandbookSigner.sign(
        view: view, issue: issue,
        officeKey: try PrivateKey(pemEncoded: try load("\(folderName)/office-310000.key.pem")),
        officeCertificate: try Certificate(pemEncoded: try load("\(folderName)/office-310000.pem")))
    let record = try card.write(document: document, masterKey: masterKey)
    print(
        "  wrote \(view.enterprise.name) (\(view.enterprise.uscc)): \(document.count) bytes, slot \(record.activeSlot), commit \(record.sequence)"
    )

    card.channel.resetCounters()
    let readout = try card.read()
    let store = TrustStore(
        roots: [
            try Certificate(pemEncoded: try load("p256/root-ca.pem")),
            try Certificate(pemEncoded: try load("sm2/root-ca.pem")),
        ],
        revocationLists: [
            try CertificateRevocationList(pemEncoded: try load("p256/crl.pem")),
            try CertificateRevocationList(pemEncoded: try load("sm2/crl.pem")),
        ])
    let result = HandbookVerifier.verify(
        readout.document ?? [], trustStore: store,
        at: try require(ISO8601DateFormatter().date(from: "2026-12-01T00:00:00Z"), "2026-12-01T00:00:00Z"),
        cardSerial: readout.info.serial)
    let genuine = try card.internalAuthenticate(publicKey: cardKey, serial: readout.info.serial)
    print(
        "  read back in \(card.channel.commandCount) commands: "
            + result.checks.map { "\($0.name.rawValue) \($0.outcome.passed ? "✓" : "✗")" }.joined(separator: ", ")
            + ", card authentication \(genuine ? "✓" : "✗")")
    insertion.pull()
    try waitFor(card: false)
    if let samples {
        try FileManager.default.copyItem(
            at: image, to: samples.appendingPathComponent("issued-\(profile.name)-\(folderName).json"))
    }
    return result.document?.content
}
