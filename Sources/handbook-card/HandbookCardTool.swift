import ArgumentParser
import CardReader
import CodedErrors
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816

/// The low-level card tool of a licensing office's technician: list readers, read, personalise and
/// write handbook cards through PC/SC.
@main
struct HandbookCardTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handbook-card",
        abstract: "Read, personalise and write handbook cards through PC/SC.",
        subcommands: [Readers.self, Read.self, Personalise.self, Write.self])
}

struct ReaderOptions: ParsableArguments {
    @Option(help: "The reader; by default the first reader with a card.")
    var reader: String?

    @Flag(help: "Print every APDU exchanged (cryptograms withheld).")
    var trace = false

    func connect() throws -> (PCSCContext, CardConnection) {
        let context = try PCSCContext()
        let name: String
        if let reader {
            name = reader
        } else {
            let readers = try context.readers()
            guard !readers.isEmpty else {
                throw CardError(.noReader, "no reader is attached; attach one or start the virtual reader")
            }
            guard let withCard = try readers.first(where: { try context.state(of: $0).hasCard }) else {
                throw CardError(
                    .noCard, "no reader holds a card; insert one (readers: \(readers.joined(separator: ", ")))")
            }
            name = withCard
        }
        return (context, try context.connect(reader: name, trace: trace ? APDUTrace() : nil))
    }

    /// The card-management master key from its hex file.
    func masterKey(_ path: String) throws -> SymmetricKey {
        try SymmetricKey(hex: try String(contentsOfFile: path, encoding: .utf8))
    }

    /// Connects to the card, runs `body`, prints the trace if asked, and turns any error into a
    /// message on standard error and an exit code.
    func withCard(_ body: (CardConnection) throws -> Void) throws {
        do {
            let (_, connection) = try connect()
            defer { printTrace(connection) }
            try body(connection)
        } catch {
            throw fail(error)
        }
    }

    func printTrace(_ connection: CardConnection) {
        guard let trace = connection.trace else { return }
        for entry in trace.entries { print(entry) }
    }
}

func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("handbook-card: \(error)\n".utf8))
    // The exit code of the error's kind, as every tool of the project answers (69 no pcscd, 76 a
    // card breaking the protocol, 65 bad input, 70 anything else).
    return ExitCode(kind(of: error).exitCode)
}

struct Readers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the readers and whether each holds a card.")

    func run() throws {
        do {
            let context = try PCSCContext()
            for reader in try context.readers() {
                let state = try context.state(of: reader)
                print("\(reader)\t\(state.hasCard ? "card" : "empty")")
            }
        } catch {
            throw fail(error)
        }
    }
}

struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read the card's info, commit record and document.")

    @OptionGroup var options: ReaderOptions

    @Option(help: "Write the document's bytes to this file.")
    var out: String?

    func run() throws {
        try options.withCard { connection in
            let card = HandbookCard(transport: connection)
            let readout = try card.read()
            print("card \(readout.info.serial), \(readout.info.profileName), slot \(readout.info.slotSize) bytes")
            if let status = readout.status, let document = readout.document {
                print("document: \(document.count) bytes in slot \(status.activeSlot), commit \(status.sequence)")
                if let out { try Data(document).write(to: URL(fileURLWithPath: out)) }
            } else {
                print("no document committed")
            }
            print(
                "\(card.channel.commandCount) commands, \(card.channel.bytesSent) bytes sent, \(card.channel.bytesReceived) received"
            )
        }
    }
}

struct Personalise: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Have the card generate its authentication key pair.")

    @OptionGroup var options: ReaderOptions

    @Option(help: "p256 or sm2.")
    var algorithm = "p256"

    @Option(help: "The issuer's card-management master key (hex file).")
    var masterKey = "Keys/issuer-master-key.hex"

    func run() throws {
        try options.withCard { connection in
            let key = try options.masterKey(masterKey)
            let publicKey = try HandbookCard(transport: connection).personalise(
                algorithm: algorithm == "sm2" ? .sm2SM3 : .ecdsaP256SHA256, masterKey: key)
            print(
                "card key pair generated: \(publicKey.algorithm.rawValue), \(publicKey.spkiDER.count)-byte public key")
        }
    }
}

struct Write: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a signed document to the card, tear-safe.")

    @OptionGroup var options: ReaderOptions

    @Option(help: "The document's bytes.")
    var document: String

    @Option(help: "The issuer's card-management master key (hex file).")
    var masterKey = "Keys/issuer-master-key.hex"

    func run() throws {
        try options.withCard { connection in
            let key = try options.masterKey(masterKey)
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: document)))
            let record = try HandbookCard(transport: connection).write(document: bytes, masterKey: key)
            print("committed \(record.documentLength) bytes to slot \(record.activeSlot), commit \(record.sequence)")
        }
    }
}
