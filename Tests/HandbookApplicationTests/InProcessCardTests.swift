import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816
import TestSupport
import Testing
import VirtualCard

/// The transport rules of ISO/IEC 7816-4 and the whole handbook application, run against the card
/// operating system in the same process: no reader, no pcscd, milliseconds per test. The suites
/// through pcscd (CardReaderTests) keep what only a reader shows.
@Suite("the card stack in process: transport rules and the handbook application, without pcscd")
struct InProcessCardTests {
    static func blank(_ profile: String, serial: String = "8656000000000001") throws -> CardImage {
        try CardImage.blank(
            profile: try #require(CardProfile.named(profile)), serial: try CardSerial(hex: serial),
            masterKey: try Repository.masterKey())
    }

    @Test(
        "personalise, write, read back and authenticate, on every profile",
        arguments: [
            ("handbook-8k", SignatureAlgorithm.sm2SM3), ("handbook-32k", .ecdsaP256SHA256), ("handbook-64k", .sm2SM3),
        ])
    func lifecycle(profile: String, algorithm: SignatureAlgorithm) throws {
        let transport = try InProcessCard(image: try Self.blank(profile))
        let card = HandbookCard(transport: transport)
        let blank = try card.read()
        #expect(blank.status == nil && blank.document == nil)
        let cardKey = try card.personalise(algorithm: algorithm, masterKey: try Repository.masterKey())
        let first = try signedDocument(for: blank.info.serial, cardKey: cardKey, slotSize: blank.info.slotSize, seed: 1)
        #expect(try card.write(document: first, masterKey: try Repository.masterKey()).activeSlot == 0)
        let readout = try card.read()
        #expect(readout.document == first)
        let verification = HandbookVerifier.verify(
            first, trustStore: try Repository.trustStore(), at: Date(), cardSerial: readout.info.serial)
        #expect(verification.isValid, "\(verification.checks)")
        #expect(try card.internalAuthenticate(publicKey: cardKey, serial: readout.info.serial))
        let second = try signedDocument(
            for: blank.info.serial, cardKey: cardKey, slotSize: blank.info.slotSize, seed: 2)
        let record = try card.write(document: second, masterKey: try Repository.masterKey())
        #expect(record.activeSlot == 1 && record.sequence == 2)
        // A reset loses the security state, not the files.
        try transport.reset()
        #expect(try card.read().document == second)
    }

