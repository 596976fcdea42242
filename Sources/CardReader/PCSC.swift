import CPCSC
import ISO7816

#if canImport(Glibc)
    import Glibc
#endif

/// A connection to the PC/SC service (pcscd).
///
/// pcsc-lite serialises the calls made on one context, and `SCardCancel` may be called from any
/// thread to end a wait; a context is released when this object goes away.
public final class PCSCContext: @unchecked Sendable {
    // @unchecked: the handle never changes after init, pcsc-lite locks per context, and
    // SCardCancel is documented as callable from another thread.
    let handle: SCARDCONTEXT

    /// The pseudo-reader whose changes announce readers coming and going.
    public static let plugAndPlayReader = "\\\\?PnP?\\Notification"

    /// Establishes a context with pcscd.
    public init() throws(CardError) {
        var context: SCARDCONTEXT = 0
        let result = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context)
        guard result == SCARD_S_SUCCESS else { throw CardError.pcsc(result, "connect to pcscd") }
        handle = context
    }

    deinit { SCardReleaseContext(handle) }

    /// The names of the readers attached now (none is not an error).
    public func readers() throws(CardError) -> [String] {
        var size: DWORD = 0
        var result = SCardListReaders(handle, nil, nil, &size)
        if result == SCARD_E_NO_READERS_AVAILABLE { return [] }
        guard result == SCARD_S_SUCCESS else { throw CardError.pcsc(result, "list readers") }
        var buffer = [CChar](repeating: 0, count: Int(size))
        result = SCardListReaders(handle, nil, &buffer, &size)
        if result == SCARD_E_NO_READERS_AVAILABLE { return [] }
        guard result == SCARD_S_SUCCESS else { throw CardError.pcsc(result, "list readers") }
        return buffer.split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// Connects to the card in `reader` with T=0 or T=1, shared — or exclusive, so that no other
    /// application (nor another issuance) can talk to the card until this connection ends; a
    /// second exclusive or shared connection then fails with ``CardError/Code/sharingViolation``.
    public func connect(reader: String, exclusive: Bool = false, trace: APDUTrace? = nil) throws(CardError)
        -> CardConnection
    {
        var card: SCARDHANDLE = 0
        var active: DWORD = 0
        let result = SCardConnect(
            handle, reader, DWORD(exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED),
            DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), &card, &active)
        guard result == SCARD_S_SUCCESS else { throw CardError.pcsc(result, "connect to the card", reader: reader) }
        return CardConnection(
            context: self, handle: card, reader: reader, protocol: active, exclusive: exclusive, trace: trace)
    }

    /// Ends a ``waitForChange(_:timeoutMilliseconds:)`` in progress on this context.
    public func cancel() {
        _ = SCardCancel(handle)
    }

    /// What a reader looked like at one moment.
    public struct ReaderState: Sendable, Hashable {
        public let reader: String
        /// The SCARD_STATE_* bits, without the event counter.
        public let state: UInt32
        /// pcsc-lite's count of card insertions and removals in this reader (upper 16 bits of the
        /// event state): it changes when a card was swapped between two looks.
        public let eventCount: UInt16
        public let atr: [UInt8]

        public var hasCard: Bool { state & UInt32(SCARD_STATE_PRESENT) != 0 && state & UInt32(SCARD_STATE_MUTE) == 0 }
        public var isUnavailable: Bool { state & UInt32(SCARD_STATE_UNAVAILABLE | SCARD_STATE_UNKNOWN) != 0 }
    }

    /// Waits until the state of one of `known` (reader name → last seen state) changes, or readers are
    /// added or removed (the plug-and-play pseudo-reader), or the timeout passes, or ``cancel()`` is
    /// called. Returns the readers' new states; on timeout, their unchanged states.
    public func waitForChange(_ known: [String: ReaderState?], timeoutMilliseconds: UInt32) throws(CardError)
        -> [ReaderState]
    {
        let names = Array(known.keys).sorted() + [Self.plugAndPlayReader]
        // The pseudo-reader's state carries the number of readers in its upper 16 bits; a change
        // of that number (a reader plugged in or out) ends the wait.
        let readerCount = DWORD(try readers().count)
        let cNames = names.compactMap { strdup($0) }
        defer { cNames.forEach { free($0) } }
        guard cNames.count == names.count else { throw CardError(.pcsc, "out of memory naming the readers to wait on") }
        var states = names.enumerated().map { index, name -> SCARD_READERSTATE in
            var state = SCARD_READERSTATE()
            state.szReader = UnsafePointer(cNames[index])
            if let last = known[name] ?? nil {
                state.dwCurrentState = DWORD(last.state) | DWORD(last.eventCount) << 16
            } else if name == Self.plugAndPlayReader {
                state.dwCurrentState = readerCount << 16
            } else {
                state.dwCurrentState = DWORD(SCARD_STATE_UNAWARE)
            }
            return state
        }
        let result = SCardGetStatusChange(handle, DWORD(timeoutMilliseconds), &states, DWORD(states.count))
        if result == SCARD_E_TIMEOUT {
            return known.compactMap { $0.value }
        }
        guard result == SCARD_S_SUCCESS else { throw CardError.pcsc(result, "wait for a card") }
        return states.dropLast().enumerated().map { index, state in
            let atr = withUnsafeBytes(of: state.rgbAtr) { Array($0.prefix(Int(state.cbAtr))) }
            return ReaderState(
                reader: names[index], state: UInt32(truncatingIfNeeded: state.dwEventState & 0xFFFF),
                eventCount: UInt16(truncatingIfNeeded: state.dwEventState >> 16), atr: atr)
        }
    }

    /// Waits, without polling, until `reader` holds a card (`hasCard`) or is empty (`!hasCard`).
    ///
    /// - Throws: ``CardError/Code/timeout`` when that has not happened within `timeout`.
    public func waitUntil(reader: String, hasCard: Bool, timeout: Duration) throws(CardError) {
        let deadline = ContinuousClock.now + timeout
        var current = try state(of: reader)
        while current.hasCard != hasCard {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw CardError(
                    .timeout, "\(reader) did not become \(hasCard ? "occupied" : "empty") within \(timeout)")
            }
            let milliseconds = UInt32(
                min(
                    remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1,
                    60_000))
            let states = try waitForChange([reader: current], timeoutMilliseconds: milliseconds)
            current = states.first { $0.reader == reader } ?? current
        }
    }

    /// The present state of `reader`.
    public func state(of reader: String) throws(CardError) -> ReaderState {
        let states = try waitForChange([reader: nil], timeoutMilliseconds: 0)
        guard let state = states.first(where: { $0.reader == reader }) else {
            throw CardError(.noReader, "no reader named \(reader)")
        }
        return state
    }
}

