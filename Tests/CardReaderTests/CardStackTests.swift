import CardReader
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816
import TestSupport
import Testing
import VirtualCard

/// The card stack through the real pcscd, the vpcd driver and the virtual card. Every test here
/// uses reader slot "Virtual PCD 00 00", so they run one after the other.
@Suite("card stack through pcscd", .serialized)
struct CardStackTests {
    @Test(
        "personalise, write, read back and authenticate, on every profile",
        arguments: [
            ("handbook-8k", SignatureAlgorithm.sm2SM3), ("handbook-32k", .ecdsaP256SHA256), ("handbook-64k", .sm2SM3),
        ])
    func lifecycle(profile: String, algorithm: SignatureAlgorithm) async throws {
        let reader = try await VirtualReader(profile: profile)
        try await reader.insert()
        let card = HandbookCard(transport: try reader.connect())
        let blank = try card.read()
        #expect(blank.status == nil && blank.document == nil)
        #expect(blank.info.profileName == profile)

        let cardKey = try card.personalise(algorithm: algorithm, masterKey: try Repository.masterKey())
        #expect(cardKey.algorithm == algorithm)
        let document = try signedDocument(
            for: blank.info.serial, cardKey: cardKey, slotSize: blank.info.slotSize, seed: 1)
        let record = try card.write(document: document, masterKey: try Repository.masterKey())
        #expect(record.activeSlot == 0 && record.sequence == 1)

        let readout = try card.read()
        #expect(readout.document == document)
        let verification = HandbookVerifier.verify(
            document, trustStore: try Repository.trustStore(), at: Date(), cardSerial: readout.info.serial)
        #expect(verification.isValid, "\(verification.checks)")
        let publicKey = try PublicKey(spkiDER: try #require(verification.document).content.header.cardPublicKey)
        #expect(try card.internalAuthenticate(publicKey: publicKey, serial: readout.info.serial))

        // A second document goes to the other slot; the first stays until the commit.
        let second = try signedDocument(
            for: blank.info.serial, cardKey: cardKey, slotSize: blank.info.slotSize, seed: 2)
        let secondRecord = try card.write(document: second, masterKey: try Repository.masterKey())
        #expect(secondRecord.activeSlot == 1 && secondRecord.sequence == 2)
        #expect(try card.read().document == second)

        // Taken out and put back: the card remembers.
        try await reader.remove()
        try await reader.insert()
        #expect(try HandbookCard(transport: try reader.connect()).read().document == second)
        try await reader.remove()
    }

    @Test("a write without EXTERNAL AUTHENTICATE is refused by the card (6982)")
    func writeNeedsAuthentication() async throws {
        let reader = try await VirtualReader(profile: "handbook-32k")
        try await reader.insert()
        let card = HandbookCard(transport: try reader.connect())
        _ = try card.selectAndReadInfo()
        try card.channel.selectFile(CardLayout.File.slot0.bytes)
        let response = try card.channel.transmit(CommandAPDU(ins: 0xD6, p1: 0, p2: 0, data: [1, 2, 3]))
        #expect(response.sw == 0x6982)
        try card.channel.selectFile(CardLayout.File.cardInfo.bytes)
        #expect(try card.channel.transmit(CommandAPDU(ins: 0xD6, p1: 0, p2: 0, data: [1])).sw == 0x6982)
        try await reader.remove()
    }

    @Test("a wrong key is counted down and blocks the card after the retry limit")
    func wrongKeyBlocks() async throws {
        let reader = try await VirtualReader(profile: "handbook-8k")
        try await reader.insert()
        let card = HandbookCard(transport: try reader.connect())
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
        // Cards/FORMAT.md §1.5: the fifth failure says "wrong, 0 tries left"; then the key is blocked.
        #expect(words == [0x63C4, 0x63C3, 0x63C2, 0x63C1, 0x63C0])
        #expect {
            try card.authenticate(masterKey: try Repository.masterKey(), serial: info.serial)
        } throws: { ($0 as? CardError)?.statusWord == 0x6983 }
        // Blocked for good: a reset does not help.
        try await reader.remove()
        try await reader.insert()
        let again = HandbookCard(transport: try reader.connect())
        #expect(throws: CardError.self) {
            try again.personalise(algorithm: .ecdsaP256SHA256, masterKey: try Repository.masterKey())
        }
        try await reader.remove()
    }

    @Test("a copy of a card's files on another card fails INTERNAL AUTHENTICATE")
    func cloneFailsAuthentication() async throws {
        let reader = try await VirtualReader(profile: "handbook-32k")
        try await reader.insert()
        let card = HandbookCard(transport: try reader.connect())
        let info = try card.selectAndReadInfo()
        let cardKey = try card.personalise(algorithm: .ecdsaP256SHA256, masterKey: try Repository.masterKey())
        let document = try signedDocument(for: info.serial, cardKey: cardKey, slotSize: info.slotSize, seed: 3)
        _ = try card.write(document: document, masterKey: try Repository.masterKey())
        #expect(try card.internalAuthenticate(publicKey: cardKey, serial: info.serial))
        try await reader.remove()

        // The clone: every file byte for byte, but its own key pair (a card's private key cannot be read).
        var clone = try CardImage.load(from: reader.imageURL)
        clone.authenticationKeyPEM = try PrivateKey.generate(.ecdsaP256SHA256).pemEncoded()
        let cloneURL = reader.folder.appendingPathComponent("clone.json")
        try clone.save(to: cloneURL)
        try await reader.insert(image: cloneURL)
        let cloned = HandbookCard(transport: try reader.connect())
        let readout = try cloned.read()
        #expect(readout.document == document)
        #expect(try !cloned.internalAuthenticate(publicKey: cardKey, serial: readout.info.serial))
        try await reader.remove()
    }

    @Test(
        "the transport absorbs 61xx, 6Cxx and command chaining on a T=0-style card, and the trace withholds cryptograms"
    )
    func transportBehaviours() async throws {
        let reader = try await VirtualReader(profile: "handbook-8k")
        try await reader.insert()
        let trace = APDUTrace()
        let card = HandbookCard(transport: try reader.connect(trace: trace))
        let info = try card.selectAndReadInfo()
        // 6Cxx: ask for 100 bytes of the 64-byte EF.CardInfo; the card says 64, the channel asks again.
        try card.channel.selectFile(CardLayout.File.cardInfo.bytes)
        trace.clear()
        let response = try card.channel.transmit(CommandAPDU(ins: 0xB0, p1: 0, p2: 0, ne: 100))
        #expect(response.isSuccess && response.data.count == 64)
        #expect(trace.entries.map(\.sw) == [0x6C40, 0x9000])
        // Chaining: 600 bytes to a card that takes 255 per command.
        try card.authenticate(masterKey: try Repository.masterKey(), serial: info.serial)
        try card.channel.selectFile(CardLayout.File.slot1.bytes)
        trace.clear()
        let data = (0..<600).map { UInt8($0 & 0xFF) }
        #expect(try card.channel.transmit(CommandAPDU(ins: 0xD6, p1: 0, p2: 0, data: data)).isSuccess)
        #expect(trace.entries.count == 3)
        #expect(trace.entries.first?.command.hasPrefix("10D6") == true)
        #expect(try card.channel.readBinary(offset: 0, count: 600) == data)
        // 61xx: the key pair generation answer waits and is fetched with GET RESPONSE.
        trace.clear()
        _ = try card.channel.transmitExpectingSuccess(
            CommandAPDU(ins: 0x46, p1: 0, p2: 2, data: [0x80, 0x01, 0x01], ne: 256), "generate")
        #expect(trace.entries.map(\.sw).first.map { $0 >> 8 } == 0x61)
        #expect(trace.entries.contains { $0.command.hasPrefix("00C00000") })
        // The cryptogram never appears in the trace.
        trace.clear()
        try card.authenticate(masterKey: try Repository.masterKey(), serial: info.serial)
        let external = try #require(trace.entries.first { $0.command.hasPrefix("00820001") })
        #expect(external.command.contains("withheld"))
        #expect(external.command.count < 40)
        try await reader.remove()
    }

    @Test("the card answers as Cards/FORMAT.md §1.5 says: READ BINARY past the end, INTERNAL AUTHENTICATE lengths")
    func commandsAsSpecified() async throws {
        // Extended-length profile: the bytes left, with 6282.
        let reader = try await VirtualReader(profile: "handbook-32k")
        try await reader.insert()
        let trace = APDUTrace()
        let card = HandbookCard(transport: try reader.connect(trace: trace))
        _ = try card.selectAndReadInfo()
        try card.channel.selectFile(CardLayout.File.cardInfo.bytes)
        trace.clear()
        let response = try card.channel.transmit(CommandAPDU(ins: 0xB0, p1: 0, p2: 0, ne: 100))
        #expect(response.data.count == 64)
        #expect(trace.entries.map(\.sw) == [0x6282])
        // INTERNAL AUTHENTICATE takes a challenge of exactly 16 bytes: other lengths are 6700 (before
        // the card even looks for its key, which this blank card has not: 6A88).
        for length in [8, 15, 17, 32] {
            let answer = try card.channel.transmit(
                CommandAPDU(ins: 0x88, p1: 0, p2: 2, data: [UInt8](repeating: 7, count: length), ne: 256))
            #expect(answer.sw == 0x6700, "\(length) bytes")
        }
        let sixteen = try card.channel.transmit(
            CommandAPDU(ins: 0x88, p1: 0, p2: 2, data: [UInt8](repeating: 7, count: 16), ne: 256))
        #expect(sixteen.sw == 0x6A88)
        try await reader.remove()
    }

    @Test("reads fall back to shorter responses when the card refuses a length (6700)")
    func adaptiveReadSize() async throws {
        let reader = try await VirtualReader(profile: "handbook-32k")
        try await reader.insert()
        let card = HandbookCard(transport: try reader.connect())
        _ = try card.selectAndReadInfo()
        card.channel.capabilities.maxResponseData = 65_536  // more than the card takes (16 384)
        try card.channel.selectFile(CardLayout.File.slot0.bytes)
        card.channel.resetCounters()
        let bytes = try card.channel.readBinary(offset: 0, count: 15_000)
        #expect(bytes.count == 15_000)
        #expect(card.channel.commandCount <= 3)
        try await reader.remove()
    }

    @Test("a card pulled out in the middle of a read gives the typed error, not a crash or a hang")
    func removedMidRead() async throws {
        let reader = try await VirtualReader(profile: "handbook-8k")
        try await reader.insert()
        let card = HandbookCard(transport: try reader.connect())
        let info = try card.selectAndReadInfo()
        let key = try card.personalise(algorithm: .ecdsaP256SHA256, masterKey: try Repository.masterKey())
        _ = try card.write(
            document: try signedDocument(for: info.serial, cardKey: key, slotSize: info.slotSize, seed: 4),
            masterKey: try Repository.masterKey())
        try await reader.remove()
        // The 8th command is a READ BINARY of the document.
        try await reader.insert(faults: FaultPlan(removalAtCommand: 8))
        let pulled = HandbookCard(transport: try reader.connect())
        #expect {
            _ = try pulled.read()
        } throws: { error in
            guard case .transport(let cardError) = error as? CardReadError else { return false }
            return [.cardRemoved, .noCard].contains(cardError.code)
        }
        try await reader.waitUntilGone()
    }

    @Test("with pcscd unreachable, the typed service error says how to start it")
    func serviceUnavailable() throws {
        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "handbook-card")
        let executable =
            FileManager.default.isExecutableFile(atPath: tool.path)
            ? tool : Repository.root.appendingPathComponent(".build/debug/handbook-card")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["readers"]
        var environment = ProcessInfo.processInfo.environment
        environment["PCSCLITE_CSOCK_NAME"] = "/nonexistent/socket"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 69)
        #expect(message.contains("CARD_SERVICE_UNAVAILABLE"))
        #expect(message.contains("pcscd is not running; start it"))
    }
}

