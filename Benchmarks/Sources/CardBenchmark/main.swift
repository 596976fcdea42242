import BenchmarkSupport
import CardReader
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816
import VirtualCard

// For each card profile, through the real pcscd and the virtual card in "Virtual PCD 00 00": the
// commands and bytes of one tap (read and authenticate) and of one document write, each beside the
// fewest commands the profile's APDU sizes allow; and the wall time of many taps (median, p99).
// Run from the repository root with pcscd running (make bench starts it).

func load(_ path: String) throws -> String { try String(contentsOfFile: "Keys/" + path, encoding: .utf8) }

let options = BenchmarkOptions(
    usage: """
        usage: CardBenchmark [--taps N]
          For each card profile, the commands, bytes and wall time of a tap and of a document write
          through pcscd and the virtual card (run from the repository root, pcscd running).
          --taps N   taps per profile (default 300, or BENCH_TAPS)
        """, values: ["--taps"])
let reader = "Virtual PCD 00 00"
let taps = options.integer(
    "--taps", default: Int(ProcessInfo.processInfo.environment["BENCH_TAPS"] ?? "300") ?? 300, in: 1...1_000_000)
requireReader(reader) { (try? PCSCContext().readers().contains(reader)) ?? false }
let masterKey = try SymmetricKey(hex: try load("issuer-master-key.hex"))
let context = try PCSCContext()
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("card-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }

func waitFor(card: Bool) throws {
    try context.waitUntil(reader: reader, hasCard: card, timeout: .seconds(10))
}

print(
    "Card I/O through pcscd and vpcd (\(taps) taps per profile; a tap = connect, SELECT, read status and document, INTERNAL AUTHENTICATE)"
)
print(
    pad("profile", 14) + pad("document", 10) + pad("tap cmds (min)", 16) + pad("tap bytes", 11)
        + pad("write cmds (min)", 18)
        + pad("write bytes", 13) + pad("tap median", 12) + "tap p99")
for profile in CardProfile.all {
    let image = folder.appendingPathComponent("\(profile.name).json")
    let serial = try CardSerial(
        hex: "86560000000000\(profile.name == "handbook-8k" ? "08" : profile.name == "handbook-32k" ? "32" : "64")")
    try CardImage.blank(profile: profile, serial: serial, masterKey: masterKey).save(to: image)
    let insertion = try VirtualCardInsertion(imageURL: image, port: 35963)
    try waitFor(card: true)

    let card = HandbookCard(transport: try context.connect(reader: reader))
    let cardKey = try card.personalise(algorithm: .ecdsaP256SHA256, masterKey: masterKey)
    var rng = SeededGenerator(seed: 5)
    let view = try SyntheticData.view(
        qualifications: 3, practitioners: 6, projects: 8, goodRecords: 3, badRecords: 2, using: &rng)
    let region = try RegionCode("310000")
    let issue = DocumentIssue(
        documentNumber: try DocumentNumber(region: region, serial: 1), cardSerial: serial, cardPublicKey: cardKey,
        issuedAt: Date(),
        expiresOn: CardDate(daysSince1970: Int(Date().timeIntervalSince1970 / 86_400) + 365),
        issuingOffice: IssuingOffice(region: region, name: "上海市发证窗口"), databaseRevision: 1, slotSize: profile.slotSize)
    let document = try HandbookSigner.sign(
        view: view, issue: issue, officeKey: try PrivateKey(pemEncoded: try load("p256/office-310000.key.pem")),
        officeCertificate: try Certificate(pemEncoded: try load("p256/office-310000.pem")))
    _ = try card.write(document: document, masterKey: masterKey)  // so the measured write replaces a document

    card.channel.resetCounters()
    _ = try card.write(document: document, masterKey: masterKey)
    let (writeCommands, writeBytes) = (card.channel.commandCount, card.channel.bytesSent + card.channel.bytesReceived)
    (card.channel.transport as? CardConnection)?.disconnect()

    // The fewest commands the profile allows: on a T=0 card every answer to a command with data
    // (SELECT, INTERNAL AUTHENTICATE) costs a GET RESPONSE more.
    let t0 = profile.isT0 ? 1 : 0
    let reads = { (length: Int) in (length + profile.maxResponseData - 1) / profile.maxResponseData }
    let writes = (document.count + profile.maxCommandData - 1) / profile.maxCommandData
    let minimumTap = (1 + t0) + 1 + reads(document.count) + (1 + t0)
    // Find the current document (SELECT, status, slot), challenge, authenticate, SELECT the slot,
    // write, read back, SELECT EF.Status, commit.
    let minimumWrite = (1 + t0) + 1 + reads(document.count) + 2 + 1 + writes + reads(document.count) + 1 + 1

    var samples: [Double] = []
    var tapCommands = 0
    var tapBytes = 0
    let clock = ContinuousClock()
    for _ in 0..<taps {
        let start = clock.now
        let connection = try context.connect(reader: reader)
        let tap = HandbookCard(transport: connection)
        let readout = try tap.read()
        guard try tap.internalAuthenticate(publicKey: cardKey, serial: readout.info.serial) else {
            fatalError("authentication failed")
        }
        connection.disconnect()
        samples.append(milliseconds(clock.now - start))
        tapCommands = tap.channel.commandCount
        tapBytes = tap.channel.bytesSent + tap.channel.bytesReceived
    }
    print(
        pad(profile.name, 14) + pad("\(document.count) B", 10) + pad("\(tapCommands) (\(minimumTap))", 16)
            + pad("\(tapBytes)", 11)
            + pad("\(writeCommands) (\(minimumWrite))", 18) + pad("\(writeBytes)", 13)
            + pad(format(percentile(samples, 0.5), decimals: 2) + " ms", 12)
            + format(percentile(samples, 0.99), decimals: 2) + " ms")
    insertion.pull()
    try waitFor(card: false)
}