/// A connection to the card in one reader: the PC/SC ``CardTransport``.
public final class CardConnection: CardTransport, @unchecked Sendable {
    // @unchecked: a connection is used by one task at a time (each operation runs inside a PC/SC
    // transaction); pcsc-lite itself serialises calls on a handle.
    let context: PCSCContext
    private(set) var handle: SCARDHANDLE
    /// The reader's name.
    public let reader: String
    private(set) var activeProtocol: DWORD
    /// The trace, when one is kept.
    public let trace: APDUTrace?
    private var disconnected = false
    /// Reused for every answer: an extended APDU's answer can take 64 KB, which is not worth
    /// allocating anew for each of the many short answers of a tap.
    private var receiveBuffer = [UInt8](repeating: 0, count: Int(cpcsc_max_buffer_size_extended()))

    /// Whether the connection keeps the card to itself.
    public let exclusive: Bool

    init(
        context: PCSCContext, handle: SCARDHANDLE, reader: String, protocol: DWORD, exclusive: Bool = false,
        trace: APDUTrace?
    ) {
        self.exclusive = exclusive
        self.context = context
        self.handle = handle
        self.reader = reader
        self.activeProtocol = `protocol`
        self.trace = trace
    }

    deinit { disconnect() }

    /// Whether the card speaks T=1 (otherwise T=0).
    public var isT1: Bool { activeProtocol == DWORD(SCARD_PROTOCOL_T1) }

    /// Ends the connection, leaving the card as it is.
    public func disconnect() {
        guard !disconnected else { return }
        disconnected = true
        SCardDisconnect(handle, DWORD(SCARD_LEAVE_CARD))
    }

    /// Re-establishes the connection after a reset, resetting the card if `reset`.
    public func reconnect(reset: Bool = false) throws(CardError) {
        var active: DWORD = 0
        let result = SCardReconnect(
            handle, DWORD(exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED),
            DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), DWORD(reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD), &active)
        guard result == SCARD_S_SUCCESS else { throw CardError.pcsc(result, "reconnect", reader: reader) }
        activeProtocol = active
    }

    /// Resets the card (a warm reset through the reader) and keeps the connection.
    public func reset() throws(CardError) {
        try reconnect(reset: true)
    }

    /// Runs `body` inside a PC/SC transaction: no other application talks to the card meanwhile.
    ///
    /// If another application reset the card, the connection is re-established and the error
    /// ``CardError/Code/cardReset`` reported: the card's security state is gone, so the caller decides
    /// whether to start over.
    public func transaction<T>(_ body: () throws(CardError) -> T) throws(CardError) -> T {
        let result = SCardBeginTransaction(handle)
        if result == SCARD_W_RESET_CARD {
            try reconnect()
            throw CardError.pcsc(result, "begin a transaction", reader: reader)
        }
        guard result == SCARD_S_SUCCESS else { throw CardError.pcsc(result, "begin a transaction", reader: reader) }
        defer { _ = SCardEndTransaction(handle, DWORD(SCARD_LEAVE_CARD)) }
        return try body()
    }

    /// Sends raw command bytes and returns the raw response, status word included.
    public func transmitRaw(_ command: [UInt8]) throws(CardError) -> [UInt8] {
        var length = DWORD(receiveBuffer.count)
        let pci = isT1 ? cpcsc_pci_t1() : cpcsc_pci_t0()
        let result = SCardTransmit(handle, pci, command, DWORD(command.count), nil, &receiveBuffer, &length)
        if result == SCARD_W_RESET_CARD {
            try? reconnect()
        }
        guard result == SCARD_S_SUCCESS else { throw CardError.pcsc(result, "exchange an APDU", reader: reader) }
        guard length >= 2 else {
            // A card always answers at least a status word; the vpcd driver (and some readers)
            // return nothing when the card went away in the middle of the command.
            throw CardError(
                .cardRemoved,
                "exchange an APDU (\(reader)): the card gave no answer; it was probably removed — insert it again")
        }
        return Array(receiveBuffer.prefix(Int(length)))
    }

    /// The card's answer to reset.
    public func atr() throws(CardError) -> [UInt8] {
        var atr = [UInt8](repeating: 0, count: 33)
        var atrLength = DWORD(atr.count)
        var state: DWORD = 0
        var active: DWORD = 0
        var nameLength = DWORD(0)
        let result = SCardStatus(handle, nil, &nameLength, &state, &active, &atr, &atrLength)
        guard result == SCARD_S_SUCCESS else { throw CardError.pcsc(result, "read the card status", reader: reader) }
        return Array(atr.prefix(Int(atrLength)))
    }
}
