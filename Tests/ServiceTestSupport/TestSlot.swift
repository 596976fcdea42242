import CardReader
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816
import TestSupport
import VirtualCard

/// A virtual card in a vpcd reader slot ("Virtual PCD 00 0n", port 35963 + n), held with the
/// slot lock that the card-stack tests take too.
public final class TestSlot: @unchecked Sendable {
    public let reader: String
    public let port: UInt16
    public let image: URL
    public private(set) var context: PCSCContext
    public private(set) var insertion: VirtualCardInsertion?
    private let lock: SlotLock

    public init(slot: Int, profile: String, serial: String, in folder: URL) async throws {
        lock = try await SlotLock.acquire(slot: slot)
        reader = "Virtual PCD 00 0\(slot)"
        port = 35963 + UInt16(slot)
        image = folder.appendingPathComponent("card-\(serial).json")
        try CardImage.blank(
            profile: CardProfile.named(profile)!, serial: try CardSerial(hex: serial),
            masterKey: try SymmetricKey(hex: try Repository.text("Keys/issuer-master-key.hex"))
        ).save(to: image)
        context = try PCSCContext()
        try context.waitUntil(reader: reader, hasCard: false, timeout: .seconds(10))
    }

    /// A new PC/SC context, after pcscd restarted (the old one no longer works).
    public func renewContext() throws {
        context = try PCSCContext()
    }

    public func insert(faults: FaultPlan = .none) throws {
        insertion = try VirtualCardInsertion(imageURL: image, port: port, faults: faults)
        try context.waitUntil(reader: reader, hasCard: true, timeout: .seconds(10))
    }

    public func remove() async throws {
        await insertion?.remove()
        insertion = nil
        try context.waitUntil(reader: reader, hasCard: false, timeout: .seconds(10))
    }

    /// What the card holds, read through pcscd as a verifier would.
    public func read() throws -> (readout: CardReadout, document: HandbookDocument?) {
        let connection = try context.connect(reader: reader)
        defer { connection.disconnect() }
        let readout = try HandbookCard(transport: connection).read()
        return (readout, try readout.document.map { try HandbookDocument(decoding: $0) })
    }

    public func authenticate(_ document: HandbookDocument) throws -> Bool {
        let connection = try context.connect(reader: reader)
        defer { connection.disconnect() }
        let card = HandbookCard(transport: connection)
        _ = try card.selectAndReadInfo()
        return try card.internalAuthenticate(
            publicKey: try PublicKey(spkiDER: document.content.header.cardPublicKey),
            serial: document.content.header.cardSerial)
    }

    deinit { insertion?.pull() }
}
