import CardReader
import CardTestSupport
import Foundation
import HandbookCodec
import HandbookCrypto
import VirtualCard

/// The repository root, for Keys/ and the built tools.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func masterKey() throws -> SymmetricKey { try SymmetricKey(hex: try text("Keys/issuer-master-key.hex")) }

    static func trustStore() throws -> TrustStore {
        TrustStore(
            roots: [
                try Certificate(pemEncoded: try text("Keys/p256/root-ca.pem")),
                try Certificate(pemEncoded: try text("Keys/sm2/root-ca.pem")),
            ],
            revocationLists: [
                try CertificateRevocationList(pemEncoded: try text("Keys/p256/crl.pem")),
                try CertificateRevocationList(pemEncoded: try text("Keys/sm2/crl.pem")),
            ])
    }
}

/// One virtual reader slot of vpcd, with a card image that can be inserted and taken out. Tests
/// reach the card only through pcsc-lite; this fixture only plays the person at the reader.
///
/// vpcd offers two slots: "Virtual PCD 00 00" on port 35963 and "Virtual PCD 00 01" on 35964. Each
/// serialized suite keeps to its own slot, so suites run side by side without meeting.
final class VirtualReader: @unchecked Sendable {
    let readerName: String
    let port: UInt16

    let folder: URL
    let imageURL: URL
    let context: PCSCContext
    private(set) var insertion: VirtualCardInsertion?
    /// The slot is this test's until the reader goes away (other test targets use the slots too).
    private let lock: SlotLock

    init(profile: String, serial: String = "8656000000000001", slot: Int = 0) async throws {
        lock = try await SlotLock.acquire(slot: slot)
        readerName = "Virtual PCD 00 0\(slot)"
        port = 35963 + UInt16(slot)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("virtual-reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        imageURL = folder.appendingPathComponent("card.json")
        try CardImage.blank(
            profile: CardProfile.named(profile)!, serial: try CardSerial(hex: serial),
            masterKey: try Repository.masterKey()
        )
        .save(to: imageURL)
        context = try PCSCContext()
    }

    deinit {
        insertion?.pull()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Puts the card (the image as it is now) into the reader and waits until pcscd sees it.
    func insert(faults: FaultPlan = .none, image: URL? = nil) async throws {
        insertion = try VirtualCardInsertion(imageURL: image ?? imageURL, port: port, faults: faults)
        try await waitFor(card: true)
    }

    /// Takes the card out and waits until pcscd sees the reader empty.
    func remove() async throws {
        await insertion?.remove()
        insertion = nil
        try await waitFor(card: false)
    }

    /// Waits until a card pulled by a fault is out and pcscd has noticed.
    func waitUntilGone() async throws {
        await insertion?.waitUntilRemoved()
        insertion = nil
        try await waitFor(card: false)
    }

    func connect(trace: APDUTrace? = nil) throws -> CardConnection {
        try context.connect(reader: readerName, trace: trace)
    }

    private func waitFor(card: Bool) async throws {
        try context.waitUntil(reader: readerName, hasCard: card, timeout: .seconds(10))
    }
}

/// A signed document for a card, made with the TEST Shanghai office key.
func signedDocument(
    for serial: CardSerial, cardKey: PublicKey, slotSize: Int, seed: UInt64,
    counts: (Int, Int, Int, Int, Int) = (3, 6, 8, 3, 2)
)
    throws -> [UInt8]
{
    var rng = SeededGenerator(seed: seed)
    let view = try SyntheticData.view(
        qualifications: counts.0, practitioners: counts.1, projects: counts.2, goodRecords: counts.3,
        badRecords: counts.4, using: &rng)
    let folder = cardKey.algorithm == .sm2SM3 ? "sm2" : "p256"
    let region = try RegionCode("310000")
    let issue = DocumentIssue(
        documentNumber: try DocumentNumber(region: region, serial: seed), cardSerial: serial, cardPublicKey: cardKey,
        issuedAt: Date(), expiresOn: CardDate(daysSince1970: Int(Date().timeIntervalSince1970 / 86_400) + 365),
        issuingOffice: IssuingOffice(region: region, name: "上海市发证窗口"), databaseRevision: seed, slotSize: slotSize)
    return try HandbookSigner.sign(
        view: view, issue: issue,
        officeKey: try PrivateKey(pemEncoded: try Repository.text("Keys/\(folder)/office-310000.key.pem")),
        officeCertificate: try Certificate(pemEncoded: try Repository.text("Keys/\(folder)/office-310000.pem")))
}
