import ArgumentParser
import Foundation
import HandbookCodec
import HandbookConfiguration
import HandbookCrypto
import VirtualCard

/// A virtual handbook card for the vsmartcard vpcd reader: make a card image, insert it, inspect it.
@main
struct VirtualCardTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtual-card",
        abstract: "A virtual handbook card that real pcscd sees through the vsmartcard vpcd reader.",
        discussion: "Card images are TEST cards: they hold the card's keys, like Keys/.",
        subcommands: [Make.self, Run.self, Show.self, Tamper.self])

    /// Files this tool creates are its owner's only (umask 077): databases, card images, logs.
    static func main() async {
        PrivateFile.restrictProcessUmask()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

struct Make: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make a blank card image of a profile.")

    @Option(help: "The card profile: \(CardProfile.all.map(\.name).joined(separator: ", ")).")
    var profile = "handbook-32k"

    @Option(help: "The card serial, 16 hex digits.")
    var serial: String

    @Option(help: "The issuer's card-management master key, a file of 32 hex digits.")
    var masterKey = "Keys/issuer-master-key.hex"

    @Option(help: "Where to write the card image.")
    var out: String

    func run() throws {
        guard let cardProfile = CardProfile.named(profile) else {
            throw ValidationError(
                "unknown profile \(profile); use one of \(CardProfile.all.map(\.name).joined(separator: ", "))")
        }
        let cardSerial: CardSerial
        do {
            cardSerial = try CardSerial(hex: serial)
        } catch {
            throw ValidationError("--serial: \(error)")
        }
        let key = try SymmetricKey(hex: try String(contentsOfFile: masterKey, encoding: .utf8))
        try CardImage.blank(profile: cardProfile, serial: cardSerial, masterKey: key).save(
            to: URL(fileURLWithPath: out))
        print("blank \(cardProfile.name) card \(cardSerial) written to \(out)")
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Insert the card into a virtual reader and keep it there until this process ends.")

    @Option(help: "The card image (changes are saved back to it).")
    var image: String

    @Option(help: "The vpcd port: 35963 is 'Virtual PCD 00 00', 35964 'Virtual PCD 00 01'.")
    var port: UInt16 = 35963

    @Option(help: "Answer every command this many milliseconds late.")
    var delayMs = 0

    func run() async throws {
        let insertion = try VirtualCardInsertion(
            imageURL: URL(fileURLWithPath: image), port: port, faults: FaultPlan(delay: .milliseconds(delayMs)))
        print("card \(image) inserted into the reader on port \(port)")
        await insertion.waitUntilRemoved()
        print("card removed (the reader driver closed the connection)")
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print what a card image holds (never its keys).")

    @Option(help: "The card image.")
    var image: String

    func run() throws {
        let card = try CardImage.load(from: URL(fileURLWithPath: image))
        print("profile:        \(card.profileName)")
        print("serial:         \(card.serial)")
        print("personalised:   \(card.authenticationKeyAlgorithm?.rawValue ?? "no")")
        print("auth tries left: \(card.externalAuthenticateTriesLeft)")
        if let record = CommitRecord.records(inFile: Array(card.status)).first {
            print(
                "committed:      slot \(record.activeSlot), sequence \(record.sequence), \(record.documentLength) bytes"
            )
        } else {
            print("committed:      nothing")
        }
    }
}

struct Tamper: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Copy a card image with one byte of its committed document changed and the commit record made to match.",
        discussion: """
            What someone with a card writer but no signing key could do to a card: the copy still \
            presents a document, whose signature no longer holds. handbook-verify must call it invalid.
            """)

    @Option(help: "The card image to copy.")
    var image: String

    @Option(help: "Where to write the tampered copy.")
    var out: String

    @Option(help: "The byte of the document to change (default: the middle one).")
    var offset: Int?

    func run() throws {
        let card = try CardImage.load(from: URL(fileURLWithPath: image))
        var changed: Int?
        let copy = card.tampered { document in
            let index = offset ?? document.count / 2
            guard document.indices.contains(index) else { return }
            document[index] ^= 0x01
            changed = index
        }
        guard let copy else { throw ValidationError("\(image) holds no committed document to tamper with") }
        guard let changed else { throw ValidationError("--offset \(offset ?? 0) is outside the document") }
        try copy.save(to: URL(fileURLWithPath: out))
        print("\(out): byte \(changed) of the committed document changed, the commit record rewritten to match")
    }
}