/// The tearing matrix: the card loses power at every command of a document write, with the command
/// in progress applied fully, partly or not at all; afterwards it must read and verify as exactly the
/// old document or exactly the new one.
@Suite("tear-safe writing through pcscd", .serialized)
struct TearingTests {
    @Test(
        "every command position of a write × every tear mode leaves exactly the old or the new document",
        arguments: [
            ("handbook-8k", (1, 2, 2, 1, 1)), ("handbook-32k", (3, 6, 8, 3, 2)), ("handbook-64k", (3, 6, 8, 3, 2)),
        ])
    func matrix(profile: String, counts: (Int, Int, Int, Int, Int)) async throws {
        let reader = try await VirtualReader(profile: profile, slot: 1)
        try await reader.insert()
        let card = HandbookCard(transport: try reader.connect())
        let info = try card.selectAndReadInfo()
        let key = try card.personalise(algorithm: .ecdsaP256SHA256, masterKey: try Repository.masterKey())
        let old = try signedDocument(for: info.serial, cardKey: key, slotSize: info.slotSize, seed: 10, counts: counts)
        let new = try signedDocument(for: info.serial, cardKey: key, slotSize: info.slotSize, seed: 11, counts: counts)
        _ = try card.write(document: old, masterKey: try Repository.masterKey())
        try await reader.remove()
        let withOld = try Data(contentsOf: reader.imageURL)

        // How many commands a write takes, from insertion on.
        try await reader.insert()
        _ = try HandbookCard(transport: try reader.connect()).write(
            document: new, masterKey: try Repository.masterKey())
        let total = try #require(reader.insertion).commandCount
        try await reader.remove()

        let store = try Repository.trustStore()
        var outcomes: [String: Int] = [:]
        for position in 1...total {
            for mode in TearMode.allCases {
                try withOld.write(to: reader.imageURL)
                try await reader.insert(faults: FaultPlan(powerLossAtCommand: position, tearMode: mode))
                #expect(throws: (any Error).self, "position \(position) \(mode)") {
                    _ = try HandbookCard(transport: try reader.connect()).write(
                        document: new, masterKey: try Repository.masterKey())
                }
                try await reader.waitUntilGone()

                try await reader.insert()
                let readout = try HandbookCard(transport: try reader.connect()).read()
                let document = try #require(readout.document, "position \(position) \(mode): no document")
                #expect(
                    document == old || document == new,
                    "position \(position) \(mode): neither the old nor the new document")
                #expect(
                    HandbookVerifier.verify(document, trustStore: store, at: Date(), cardSerial: info.serial).isValid)
                outcomes[document == new ? "new" : "old", default: 0] += 1
                try await reader.remove()
            }
        }
        // Only a commit that reached the card completely shows the new document.
        #expect(outcomes["new"] == 1, "\(outcomes) over \(total) positions")
    }
}

