import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Faults a test can make the card suffer.
public struct FaultPlan: Sendable, Equatable {
    /// Lose power during the Nth command APDU (1-based, counted from insertion), applying it as `tearMode`
    /// says, then vanish from the reader without answering.
    public var powerLossAtCommand: Int?
    public var tearMode: TearMode
    /// Vanish from the reader (card pulled out) when the Nth command arrives, before processing it.
    public var removalAtCommand: Int?
    /// Wait this long before every answer.
    public var delay: Duration

    public init(
        powerLossAtCommand: Int? = nil, tearMode: TearMode = .full, removalAtCommand: Int? = nil,
        delay: Duration = .zero
    ) {
        self.powerLossAtCommand = powerLossAtCommand
        self.tearMode = tearMode
        self.removalAtCommand = removalAtCommand
        self.delay = delay
    }

    public static let none = FaultPlan()
}

/// A virtual card in the vsmartcard `vpcd` reader: it connects to the driver's TCP port and answers
/// what pcscd sends (Docs/ARCHITECTURE.md §4: 2-byte big-endian length, then the payload; a 1-byte payload is a
/// control code — 0 power off, 1 power on, 2 reset, 4 get ATR; anything else is a command APDU).
/// Closing the socket is taking the card out.
///
/// Every change of the card's state is saved to the image file before the answer goes out.
public final class VirtualCardInsertion: Sendable {
    private struct State {
        var socket: Int32 = -1
        var commands = 0
        var finished = false
    }

    public let port: UInt16
    public let imageURL: URL
    private let state = Mutex(State())
    private let faults: FaultPlan
    private let card: CardOS
    private let done = Mutex<[CheckedContinuation<Void, Never>]>([])

    /// Loads the card image and inserts the card into the reader listening on `port` (35963 is
    /// "Virtual PCD 00 00", 35964 "Virtual PCD 00 01").
    public init(imageURL: URL, port: UInt16 = 35963, faults: FaultPlan = .none) throws {
        self.port = port
        self.imageURL = imageURL
        self.faults = faults
        card = try CardOS(image: CardImage.load(from: imageURL))
        card.onChange = { image in try? image.save(to: imageURL) }
        let socket = try Self.connect(port: port)
        state.withLock { $0.socket = socket }
        let thread = Thread { [self] in self.serve(socket) }
        thread.name = "virtual-card:\(port)"
        thread.start()
    }

    /// Takes the card out of the reader (closes the socket) and waits until it is out.
    public func remove() async {
        pull()
        await waitUntilRemoved()
    }

    /// Takes the card out of the reader without waiting.
    public func pull() {
        let socket = state.withLock { state -> Int32 in
            let socket = state.socket
            state.socket = -1
            return socket
        }
        if socket >= 0 { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    deinit { pull() }

    /// Waits until the card is out of the reader, for whatever reason (removed, power lost, driver gone).
    public func waitUntilRemoved() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { $0.finished }
            if finished {
                continuation.resume()
            } else {
                done.withLock { $0.append(continuation) }
                // The state may have finished between the two looks.
                if state.withLock({ $0.finished }) { resumeWaiters() }
            }
        }
    }

    /// The number of command APDUs answered or interrupted so far.
    public var commandCount: Int { state.withLock { $0.commands } }

    /// Whether the card is out of the reader.
    public var isRemoved: Bool { state.withLock { $0.finished } }

    private func resumeWaiters() {
        let waiters = done.withLock { waiters -> [CheckedContinuation<Void, Never>] in
            let all = waiters
            waiters.removeAll()
            return all
        }
        waiters.forEach { $0.resume() }
    }

    private func serve(_ socket: Int32) {
        defer {
            close(socket)
            state.withLock {
                $0.finished = true
                $0.socket = -1
            }
            resumeWaiters()
        }
        while let message = Self.receive(socket) {
            if message.count == 1 {
                switch message[0] {
                case 0x00, 0x01, 0x02: card.reset()
                case 0x04: guard Self.send(socket, card.atr) else { return }
                default: break
                }
                continue
            }
            let number = state.withLock { state -> Int in
                state.commands += 1
                return state.commands
            }
            if faults.removalAtCommand == number { return }
            if faults.powerLossAtCommand == number {
                card.processTorn(message, tear: faults.tearMode)
                return
            }
            if faults.delay > .zero {
                Thread.sleep(
                    forTimeInterval: Double(faults.delay.components.seconds) + Double(
                        faults.delay.components.attoseconds) / 1e18)
            }
            guard Self.send(socket, card.process(message)) else { return }
        }
    }

    // MARK: The socket

    private static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw VirtualCardError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw VirtualCardError(
                "cannot reach the vpcd reader driver on 127.0.0.1:\(port) (\(reason)): is pcscd running with vsmartcard-vpcd? (scripts/pcscd.sh start)"
            )
        }
        // Without these, Nagle's algorithm and delayed ACKs cost ~48 ms per APDU (Docs/ARCHITECTURE.md §4).
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    private static func receive(_ fd: Int32) -> [UInt8]? {
        guard let header = readExactly(fd, 2) else { return nil }
        let length = Int(header[0]) << 8 | Int(header[1])
        guard length > 0 else { return nil }
        return readExactly(fd, length)
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            var one: Int32 = 1
            // TCP_QUICKACK is not sticky: re-arm it before every read.
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_QUICKACK, &one, socklen_t(MemoryLayout<Int32>.size))
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return read(fd, base + got, count - got)
            }
            if n <= 0 { return nil }
            got += n
        }
        return buffer
    }

    private static func send(_ fd: Int32, _ payload: [UInt8]) -> Bool {
        // The vpcd protocol's length prefix is two bytes: a longer answer cannot be sent.
        guard payload.count <= 0xFFFF else { return false }
        let message = [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
        var sent = 0
        while sent < message.count {
            let n = message.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return write(fd, base + sent, message.count - sent)
            }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}
