import Foundation
import HandbookCodec
import HandbookConfiguration
import HandbookCrypto

/// Everything a virtual card remembers, as it is kept on disk between insertions: a card can be
/// "taken out" (the process ends, the socket closes) and "put back" (a new process loads the file).
///
/// The image holds the card's secrets (its management key, its authentication private key) the way
/// a card's EEPROM does: images are TEST cards and must be treated like `Keys/`.
public struct CardImage: Codable, Sendable, Equatable {
    public var profileName: String
    /// The card serial, 16 hex digits.
    public var serial: String
    /// The card-management key (already diversified for this card), hex.
    public var managementKey: String
    /// EXTERNAL AUTHENTICATE attempts left before the key is blocked.
    public var externalAuthenticateTriesLeft: Int
    /// The card-authentication key pair generated on the card: algorithm and PKCS#8 PEM.
    public var authenticationKeyAlgorithm: SignatureAlgorithm?
    public var authenticationKeyPEM: String?
    /// The four files' bytes.
    public var cardInfo: Data
    public var status: Data
    public var slot0: Data
    public var slot1: Data

    /// Makes a blank card of `profile`: EF.CardInfo written, everything else zero, the management
    /// key derived from the issuer's master key and the serial, as a card manufacturer would.
    public static func blank(profile: CardProfile, serial: CardSerial, masterKey: SymmetricKey) throws -> CardImage {
        let key = try CardKeys.cardManagementKey(master: masterKey, cardSerial: serial.bytes)
        var info = CardInfo(serial: serial, profile: profile).encoded
        info += [UInt8](repeating: 0, count: CardLayout.smallFileSize - info.count)
        return CardImage(
            profileName: profile.name, serial: serial.description,
            managementKey: key.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() },
            externalAuthenticateTriesLeft: CardLayout.externalAuthenticateTries, authenticationKeyAlgorithm: nil,
            authenticationKeyPEM: nil, cardInfo: Data(info), status: Data(count: CardLayout.statusFileSize),
            slot0: Data(count: profile.slotSize), slot1: Data(count: profile.slotSize))
    }

    /// Loads an image file.
    public static func load(from url: URL) throws -> CardImage {
        try JSONDecoder().decode(CardImage.self, from: Data(contentsOf: url))
    }

    /// Saves the image atomically (a new file renamed over the old), like a card's EEPROM write:
    /// a crash leaves either the old or the new image.
    public func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try PrivateFile.write(try encoder.encode(self), to: url)
    }

    /// The card's profile.
    public var profile: CardProfile? { CardProfile.named(profileName) }

    func file(_ file: CardLayout.File) -> Data {
        switch file {
        case .cardInfo: return cardInfo
        case .status: return status
        case .slot0: return slot0
        case .slot1: return slot1
        }
    }

    mutating func setFile(_ file: CardLayout.File, _ data: Data) {
        switch file {
        case .cardInfo: cardInfo = data
        case .status: status = data
        case .slot0: slot0 = data
        case .slot1: slot1 = data
        }
    }
}

extension CardImage {
    /// The card's committed document changed by `change`, with the commit record rewritten to match:
    /// what someone with a card writer but no signing key could make of a card (the verifier must call
    /// it invalid). With `rewritingCommitRecord: false` the record is left as it was: what a write torn
    /// into the active slot leaves (incomplete issuance). Nil when the card holds no committed document.
    public func tampered(rewritingCommitRecord: Bool = true, _ change: (inout [UInt8]) -> Void) -> CardImage? {
        guard let record = CommitRecord.records(inFile: Array(status)).first else { return nil }
        var slot = [UInt8](record.activeSlot == 0 ? slot0 : slot1)
        guard record.documentLength <= slot.count else { return nil }
        var document = Array(slot[0..<record.documentLength])
        change(&document)
        guard document.count <= slot.count else { return nil }
        slot.replaceSubrange(0..<record.documentLength, with: document)
        let rewritten = CommitRecord(
            activeSlot: record.activeSlot, sequence: record.sequence, documentLength: document.count,
            documentHash: Digest.sha256.hash(document))
        var copy = self
        if record.activeSlot == 0 { copy.slot0 = Data(slot) } else { copy.slot1 = Data(slot) }
        guard rewritingCommitRecord else { return copy }
        copy.status.replaceSubrange(
            rewritten.fileOffset..<(rewritten.fileOffset + rewritten.fileBytes.count), with: rewritten.fileBytes)
        return copy
    }
}
