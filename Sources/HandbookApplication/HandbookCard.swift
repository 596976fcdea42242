import CodedErrors
import HandbookCodec
import HandbookCrypto
import ISO7816

/// What one read of a handbook card found.
public struct CardReadout: Sendable {
    public let info: CardInfo
    /// The commit record; `nil` on a card where nothing was ever committed.
    public let status: CommitRecord?
    /// The committed document's bytes, checked against the commit record's length and SHA-256;
    /// `nil` when there is no commit record.
    public let document: [UInt8]?

    public init(info: CardInfo, status: CommitRecord?, document: [UInt8]?) {
        self.info = info
        self.status = status
        self.document = document
    }
}

/// Why a card's content is not a committed document.
public enum CardContentError: CodedError {
    /// EF.CardInfo or EF.Status is not what the format specifies.
    case malformedFile(HandbookFormatError)
    /// The active slot does not hold what the commit record promises (a torn or damaged write).
    case incompleteIssuance(String)

    public var errorCode: String {
        switch self {
        case .malformedFile: return "CARD_MALFORMED_FILE"
        case .incompleteIssuance: return "CARD_INCOMPLETE_ISSUANCE"
        }
    }
    /// The card holds what it should not: the request cannot go on with this card as it is.
    public var kind: ErrorKind { .conflict }
    public var message: String {
        switch self {
        case .malformedFile(let error): return "a card file is malformed: \(error)"
        case .incompleteIssuance(let reason): return "incomplete issuance: \(reason)"
        }
    }
    public var description: String { message }
}

/// The handbook card application (Cards/FORMAT.md §1) on top of an APDU channel over any
/// ``CardTransport`` — a reader's PC/SC connection or a card in the same process: select, read,
/// personalise, write tear-safe, authenticate.
public final class HandbookCard: @unchecked Sendable {
    // @unchecked: used by one task at a time; every multi-command operation runs in a transaction.
    public let channel: CardChannel

    public init(transport: any CardTransport) {
        channel = CardChannel(transport: transport)
    }

    /// Selects the application, takes the card information from its answer (or, if the card sends
    /// none, from EF.CardInfo), then adopts the card's limits.
    public func selectAndReadInfo() throws(CardError) -> CardInfo {
        channel.capabilities = .short
        let fci = try channel.selectApplication(CardLayout.aid)
        let info: CardInfo
        do {
            if !fci.isEmpty {
                info = try CardInfo(decodingFCI: fci)
            } else {
                let bytes = try channel.readBinary(
                    offset: 0, count: CardLayout.smallFileSize,
                    shortIdentifier: CardLayout.File.cardInfo.shortIdentifier)
                info = try CardInfo(decodingFile: bytes)
            }
        } catch let error as CardError {
            throw error
        } catch {
            throw CardError(.protocolViolation, "the card information is malformed: \(error)")
        }
        // What the card claims, held to what ISO/IEC 7816-4 can express (65 535 command bytes,
        // 65 536 response bytes): a card cannot talk the reader into commands it cannot encode.
        let command = min(max(info.maxCommandData, 1), 65_535)
        let response = min(max(info.maxResponseData, 1), 65_536)
        channel.capabilities = CardCapabilities(
            maxCommandData: command, maxResponseData: response, extendedLength: command > 255 || response > 256)
        return info
    }

    /// Reads EF.CardInfo, EF.Status and the committed document in one transaction, in the fewest
    /// READ BINARY commands the card's response size allows.
    ///
    /// The newest commit record whose slot holds exactly the document it describes (length and
    /// SHA-256) wins; an older record is used only when the newest one's write was torn.
    public func read() throws(CardReadError) -> CardReadout {
        let result: Result<CardReadout, CardContentError>
        do throws(CardError) {
            result = try channel.transport.transaction {
                () throws(CardError) -> Result<CardReadout, CardContentError> in
                let info = try selectAndReadInfo()
                switch try committedDocument(info) {
                case .neverCommitted:
                    return .success(CardReadout(info: info, status: nil, document: nil))
                case .committed(let record, let document):
                    return .success(CardReadout(info: info, status: record, document: document))
                case .noMatchingRecord:
                    return .failure(.incompleteIssuance("no commit record of EF.Status matches the bytes of its slot"))
                }
            }
        } catch {
            throw .transport(error)
        }
        switch result {
        case .success(let readout): return readout
        case .failure(let error): throw .content(error)
        }
    }

    /// Finds the committed document: the newest commit record whose slot holds exactly the bytes it
    /// describes (length and SHA-256).
    private func committedDocument(_ info: CardInfo) throws(CardError) -> CommittedDocument {
        let statusBytes = try channel.readBinary(
            offset: 0, count: CardLayout.statusFileSize, shortIdentifier: CardLayout.File.status.shortIdentifier)
        return try CommittedDocument.find(status: statusBytes, slotSize: info.slotSize) {
            (record, sameSlot) throws(CardError) -> [UInt8] in
            try channel.readBinary(
                offset: 0, count: record.documentLength,
                shortIdentifier: sameSlot ? nil : CardLayout.File.slot(record.activeSlot).shortIdentifier)
        }
    }

