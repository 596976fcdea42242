/// What a card accepts, as learned from its EF.CardInfo (or assumed before).
public struct CardCapabilities: Sendable, Hashable {
    /// The most data bytes one command carries; longer data is sent as a command chain.
    public var maxCommandData: Int
    /// The most data bytes one response carries.
    public var maxResponseData: Int
    /// Whether extended-length APDUs may be sent.
    public var extendedLength: Bool

    public init(maxCommandData: Int, maxResponseData: Int, extendedLength: Bool) {
        self.maxCommandData = maxCommandData
        self.maxResponseData = maxResponseData
        self.extendedLength = extendedLength
    }

    /// What every ISO/IEC 7816-4 card accepts: short APDUs.
    public static let short = CardCapabilities(maxCommandData: 255, maxResponseData: 256, extendedLength: false)
}

/// Exchanges APDUs with a card over a ``CardTransport`` and absorbs what a transport must (OpenSC
/// `apdu.c`): `61xx` answers are collected with GET RESPONSE, `6Cxx` answers repeated with the right
/// Le, data longer than the card takes is sent as a command chain, and extended length is used where
/// the card allows it.
public final class CardChannel: @unchecked Sendable {
    // @unchecked: used by one task at a time, inside the transport's transactions.
    public let transport: any CardTransport
    /// The card's limits; set from EF.CardInfo once it is read.
    public var capabilities: CardCapabilities
    /// The number of command APDUs sent so far, GET RESPONSE included.
    public private(set) var commandCount = 0
    /// The bytes sent and received so far, status words included.
    public private(set) var bytesSent = 0
    public private(set) var bytesReceived = 0

    private let clock = ContinuousClock()

    public init(transport: any CardTransport, capabilities: CardCapabilities = .short) {
        self.transport = transport
        self.capabilities = capabilities
    }

    /// Resets the command and byte counters.
    public func resetCounters() {
        commandCount = 0
        bytesSent = 0
        bytesReceived = 0
    }

    /// Sends `command` and returns the card's complete answer (whatever the status word).
    public func transmit(_ command: CommandAPDU) throws(CardError) -> ResponseAPDU {
        if command.data.count > capabilities.maxCommandData {
            return try transmitChained(command)
        }
        return try transmitSingle(command)
    }

    /// Sends `command` and requires `9000`.
    @discardableResult
    public func transmitExpectingSuccess(_ command: CommandAPDU, _ what: String) throws(CardError) -> [UInt8] {
        let response = try transmit(command)
        guard response.isSuccess else {
            throw CardError(
                .statusWord, "\(what): the card answered \(hex16(response.sw)) (\(StatusWord.meaning(response.sw)))",
                statusWord: response.sw)
        }
        return response.data
    }

    private func transmitChained(_ command: CommandAPDU) throws(CardError) -> ResponseAPDU {
        var offset = 0
        while true {
            let end = min(offset + capabilities.maxCommandData, command.data.count)
            var part = command
            part.data = Array(command.data[offset..<end])
            let last = end == command.data.count
            if !last {
                part.cla |= 0x10
                part.ne = 0
            }
            let response = try transmitSingle(part)
            if last || !response.isSuccess { return response }
            offset = end
        }
    }

    private func transmitSingle(_ command: CommandAPDU) throws(CardError) -> ResponseAPDU {
        let extended = command.needsExtendedLength && capabilities.extendedLength
        var current = command
        if !extended {
            current.ne = min(current.ne, 256)
        }
        var response = try exchange(current, extended: extended)
        var data: [UInt8] = []
        var resends = 0
        while true {
            switch response.sw1 {
            case 0x61:
                // More data waits: GET RESPONSE for it (xx = 00 means 256).
                data += response.data
                guard data.count <= 65_536 else {
                    throw CardError(.protocolViolation, "the card keeps announcing response data past 64 KB")
                }
                let get = CommandAPDU(
                    ins: Instruction.getResponse, p1: 0, p2: 0, ne: response.sw2 == 0 ? 256 : Int(response.sw2))
                response = try exchange(get, extended: false)
            case 0x6C where resends < 2:
                // Wrong Le: the card says how many bytes it has.
                resends += 1
                current.ne = response.sw2 == 0 ? 256 : Int(response.sw2)
                response = try exchange(current, extended: false)
            default:
                response.data = data + response.data
                return response
            }
        }
    }