    @Test("61xx, 6Cxx and command chaining on a T=0-style card; the trace withholds cryptograms")
    func transportRules() throws {
        let trace = APDUTrace()
        let card = HandbookCard(transport: try InProcessCard(image: try Self.blank("handbook-8k"), trace: trace))
        let info = try card.selectAndReadInfo()
        try card.channel.selectFile(CardLayout.File.cardInfo.bytes)
        trace.clear()
        let response = try card.channel.transmit(CommandAPDU(ins: Instruction.readBinary, p1: 0, p2: 0, ne: 100))
        #expect(response.isSuccess && response.data.count == 64)
        #expect(trace.entries.map(\.sw) == [StatusWord.wrongLe(available: 64), StatusWord.success])
        try card.authenticate(masterKey: try Repository.masterKey(), serial: info.serial)
        try card.channel.selectFile(CardLayout.File.slot1.bytes)
        trace.clear()
        let data = (0..<600).map { UInt8($0 & 0xFF) }
        #expect(
            try card.channel.transmit(CommandAPDU(ins: Instruction.updateBinary, p1: 0, p2: 0, data: data)).isSuccess)
        #expect(trace.entries.count == 3)
        #expect(trace.entries.first?.command.hasPrefix("10D6") == true)
        #expect(try card.channel.readBinary(offset: 0, count: 600) == data)
        trace.clear()
        _ = try card.channel.transmitExpectingSuccess(
            CommandAPDU(
                ins: Instruction.generateAsymmetricKeyPair, p1: 0, p2: 2, data: [0x80, 0x01, 0x01], ne: 256),
            "generate")
        #expect(trace.entries.first.map { $0.sw >> 8 } == 0x61)
        #expect(trace.entries.contains { $0.command.hasPrefix("00C00000") })
        trace.clear()
        try card.authenticate(masterKey: try Repository.masterKey(), serial: info.serial)
        let external = try #require(trace.entries.first { $0.command.hasPrefix("00820001") })
        #expect(external.command.contains("withheld"))
    }

    @Test("reads shrink when the card refuses a length (6700), and stop at the file's end (6282)")
    func adaptiveReads() throws {
        let trace = APDUTrace()
        let card = HandbookCard(transport: try InProcessCard(image: try Self.blank("handbook-8k"), trace: trace))
        _ = try card.selectAndReadInfo()
        // Believed to take extended APDUs of 64 KB, the short-APDU card refuses the first read.
        card.channel.capabilities = CardCapabilities(maxCommandData: 255, maxResponseData: 65_536, extendedLength: true)
        try card.channel.selectFile(CardLayout.File.slot0.bytes)
        trace.clear()
        #expect(try card.channel.readBinary(offset: 0, count: 3_000).count == 3_000)
        #expect(trace.entries.first?.sw == StatusWord.wrongLength)
        #expect(trace.entries.last?.sw == StatusWord.success)
        let card32 = HandbookCard(transport: try InProcessCard(image: try Self.blank("handbook-32k"), trace: trace))
        _ = try card32.selectAndReadInfo()
        try card32.channel.selectFile(CardLayout.File.cardInfo.bytes)
        trace.clear()
        #expect(try card32.channel.readBinary(offset: 0, count: 200).count == 64)
        #expect(trace.entries.map(\.sw) == [StatusWord.endOfFile])
    }

    @Test("a wrong key is counted down (63C4 … 63C0), then the card is blocked (6983) for good")
    func wrongKeyBlocks() throws {
        let transport = try InProcessCard(image: try Self.blank("handbook-32k"))
        let card = HandbookCard(transport: transport)
        let info = try card.selectAndReadInfo()
        let wrong = SymmetricKey(bytes: [UInt8](repeating: 0x42, count: 16))
        var words: [UInt16] = []
        for _ in 0..<CardLayout.externalAuthenticateTries {
            do {
                try card.authenticate(masterKey: wrong, serial: info.serial)
            } catch {
                words.append(error.statusWord ?? 0)
            }
        }
        #expect(words == [0x63C4, 0x63C3, 0x63C2, 0x63C1, 0x63C0])
        try transport.reset()
        #expect { try card.authenticate(masterKey: try Repository.masterKey(), serial: info.serial) } throws: {
            ($0 as? CardError)?.statusWord == StatusWord.blocked
        }
    }

    @Test("INTERNAL AUTHENTICATE takes exactly 16 bytes; a copy of a card's files fails it")
    func internalAuthenticate() throws {
        let original = try InProcessCard(image: try Self.blank("handbook-32k"))
        let card = HandbookCard(transport: original)
        let info = try card.selectAndReadInfo()
        for length in [8, 15, 17] {
            let answer = try card.channel.transmit(
                CommandAPDU(
                    ins: Instruction.internalAuthenticate, p1: 0, p2: 2, data: [UInt8](repeating: 1, count: length),
                    ne: 256))
            #expect(answer.sw == StatusWord.wrongLength, "\(length)")
        }
        let cardKey = try card.personalise(algorithm: .ecdsaP256SHA256, masterKey: try Repository.masterKey())
        let document = try signedDocument(for: info.serial, cardKey: cardKey, slotSize: info.slotSize, seed: 3)
        _ = try card.write(document: document, masterKey: try Repository.masterKey())
        // The clone: the same files, its own key pair.
        var clone = original.image
        clone.authenticationKeyPEM = try PrivateKey.generate(.ecdsaP256SHA256).pemEncoded()
        let cloned = HandbookCard(transport: try InProcessCard(image: clone))
        #expect(try cloned.read().document == document)
        #expect(try !cloned.internalAuthenticate(publicKey: cardKey, serial: info.serial))
    }

    @Test("pulled out or powered off at any command of a write, a card holds the old document or the new one")
    func tearSafety() throws {
        let base = try InProcessCard(image: try Self.blank("handbook-8k"))
        let card = HandbookCard(transport: base)
        let info = try card.selectAndReadInfo()
        let key = try card.personalise(algorithm: .sm2SM3, masterKey: try Repository.masterKey())
        let old = try signedDocument(for: info.serial, cardKey: key, slotSize: info.slotSize, seed: 4)
        _ = try card.write(document: old, masterKey: try Repository.masterKey())
        let new = try signedDocument(for: info.serial, cardKey: key, slotSize: info.slotSize, seed: 5)
        let start = base.image
        // How many commands a whole write takes, counted once.
        let counter = APDUTrace()
        _ = try HandbookCard(transport: try InProcessCard(image: start, trace: counter)).write(
            document: new, masterKey: try Repository.masterKey())
        let commands = counter.entries.count
        #expect(commands > 10)
        for point in 1...commands {
            for tear in [TearMode.full, .partial, .none] {
                let faulty = try InProcessCard(
                    image: start, faults: FaultPlan(powerLossAtCommand: point, tearMode: tear))
                #expect(throws: CardError.self) {
                    _ = try HandbookCard(transport: faulty).write(document: new, masterKey: try Repository.masterKey())
                }
                let after = try HandbookCard(transport: try InProcessCard(image: faulty.image)).read().document
                #expect(after == old || after == new, "power lost at command \(point) (\(tear))")
            }
        }
    }
}
