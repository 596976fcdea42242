import Foundation
import HandbookCodec
import HandbookCrypto
import ISO7816

/// How a command in progress is applied when the card loses power during it.
public enum TearMode: String, Sendable, CaseIterable, Codable {
    /// The command's effect is complete, but no answer is sent.
    case full
    /// Only a prefix of the command's bytes reaches the file.
    case partial
    /// Nothing of the command reaches the file.
    case none
}

/// The card operating system of the virtual handbook card: an ISO/IEC 7816-4 file system with the
/// handbook application (Cards/FORMAT.md §1) and the behaviour of a card profile.
///
/// It answers command APDUs and keeps its state in a ``CardImage``; it knows nothing of sockets.
public final class CardOS: @unchecked Sendable {
    // @unchecked: one connection thread drives a card; the owner reads `image` only between sessions.
    public private(set) var image: CardImage
    let profile: CardProfile
    private let serial: CardSerial
    private let managementKey: SymmetricKey

    // Volatile state, lost on reset or power-off.
    private var applicationSelected = false
    private var selectedFile: CardLayout.File?
    private var authenticated = false
    private var challenge: [UInt8]?
    private var pendingResponse: [UInt8] = []
    private var chainedData: [UInt8] = []
    /// The authentication key parsed from the image's PEM, kept while the PEM is the same (a real
    /// card holds its key ready; parsing PEM at every INTERNAL AUTHENTICATE cost more than signing).
    private var parsedKey: (pem: String, key: PrivateKey)?

    /// Called after every change of the persistent state, to save the image.
    var onChange: (CardImage) -> Void = { _ in }

    public init(image: CardImage) throws {
        guard let profile = image.profile else { throw VirtualCardError("unknown card profile \(image.profileName)") }
        self.image = image
        self.profile = profile
        serial = try CardSerial(hex: image.serial)
        managementKey = try SymmetricKey(hex: image.managementKey)
    }

    /// The answer to reset: T=1, historical bytes "YRDHB".
    public var atr: [UInt8] {
        let body: [UInt8] = [0x85, 0x80, 0x01] + Array("YRDHB".utf8)
        return [0x3B] + body + [body.reduce(0, ^)]
    }

    /// Power on or reset: the security state and the selection are lost.
    public func reset() {
        applicationSelected = false
        selectedFile = nil
        authenticated = false
        challenge = nil
        pendingResponse = []
        chainedData = []
    }

    /// Processes one command APDU and returns the response APDU.
    public func process(_ apdu: [UInt8]) -> [UInt8] {
        process(apdu, tear: nil)
    }

    /// Processes a command the card loses power during, applied as `tear` says; no answer.
    public func processTorn(_ apdu: [UInt8], tear: TearMode) {
        _ = process(apdu, tear: tear)
    }

    private func process(_ apdu: [UInt8], tear: TearMode?) -> [UInt8] {
        guard let command = CommandAPDU(parsing: apdu, extendedAllowed: profile.extendedLength) else {
            return StatusWord.bytes(StatusWord.wrongLength)
        }
        guard command.cla & 0xEF == 0x00 else { return StatusWord.bytes(StatusWord.classNotSupported) }
        // A command other than GET RESPONSE drops any response still waiting.
        if command.ins != Instruction.getResponse { pendingResponse = [] }
        guard command.data.count <= profile.maxCommandData else { return StatusWord.bytes(StatusWord.wrongLength) }
        if command.cla & 0x10 != 0 {
            chainedData += command.data
            guard chainedData.count <= profile.slotSize + 64 else {
                chainedData = []
                return StatusWord.bytes(StatusWord.wrongLength)
            }
            return StatusWord.bytes(StatusWord.success)
        }
        var full = command
        if !chainedData.isEmpty {
            full.data = chainedData + command.data
            chainedData = []
        }
        if full.ne > profile.maxResponseData && !(profile.isT0 && full.ne == 256) {
            return StatusWord.bytes(StatusWord.wrongLength)
        }
        let (data, sw) = execute(full, tear: tear)
        return respond(data: data, sw: sw, command: full)
    }