/// The sample card images of Cards/samples/ hold what their names say. (In the card-stack suite,
/// whose reader slot it shares.)
extension CardStackTests {
    @Test(
        "issued sample cards read, verify and authenticate; blank ones hold no document",
        arguments: ["handbook-8k-sm2", "handbook-32k-p256", "handbook-64k-sm2"])
    func samples(name: String) async throws {
        let reader = try await VirtualReader(profile: "handbook-8k")
        let copy = reader.folder.appendingPathComponent("sample.json")
        try FileManager.default.copyItem(
            at: Repository.root.appendingPathComponent("Cards/samples/issued-\(name).json"), to: copy)
        try await reader.insert(image: copy)
        let card = HandbookCard(transport: try reader.connect())
        let readout = try card.read()
        let document = try #require(readout.document)
        let result = HandbookVerifier.verify(
            document, trustStore: try Repository.trustStore(),
            at: ISO8601DateFormatter().date(from: "2026-12-01T00:00:00Z")!,
            cardSerial: readout.info.serial)
        #expect(result.isValid, "\(result.checks)")
        let key = try PublicKey(spkiDER: try #require(result.document).content.header.cardPublicKey)
        #expect(try card.internalAuthenticate(publicKey: key, serial: readout.info.serial))
        try await reader.remove()

        let profile = String(name.split(separator: "-").prefix(2).joined(separator: "-"))
        let blank = reader.folder.appendingPathComponent("blank.json")
        try FileManager.default.copyItem(
            at: Repository.root.appendingPathComponent("Cards/samples/blank-\(profile).json"), to: blank)
        try await reader.insert(image: blank)
        let empty = try HandbookCard(transport: try reader.connect()).read()
        #expect(empty.document == nil && empty.info.profileName == profile)
        try await reader.remove()
    }
}

extension CardStackTests {
    @Test("waiting for a card sees it arrive, counts insertions, and can be cancelled")
    func waitingForCards() async throws {
        let reader = try await VirtualReader(profile: "handbook-32k")
        let name = reader.readerName
        let before = try reader.context.state(of: name)
        #expect(!before.hasCard)

        // A wait with a card arriving meanwhile.
        // pcsc-lite may first report a change of the empty reader's other state bits (a removal by
        // the previous test settling, under load): the waiter waits on from what it saw, as a real
        // one does, until the card is there.
        let waiter = Task.detached { () throws -> PCSCContext.ReaderState? in
            let context = try PCSCContext()
            var known: PCSCContext.ReaderState? = before
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                let states = try context.waitForChange([name: known], timeoutMilliseconds: 10_000)
                guard let state = states.first(where: { $0.reader == name }) else { continue }
                if state.hasCard { return state }
                known = state
            }
            return nil
        }
        try await Task.sleep(for: .milliseconds(100))
        try await reader.insert()
        let seen = try #require(try await waiter.value, "no card seen within 10 s")
        #expect(seen.hasCard)
        #expect(seen.atr.first == 0x3B)
        #expect(seen.eventCount != before.eventCount, "pcsc-lite counts the insertion")

