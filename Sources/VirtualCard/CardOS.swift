import Foundation
import HandbookCodec
import HandbookCrypto

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
        let command: ParsedCommand
        switch ParsedCommand.parse(apdu, extendedAllowed: profile.extendedLength) {
        case .success(let parsed): command = parsed
        case .failure(let sw): return sw.bytes
        }
        guard command.cla & 0xEF == 0x00 else { return SW.claNotSupported.bytes }
        // A command other than GET RESPONSE drops any response still waiting.
        if command.ins != 0xC0 { pendingResponse = [] }
        guard command.data.count <= profile.maxCommandData else { return SW.wrongLength.bytes }
        if command.cla & 0x10 != 0 {
            chainedData += command.data
            guard chainedData.count <= profile.slotSize + 64 else {
                chainedData = []
                return SW.wrongLength.bytes
            }
            return SW.success.bytes
        }
        var full = command
        if !chainedData.isEmpty {
            full.data = chainedData + command.data
            chainedData = []
        }
        if full.ne > profile.maxResponseData && !(profile.isT0 && full.ne == 256) { return SW.wrongLength.bytes }
        let (data, sw) = execute(full, tear: tear)
        return respond(data: data, sw: sw, command: full)
    }

    /// Shapes an answer the way the profile's protocol does.
    private func respond(data: [UInt8], sw: SW, command: ParsedCommand) -> [UInt8] {
        guard sw == .success || sw == .endOfFile, !data.isEmpty else { return sw.bytes }
        if profile.isT0 {
            // Case 4 (data in and out): the answer waits, announced with 61xx.
            if !command.data.isEmpty || command.ins == 0xC0 {
                if command.ins != 0xC0 { pendingResponse = data }
                return announceOrSend(command: command)
            }
            // Case 2 with the wrong Le: 6Cxx tells the right one.
            if data.count != command.ne && data.count < 256 {
                return SW(0x6C00 | UInt16(data.count)).bytes
            }
        }
        return Array(data.prefix(command.ne)) + sw.bytes
    }

    private func announceOrSend(command: ParsedCommand) -> [UInt8] {
        if command.ins != 0xC0 {
            return SW(0x6100 | UInt16(min(pendingResponse.count, 256) & 0xFF)).bytes
        }
        let count = min(command.ne, pendingResponse.count)
        let part = Array(pendingResponse.prefix(count))
        pendingResponse.removeFirst(count)
        if pendingResponse.isEmpty { return part + SW.success.bytes }
        return part + SW(0x6100 | UInt16(min(pendingResponse.count, 256) & 0xFF)).bytes
    }

    private func execute(_ command: ParsedCommand, tear: TearMode?) -> ([UInt8], SW) {
        switch command.ins {
        case 0xA4: return select(command)
        case 0xB0: return readBinary(command)
        case 0xD6: return updateBinary(command, tear: tear)
        case 0x84: return getChallenge(command)
        case 0x82: return externalAuthenticate(command)
        case 0x46: return generateKeyPair(command, tear: tear)
        case 0x88: return internalAuthenticate(command)
        case 0xC0:
            guard profile.isT0, !pendingResponse.isEmpty else { return ([], .conditionsNotSatisfied) }
            return (pendingResponse, .success)
        default: return ([], .insNotSupported)
        }
    }

    private func select(_ command: ParsedCommand) -> ([UInt8], SW) {
        switch (command.p1, command.p2) {
        case (0x04, 0x00), (0x04, 0x0C):
            guard command.data == CardLayout.aid else { return ([], .notFound) }
            applicationSelected = true
            selectedFile = nil
            // P2 = 00 asks for the FCI, which carries EF.CardInfo's element.
            guard command.p2 == 0x00, let info = try? CardInfo(decodingFile: Array(image.cardInfo)) else {
                return ([], .success)
            }
            return (info.fileControlInformation, .success)
        case (0x00, 0x0C), (0x02, 0x0C), (0x00, 0x00):
            guard applicationSelected else { return ([], .notFound) }
            guard command.data.count == 2,
                let file = CardLayout.File(rawValue: UInt16(command.data[0]) << 8 | UInt16(command.data[1]))
            else { return ([], .notFound) }
            selectedFile = file
            return ([], .success)
        default:
            return ([], .wrongP1P2)
        }
    }

    private func readBinary(_ command: ParsedCommand) -> ([UInt8], SW) {
        let offset: Int
        if command.p1 & 0x80 != 0 {
            // Short file identifier: select the file and read from an 8-bit offset.
            guard applicationSelected, command.p1 & 0x60 == 0,
                let file = CardLayout.File(shortIdentifier: command.p1 & 0x1F)
            else {
                return ([], .notFound)
            }
            selectedFile = file
            offset = Int(command.p2)
        } else {
            offset = Int(command.p1) << 8 | Int(command.p2)
        }
        guard let file = selectedFile else { return ([], .conditionsNotSatisfied) }
        let content = image.file(file)
        guard offset < content.count else { return ([], .offsetOutside) }
        let wanted = command.ne == 0 ? 256 : command.ne
        let available = min(wanted, content.count - offset)
        let bytes = Array(content[offset..<(offset + available)])
        return (bytes, available < wanted ? .endOfFile : .success)
    }

    private func updateBinary(_ command: ParsedCommand, tear: TearMode?) -> ([UInt8], SW) {
        guard command.p1 & 0x80 == 0 else { return ([], .wrongP1P2) }
        guard let file = selectedFile else { return ([], .conditionsNotSatisfied) }
        guard file != .cardInfo, authenticated else { return ([], .securityNotSatisfied) }
        let offset = Int(command.p1) << 8 | Int(command.p2)
        var content = image.file(file)
        guard offset + command.data.count <= content.count else { return ([], .offsetOutside) }
        var data = command.data
        switch tear {
        case .none?: return ([], .success)
        case .partial?: data = Array(data.prefix(data.count / 2))
        case .full?, nil: break
        }
        content.replaceSubrange(offset..<(offset + data.count), with: data)
        image.setFile(file, content)
        onChange(image)
        return ([], .success)
    }

    private func getChallenge(_ command: ParsedCommand) -> ([UInt8], SW) {
        guard command.p1 == 0, command.p2 == 0 else { return ([], .wrongP1P2) }
        guard command.ne == 8 else { return ([], .wrongLength) }
        guard let random = try? randomBytes(8) else { return ([], .unknownError) }
        challenge = random
        return (random, .success)
    }

    private func externalAuthenticate(_ command: ParsedCommand) -> ([UInt8], SW) {
        guard command.p1 == 0, command.p2 == CardLayout.cardManagementKey else { return ([], .referenceNotFound) }
        guard image.externalAuthenticateTriesLeft > 0 else { return ([], .blocked) }
        guard let challenge else { return ([], .conditionsNotSatisfied) }
        self.challenge = nil  // used once
        guard command.data.count == 16 else { return ([], .wrongLength) }
        let expected =
            (try? CardKeys.externalAuthenticateCryptogram(cardKey: managementKey, challenge: challenge)) ?? []
        if !expected.isEmpty && constantTimeEqual(expected, command.data) {
            image.externalAuthenticateTriesLeft = CardLayout.externalAuthenticateTries
            authenticated = true
            onChange(image)
            return ([], .success)
        }
        image.externalAuthenticateTriesLeft -= 1
        authenticated = false
        onChange(image)
        // The failure that uses the last try still says "wrong, 0 left" (63C0); later ones: blocked.
        return ([], SW(0x63C0 | UInt16(clamping: min(image.externalAuthenticateTriesLeft, 15))))
    }

    private func generateKeyPair(_ command: ParsedCommand, tear: TearMode?) -> ([UInt8], SW) {
        guard command.p1 == 0, command.p2 == CardLayout.cardAuthenticationKey else { return ([], .wrongP1P2) }
        guard authenticated else { return ([], .securityNotSatisfied) }
        guard command.data.count == 3, command.data[0] == 0x80, command.data[1] == 0x01 else {
            return ([], .incorrectData)
        }
        let algorithm: SignatureAlgorithm
        switch command.data[2] {
        case 0x01: algorithm = .ecdsaP256SHA256
        case 0x02: algorithm = .sm2SM3
        default: return ([], .incorrectData)
        }
        guard let key = try? PrivateKey.generate(algorithm), let pem = try? key.pemEncoded() else {
            return ([], .unknownError)
        }
        if tear == TearMode.none { return ([], .success) }
        image.authenticationKeyAlgorithm = algorithm
        image.authenticationKeyPEM = pem
        onChange(image)
        return (key.publicKey.spkiDER, .success)
    }

    private func internalAuthenticate(_ command: ParsedCommand) -> ([UInt8], SW) {
        guard command.p1 == 0, command.p2 == CardLayout.cardAuthenticationKey else { return ([], .wrongP1P2) }
        // Cards/FORMAT.md §1.5: the challenge is 16 bytes, no more, no fewer.
        guard command.data.count == 16 else { return ([], .wrongLength) }
        guard let pem = image.authenticationKeyPEM else { return ([], .referenceNotFound) }
        let key: PrivateKey
        if let parsedKey, parsedKey.pem == pem {
            key = parsedKey.key
        } else {
            guard let parsed = try? PrivateKey(pemEncoded: pem) else { return ([], .referenceNotFound) }
            parsedKey = (pem, parsed)
            key = parsed
        }
        guard let signature = try? key.sign(command.data + serial.bytes) else { return ([], .unknownError) }
        return (signature, .success)
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// A status word.
struct SW: Error, Equatable, Sendable {
    let value: UInt16
    init(_ value: UInt16) { self.value = value }
    var bytes: [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    static let success = SW(0x9000)
    static let endOfFile = SW(0x6282)
    static let wrongLength = SW(0x6700)
    static let securityNotSatisfied = SW(0x6982)
    static let blocked = SW(0x6983)
    static let conditionsNotSatisfied = SW(0x6985)
    static let incorrectData = SW(0x6A80)
    static let notFound = SW(0x6A82)
    static let wrongP1P2 = SW(0x6A86)
    static let referenceNotFound = SW(0x6A88)
    static let offsetOutside = SW(0x6B00)
    static let insNotSupported = SW(0x6D00)
    static let claNotSupported = SW(0x6E00)
    static let unknownError = SW(0x6F00)
}

/// A command APDU as the card parses it.
struct ParsedCommand {
    var cla: UInt8
    var ins: UInt8
    var p1: UInt8
    var p2: UInt8
    var data: [UInt8]
    /// Ne: 0 when no Le field.
    var ne: Int

    /// Parses the four ISO/IEC 7816-3 cases in short and (if allowed) extended form.
    static func parse(_ apdu: [UInt8], extendedAllowed: Bool) -> Result<ParsedCommand, SW> {
        guard apdu.count >= 4 else { return .failure(.wrongLength) }
        var command = ParsedCommand(cla: apdu[0], ins: apdu[1], p1: apdu[2], p2: apdu[3], data: [], ne: 0)
        let body = Array(apdu[4...])
        if body.isEmpty { return .success(command) }
        if body.count == 1 {
            command.ne = body[0] == 0 ? 256 : Int(body[0])
            return .success(command)
        }
        if body[0] != 0 {
            let lc = Int(body[0])
            if body.count == 1 + lc {
                command.data = Array(body[1...])
                return .success(command)
            }
            if body.count == 2 + lc {
                command.data = Array(body[1...lc])
                command.ne = body[lc + 1] == 0 ? 256 : Int(body[lc + 1])
                return .success(command)
            }
            return .failure(.wrongLength)
        }
        // Extended: 00 then two bytes.
        guard extendedAllowed else { return .failure(.wrongLength) }
        guard body.count >= 3 else { return .failure(.wrongLength) }
        let first = Int(body[1]) << 8 | Int(body[2])
        if body.count == 3 {
            command.ne = first == 0 ? 65_536 : first
            return .success(command)
        }
        guard first > 0 else { return .failure(.wrongLength) }
        if body.count == 3 + first {
            command.data = Array(body[3...])
            return .success(command)
        }
        if body.count == 5 + first {
            command.data = Array(body[3..<(3 + first)])
            let le = Int(body[3 + first]) << 8 | Int(body[4 + first])
            command.ne = le == 0 ? 65_536 : le
            return .success(command)
        }
        return .failure(.wrongLength)
    }
}

/// A virtual card that cannot start.
public struct VirtualCardError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
