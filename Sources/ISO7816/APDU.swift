import Synchronization

/// A command APDU (ISO/IEC 7816-4 §5.1).
public struct CommandAPDU: Sendable, Hashable {
    public var cla: UInt8
    public var ins: UInt8
    public var p1: UInt8
    public var p2: UInt8
    public var data: [UInt8]
    /// The number of response bytes expected (Ne): 0 for none, up to 65 536.
    public var ne: Int
    /// Whether the command or its answer carries secrets (cryptograms): traces show neither.
    public var isSensitive: Bool

    public init(
        cla: UInt8 = 0x00, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], ne: Int = 0, isSensitive: Bool = false
    ) {
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.ne = ne
        self.isSensitive = isSensitive
    }

    /// Parses command bytes as a card does: the four cases of ISO/IEC 7816-3 §12.1, short and — if
    /// `extendedAllowed` — extended. Returns nil for bytes that are none of them (a card answers
    /// `6700`).
    public init?(parsing apdu: [UInt8], extendedAllowed: Bool) {
        guard apdu.count >= 4 else { return nil }
        self.init(cla: apdu[0], ins: apdu[1], p1: apdu[2], p2: apdu[3])
        let body = Array(apdu[4...])
        if body.isEmpty { return }
        if body.count == 1 {
            ne = body[0] == 0 ? 256 : Int(body[0])
            return
        }
        if body[0] != 0 {
            let lc = Int(body[0])
            if body.count == 1 + lc {
                data = Array(body[1...])
                return
            }
            if body.count == 2 + lc {
                data = Array(body[1...lc])
                ne = body[lc + 1] == 0 ? 256 : Int(body[lc + 1])
                return
            }
            return nil
        }
        // Extended: 00 then two bytes.
        guard extendedAllowed, body.count >= 3 else { return nil }
        let first = Int(body[1]) << 8 | Int(body[2])
        if body.count == 3 {
            ne = first == 0 ? 65_536 : first
            return
        }
        guard first > 0 else { return nil }
        if body.count == 3 + first {
            data = Array(body[3...])
            return
        }
        if body.count == 5 + first {
            data = Array(body[3..<(3 + first)])
            let le = Int(body[3 + first]) << 8 | Int(body[4 + first])
            ne = le == 0 ? 65_536 : le
            return
        }
        return nil
    }

    /// Whether the command needs the extended-length form.
    public var needsExtendedLength: Bool { data.count > 255 || ne > 256 }

    /// The encoding, short or extended.
    public func encoded(extended: Bool) -> [UInt8] {
        var bytes = [cla, ins, p1, p2]
        if extended {
            if !data.isEmpty {
                bytes += [0x00, UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
            }
            if ne > 0 {
                let le = ne >= 65_536 ? 0 : ne
                if data.isEmpty { bytes.append(0x00) }
                bytes += [UInt8(le >> 8), UInt8(le & 0xFF)]
            }
        } else {
            if !data.isEmpty { bytes += [UInt8(data.count)] + data }
            if ne > 0 { bytes.append(ne >= 256 ? 0 : UInt8(ne)) }
        }
        return bytes
    }
}

/// A response APDU: data and the status word.
public struct ResponseAPDU: Sendable, Hashable {
    public var data: [UInt8]
    public var sw: UInt16

    public init(data: [UInt8], sw: UInt16) {
        self.data = data
        self.sw = sw
    }

    /// Splits raw response bytes; a response shorter than two bytes is a protocol violation.
    public init(raw: [UInt8]) throws(CardError) {
        guard raw.count >= 2 else {
            throw CardError(
                .protocolViolation, "a response of \(raw.count) byte(s): at least the two status bytes expected")
        }
        data = Array(raw.dropLast(2))
        sw = UInt16(raw[raw.count - 2]) << 8 | UInt16(raw[raw.count - 1])
    }

    public var sw1: UInt8 { UInt8(sw >> 8) }
    public var sw2: UInt8 { UInt8(sw & 0xFF) }
    public var isSuccess: Bool { sw == 0x9000 }
}

/// One exchange as the trace keeps it.
public struct APDUTraceEntry: Sendable, Hashable, CustomStringConvertible {
    /// The command bytes, hex; data of sensitive commands replaced by its length.
    public let command: String
    /// The response data, hex; redacted for sensitive commands.
    public let response: String
    public let sw: UInt16
    /// How long the exchange took through PC/SC.
    public let duration: Duration

    public var description: String {
        "> \(command)\n< \(response.isEmpty ? "" : response + " ")\(hex16(sw))  (\(duration))"
    }
}

/// A record of the APDUs exchanged, when switched on. Keys and cryptograms never appear in it:
/// commands marked sensitive keep only their header and lengths.
public final class APDUTrace: Sendable {
    private let storage = Mutex<[APDUTraceEntry]>([])

    public init() {}

    /// The entries so far.
    public var entries: [APDUTraceEntry] { storage.withLock { $0 } }

    /// Forgets the entries so far.
    public func clear() { storage.withLock { $0.removeAll() } }

    /// Records one exchange.
    public func record(_ command: CommandAPDU, encoded: [UInt8], response: ResponseAPDU, duration: Duration) {
        let commandText: String
        let responseText: String
        if command.isSensitive {
            commandText = hexBytes(encoded.prefix(4)) + " [\(command.data.count) bytes withheld]"
            responseText = response.data.isEmpty ? "" : "[\(response.data.count) bytes withheld]"
        } else {
            commandText = hexBytes(encoded)
            responseText = hexBytes(response.data)
        }
        let entry = APDUTraceEntry(command: commandText, response: responseText, sw: response.sw, duration: duration)
        storage.withLock { $0.append(entry) }
    }
}
