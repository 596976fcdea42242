import CardReader
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816
import TestSupport
import VirtualCard

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