    /// Shapes an answer the way the profile's protocol does.
    private func respond(data: [UInt8], sw: UInt16, command: CommandAPDU) -> [UInt8] {
        guard sw == StatusWord.success || sw == StatusWord.endOfFile, !data.isEmpty else { return StatusWord.bytes(sw) }
        if profile.isT0 {
            // Case 4 (data in and out): the answer waits, announced with 61xx.
            if !command.data.isEmpty || command.ins == Instruction.getResponse {
                if command.ins != Instruction.getResponse { pendingResponse = data }
                return announceOrSend(command: command)
            }
            // Case 2 with the wrong Le: 6Cxx tells the right one.
            if data.count != command.ne && data.count < 256 {
                return StatusWord.bytes(StatusWord.wrongLe(available: data.count))
            }
        }
        return Array(data.prefix(command.ne)) + StatusWord.bytes(sw)
    }

    private func announceOrSend(command: CommandAPDU) -> [UInt8] {
        if command.ins != Instruction.getResponse {
            return StatusWord.bytes(StatusWord.moreData(pendingResponse.count))
        }
        let count = min(command.ne, pendingResponse.count)
        let part = Array(pendingResponse.prefix(count))
        pendingResponse.removeFirst(count)
        if pendingResponse.isEmpty { return part + StatusWord.bytes(StatusWord.success) }
        return part + StatusWord.bytes(StatusWord.moreData(pendingResponse.count))
    }

    private func execute(_ command: CommandAPDU, tear: TearMode?) -> ([UInt8], UInt16) {
        switch command.ins {
        case Instruction.select: return select(command)
        case Instruction.readBinary: return readBinary(command)
        case Instruction.updateBinary: return updateBinary(command, tear: tear)
        case Instruction.getChallenge: return getChallenge(command)
        case Instruction.externalAuthenticate: return externalAuthenticate(command)
        case Instruction.generateAsymmetricKeyPair: return generateKeyPair(command, tear: tear)
        case Instruction.internalAuthenticate: return internalAuthenticate(command)
        case Instruction.getResponse:
            guard profile.isT0, !pendingResponse.isEmpty else { return ([], StatusWord.conditionsNotSatisfied) }
            return (pendingResponse, StatusWord.success)
        default: return ([], StatusWord.instructionNotSupported)
        }
    }

    private func select(_ command: CommandAPDU) -> ([UInt8], UInt16) {
        switch (command.p1, command.p2) {
        case (0x04, 0x00), (0x04, 0x0C):
            guard command.data == CardLayout.aid else { return ([], StatusWord.notFound) }
            applicationSelected = true
            selectedFile = nil
            // P2 = 00 asks for the FCI, which carries EF.CardInfo's element.
            guard command.p2 == 0x00, let info = try? CardInfo(decodingFile: Array(image.cardInfo)) else {
                return ([], StatusWord.success)
            }
            return (info.fileControlInformation, StatusWord.success)
        case (0x00, 0x0C), (0x02, 0x0C), (0x00, 0x00):
            guard applicationSelected else { return ([], StatusWord.notFound) }
            guard command.data.count == 2,
                let file = CardLayout.File(rawValue: UInt16(command.data[0]) << 8 | UInt16(command.data[1]))
            else { return ([], StatusWord.notFound) }
            selectedFile = file
            return ([], StatusWord.success)
        default:
            return ([], StatusWord.wrongP1P2)
        }
    }

    private func readBinary(_ command: CommandAPDU) -> ([UInt8], UInt16) {
        let offset: Int
        if command.p1 & 0x80 != 0 {
            // Short file identifier: select the file and read from an 8-bit offset.
            guard applicationSelected, command.p1 & 0x60 == 0,
                let file = CardLayout.File(shortIdentifier: command.p1 & 0x1F)
            else {
                return ([], StatusWord.notFound)
            }
            selectedFile = file
            offset = Int(command.p2)
        } else {
            offset = Int(command.p1) << 8 | Int(command.p2)
        }
        guard let file = selectedFile else { return ([], StatusWord.conditionsNotSatisfied) }
        let content = image.file(file)
        guard offset < content.count else { return ([], StatusWord.offsetOutside) }
        let wanted = command.ne == 0 ? 256 : command.ne
        let available = min(wanted, content.count - offset)
        let bytes = Array(content[offset..<(offset + available)])
        return (bytes, available < wanted ? StatusWord.endOfFile : StatusWord.success)
    }