    private func exchange(_ command: CommandAPDU, extended: Bool) throws(CardError) -> ResponseAPDU {
        let encoded = command.encoded(extended: extended)
        let start = clock.now
        let raw = try transport.transmitRaw(encoded)
        let response = try ResponseAPDU(raw: raw)
        commandCount += 1
        bytesSent += encoded.count
        bytesReceived += raw.count
        transport.trace?.record(command, encoded: encoded, response: response, duration: clock.now - start)
        return response
    }

    // MARK: ISO/IEC 7816-4 commands

    /// SELECT by DF name (AID); returns the File Control Information the card sends back.
    @discardableResult
    public func selectApplication(_ aid: [UInt8]) throws(CardError) -> [UInt8] {
        try transmitExpectingSuccess(
            CommandAPDU(ins: Instruction.select, p1: 0x04, p2: 0x00, data: aid, ne: 256), "select the application")
    }

    /// SELECT an elementary file by its identifier, no answer data.
    public func selectFile(_ fid: [UInt8]) throws(CardError) {
        try transmitExpectingSuccess(
            CommandAPDU(ins: Instruction.select, p1: 0x00, p2: 0x0C, data: fid), "select file \(hexBytes(fid))")
    }

    /// Reads `count` bytes of the selected file from `offset` in as few READ BINARY commands as the
    /// card's response size allows, falling back to smaller reads when the card refuses a length
    /// (`6700`, `6Cxx`), as JMRTD and dmrtd do. Stops early at the end of the file (`6282`).
    ///
    /// With `shortIdentifier`, the first command selects the file by its short identifier (P1 = 80 |
    /// SFI) instead of needing a SELECT; the file stays selected for the rest.
    public func readBinary(offset: Int, count: Int, shortIdentifier: UInt8? = nil) throws(CardError) -> [UInt8] {
        var viaShortIdentifier = shortIdentifier != nil && offset <= 0xFF
        var result: [UInt8] = []
        result.reserveCapacity(count)
        var chunk = min(
            capabilities.extendedLength ? capabilities.maxResponseData : min(capabilities.maxResponseData, 256), 65_536)
        while result.count < count {
            let position = offset + result.count
            guard position <= 0x7FFF else {
                throw CardError(.protocolViolation, "offset \(position) is beyond what READ BINARY can address")
            }
            let wanted = min(chunk, count - result.count)
            let p1: UInt8
            if viaShortIdentifier, let shortIdentifier {
                p1 = 0x80 | shortIdentifier
            } else {
                p1 = UInt8(position >> 8)
            }
            let response = try transmit(
                CommandAPDU(ins: Instruction.readBinary, p1: p1, p2: UInt8(position & 0xFF), ne: wanted))
            switch response.sw {
            case StatusWord.success, StatusWord.endOfFile:
                guard response.data.count <= wanted else {
                    throw CardError(
                        .protocolViolation, "READ BINARY returned \(response.data.count) bytes for \(wanted) asked")
                }
                result += response.data
                viaShortIdentifier = false
                if response.sw == StatusWord.endOfFile || response.data.isEmpty { return result }
            case StatusWord.wrongLength where wanted > 1:
                // Too long for this card or reader: halve towards 256, then go below the short maximum.
                chunk = wanted > 256 ? max(256, wanted / 2) : wanted > 255 ? 255 : wanted * 3 / 4
            default:
                throw CardError(
                    .statusWord,
                    "read \(wanted) bytes at offset \(position): the card answered \(hex16(response.sw)) (\(StatusWord.meaning(response.sw)))",
                    statusWord: response.sw)
            }
        }
        return result
    }

    /// Writes `bytes` into the selected file at `offset` in as few UPDATE BINARY commands as the
    /// card's command size allows.
    public func updateBinary(offset: Int, _ bytes: [UInt8]) throws(CardError) {
        var written = 0
        while written < bytes.count {
            let position = offset + written
            guard position <= 0x7FFF else {
                throw CardError(.protocolViolation, "offset \(position) is beyond what UPDATE BINARY can address")
            }
            let size = min(
                capabilities.extendedLength ? capabilities.maxCommandData : min(capabilities.maxCommandData, 255),
                bytes.count - written)
            try transmitExpectingSuccess(
                CommandAPDU(
                    ins: Instruction.updateBinary, p1: UInt8(position >> 8), p2: UInt8(position & 0xFF),
                    data: Array(bytes[written..<written + size])),
                "write \(size) bytes at offset \(position)")
            written += size
        }
    }
}