        // A card swapped between two looks changes the event counter though the reader looks the same.
        try await reader.remove()
        try await reader.insert()
        let swapped = try reader.context.state(of: name)
        #expect(swapped.hasCard && swapped.eventCount != seen.eventCount)

        // A wait on an unchanged reader ends when cancelled, with the typed error.
        let context = try PCSCContext()
        let blocked = Task.detached { () -> CardError.Code? in
            do throws(CardError) {
                _ = try context.waitForChange([name: swapped], timeoutMilliseconds: 30_000)
                return nil
            } catch {
                return error.code
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        context.cancel()
        #expect(await blocked.value == .cancelled)

        // Through the executor: cancelling the waiting task ends the wait (SCardCancel), and the
        // executor goes on serving. Uncancelled, the wait would return the states after 5 s.
        let executor = CardExecutor(name: "test-wait")
        let waiting = Task { () -> CardError.Code? in
            do throws(CardError) {
                _ = try await executor.waitForChange([name: swapped], timeoutMilliseconds: 5_000)
                return nil
            } catch {
                return error.code
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        waiting.cancel()
        #expect(await waiting.value == .cancelled)
        #expect(try await executor.run { context throws(CardError) in try context.readers() }.contains(name))
        try await reader.remove()
    }
}

extension CardStackTests {
    @Test("a first issuance torn in its commit reads as an incomplete issuance, not as a blank card")
    func tornFirstIssuance() async throws {
        let reader = try await VirtualReader(profile: "handbook-64k")
        try await reader.insert()
        let card = HandbookCard(transport: try reader.connect())
        let info = try card.selectAndReadInfo()
        let key = try card.personalise(algorithm: .ecdsaP256SHA256, masterKey: try Repository.masterKey())
        let document = try signedDocument(for: info.serial, cardKey: key, slotSize: info.slotSize, seed: 21)
        // Count the commands of the write on a copy, then tear the last one (the commit) half-way.
        try await reader.remove()
        let personalised = try Data(contentsOf: reader.imageURL)
        try await reader.insert()
        _ = try HandbookCard(transport: try reader.connect()).write(
            document: document, masterKey: try Repository.masterKey())
        let total = try #require(reader.insertion).commandCount
        try await reader.remove()
        try personalised.write(to: reader.imageURL)
        try await reader.insert(faults: FaultPlan(powerLossAtCommand: total, tearMode: .partial))
        #expect(throws: (any Error).self) {
            _ = try HandbookCard(transport: try reader.connect()).write(
                document: document, masterKey: try Repository.masterKey())
        }
        try await reader.waitUntilGone()
        try await reader.insert()
        #expect {
            _ = try HandbookCard(transport: try reader.connect()).read()
        } throws: { error in
            guard case .content(.incompleteIssuance) = error as? CardReadError else { return false }
            return true
        }
        try await reader.remove()
    }
}