    private func updateBinary(_ command: CommandAPDU, tear: TearMode?) -> ([UInt8], UInt16) {
        guard command.p1 & 0x80 == 0 else { return ([], StatusWord.wrongP1P2) }
        guard let file = selectedFile else { return ([], StatusWord.conditionsNotSatisfied) }
        guard file != .cardInfo, authenticated else { return ([], StatusWord.securityNotSatisfied) }
        let offset = Int(command.p1) << 8 | Int(command.p2)
        var content = image.file(file)
        guard offset + command.data.count <= content.count else { return ([], StatusWord.offsetOutside) }
        var data = command.data
        switch tear {
        case .none?: return ([], StatusWord.success)
        case .partial?: data = Array(data.prefix(data.count / 2))
        case .full?, nil: break
        }
        content.replaceSubrange(offset..<(offset + data.count), with: data)
        image.setFile(file, content)
        onChange(image)
        return ([], StatusWord.success)
    }

    private func getChallenge(_ command: CommandAPDU) -> ([UInt8], UInt16) {
        guard command.p1 == 0, command.p2 == 0 else { return ([], StatusWord.wrongP1P2) }
        guard command.ne == 8 else { return ([], StatusWord.wrongLength) }
        guard let random = try? randomBytes(8) else { return ([], StatusWord.unknownError) }
        challenge = random
        return (random, StatusWord.success)
    }

    private func externalAuthenticate(_ command: CommandAPDU) -> ([UInt8], UInt16) {
        guard command.p1 == 0, command.p2 == CardLayout.cardManagementKey else {
            return ([], StatusWord.referenceNotFound)
        }
        guard image.externalAuthenticateTriesLeft > 0 else { return ([], StatusWord.blocked) }
        guard let challenge else { return ([], StatusWord.conditionsNotSatisfied) }
        self.challenge = nil  // used once
        guard command.data.count == 16 else { return ([], StatusWord.wrongLength) }
        let expected =
            (try? CardKeys.externalAuthenticateCryptogram(cardKey: managementKey, challenge: challenge)) ?? []
        if !expected.isEmpty && constantTimeEquals(expected, command.data) {
            image.externalAuthenticateTriesLeft = CardLayout.externalAuthenticateTries
            authenticated = true
            onChange(image)
            return ([], StatusWord.success)
        }
        image.externalAuthenticateTriesLeft -= 1
        authenticated = false
        onChange(image)
        // The failure that uses the last try still says "wrong, 0 left" (63C0); later ones: blocked.
        return ([], StatusWord.triesLeft(image.externalAuthenticateTriesLeft))
    }

    private func generateKeyPair(_ command: CommandAPDU, tear: TearMode?) -> ([UInt8], UInt16) {
        guard command.p1 == 0, command.p2 == CardLayout.cardAuthenticationKey else { return ([], StatusWord.wrongP1P2) }
        guard authenticated else { return ([], StatusWord.securityNotSatisfied) }
        guard command.data.count == 3, command.data[0] == 0x80, command.data[1] == 0x01 else {
            return ([], StatusWord.incorrectData)
        }
        let algorithm: SignatureAlgorithm
        switch command.data[2] {
        case 0x01: algorithm = .ecdsaP256SHA256
        case 0x02: algorithm = .sm2SM3
        default: return ([], StatusWord.incorrectData)
        }
        guard let key = try? PrivateKey.generate(algorithm), let pem = try? key.pemEncoded() else {
            return ([], StatusWord.unknownError)
        }
        if tear == TearMode.none { return ([], StatusWord.success) }
        image.authenticationKeyAlgorithm = algorithm
        image.authenticationKeyPEM = pem
        onChange(image)
        return (key.publicKey.spkiDER, StatusWord.success)
    }

    private func internalAuthenticate(_ command: CommandAPDU) -> ([UInt8], UInt16) {
        guard command.p1 == 0, command.p2 == CardLayout.cardAuthenticationKey else { return ([], StatusWord.wrongP1P2) }
        // Cards/FORMAT.md §1.5: the challenge is 16 bytes, no more, no fewer.
        guard command.data.count == 16 else { return ([], StatusWord.wrongLength) }
        guard let pem = image.authenticationKeyPEM else { return ([], StatusWord.referenceNotFound) }
        let key: PrivateKey
        if let parsedKey, parsedKey.pem == pem {
            key = parsedKey.key
        } else {
            guard let parsed = try? PrivateKey(pemEncoded: pem) else { return ([], StatusWord.referenceNotFound) }
            parsedKey = (pem, parsed)
            key = parsed
        }
        guard let signature = try? key.sign(command.data + serial.bytes) else { return ([], StatusWord.unknownError) }
        return (signature, StatusWord.success)
    }
}

/// A virtual card that cannot start.
public struct VirtualCardError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