    /// Proves the card-management key: GET CHALLENGE, then EXTERNAL AUTHENTICATE with the cryptogram
    /// of the key derived from `masterKey` and the card serial. Call inside a transaction.
    public func authenticate(masterKey: SymmetricKey, serial: CardSerial) throws(CardError) {
        let challenge = try channel.transmitExpectingSuccess(
            CommandAPDU(ins: Instruction.getChallenge, p1: 0, p2: 0, ne: 8), "get a challenge")
        guard challenge.count == 8 else {
            throw CardError(.protocolViolation, "a challenge of \(challenge.count) bytes; 8 expected")
        }
        let cryptogram: [UInt8]
        do {
            let key = try CardKeys.cardManagementKey(master: masterKey, cardSerial: serial.bytes)
            cryptogram = try CardKeys.externalAuthenticateCryptogram(cardKey: key, challenge: challenge)
        } catch {
            throw CardError(.protocolViolation, "computing the cryptogram failed: \(error)")
        }
        try channel.transmitExpectingSuccess(
            CommandAPDU(
                ins: Instruction.externalAuthenticate, p1: 0x00, p2: CardLayout.cardManagementKey, data: cryptogram,
                isSensitive: true),
            "authenticate to the card (EXTERNAL AUTHENTICATE)")
    }

    /// Personalises a card: authenticates and has the card generate its authentication key pair.
    /// Returns the public key.
    public func personalise(algorithm: SignatureAlgorithm, masterKey: SymmetricKey) throws(CardError) -> PublicKey {
        try channel.transport.transaction { () throws(CardError) -> PublicKey in
            let info = try selectAndReadInfo()
            try authenticate(masterKey: masterKey, serial: info.serial)
            let spki = try channel.transmitExpectingSuccess(
                CommandAPDU(
                    ins: Instruction.generateAsymmetricKeyPair, p1: 0x00, p2: CardLayout.cardAuthenticationKey,
                    data: [0x80, 0x01, algorithm == .sm2SM3 ? 0x02 : 0x01], ne: 256),
                "generate the card's key pair")
            let key: PublicKey
            do {
                key = try PublicKey(spkiDER: spki)
            } catch {
                throw CardError(.protocolViolation, "the card's public key is malformed: \(error)")
            }
            guard key.algorithm == algorithm else {
                throw CardError(
                    .protocolViolation,
                    "the card generated a \(key.algorithm.rawValue) key; \(algorithm.rawValue) was asked")
            }
            return key
        }
    }

    /// Writes `document` tear-safe (Cards/FORMAT.md §1.6): authenticate, write the inactive slot,
    /// read it back and compare, then commit with one command into the commit record the current
    /// document's record does not occupy. Returns the new record.
    public func write(document: [UInt8], masterKey: SymmetricKey) throws(CardError) -> CommitRecord {
        try channel.transport.transaction { () throws(CardError) -> CommitRecord in
            let info = try selectAndReadInfo()
            guard document.count <= info.slotSize else {
                throw CardError(
                    .protocolViolation,
                    "a document of \(document.count) bytes does not fit the card's \(info.slotSize)-byte slot")
            }
            let previous = try committedDocument(info).record
            let target = previous.map { 1 - $0.activeSlot } ?? 0
            try authenticate(masterKey: masterKey, serial: info.serial)
            try channel.selectFile(CardLayout.File.slot(target).bytes)
            try channel.updateBinary(offset: 0, document)
            let readBack = try channel.readBinary(offset: 0, count: document.count)
            guard readBack == document else {
                throw CardError(
                    .protocolViolation,
                    "slot \(target) reads back differently from what was written; nothing was committed")
            }
            let record = CommitRecord(
                activeSlot: target, sequence: (previous?.sequence ?? 0) + 1, documentLength: document.count,
                documentHash: Digest.sha256.hash(document))
            try channel.selectFile(CardLayout.File.status.bytes)
            try channel.updateBinary(offset: record.fileOffset, record.fileBytes)  // one command: the commit
            return record
        }
    }

    /// Challenges the card with fresh random bytes and checks its signature under `publicKey` (the
    /// card-authentication key named in the document): a copy of the files on another card fails.
    public func internalAuthenticate(publicKey: PublicKey, serial: CardSerial) throws(CardError) -> Bool {
        let challenge: [UInt8]
        do {
            challenge = try randomBytes(16)
        } catch {
            throw CardError(.protocolViolation, "no random challenge: \(error)")
        }
        guard let signature = try sign(challenge: challenge) else { return false }
        return Self.isValidAuthentication(signature, challenge: challenge, serial: serial, publicKey: publicKey)
    }

    /// Sends INTERNAL AUTHENTICATE with `challenge`: the card's signature, or nil when the card
    /// refuses (no key). Card I/O only; ``isValidAuthentication(_:challenge:serial:publicKey:)``
    /// checks the answer.
    public func sign(challenge: [UInt8]) throws(CardError) -> [UInt8]? {
        let response = try channel.transmit(
            CommandAPDU(
                ins: Instruction.internalAuthenticate, p1: 0x00, p2: CardLayout.cardAuthenticationKey, data: challenge,
                ne: 256))
        return response.isSuccess ? response.data : nil
    }

    /// Whether `signature` is the card key's signature of `challenge` followed by the card serial.
    public static func isValidAuthentication(
        _ signature: [UInt8], challenge: [UInt8], serial: CardSerial, publicKey: PublicKey
    ) -> Bool {
        (try? publicKey.isValidSignature(signature, for: challenge + serial.bytes, algorithm: publicKey.algorithm))
            ?? false
    }
}

/// A failed card read: the transport failed, or the card holds no committed document.
public enum CardReadError: CodedError {
    case transport(CardError)
    case content(CardContentError)

    private var underlying: any CodedError {
        switch self {
        case .transport(let error): return error
        case .content(let error): return error
        }
    }
    public var errorCode: String { underlying.errorCode }
    public var kind: ErrorKind { underlying.kind }
    public var message: String { underlying.message }

    public var description: String {
        switch self {
        case .transport(let error): return error.description
        case .content(let error): return error.description
        }
    }
}
