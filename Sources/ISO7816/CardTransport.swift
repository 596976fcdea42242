/// How APDUs reach a card: the PC/SC connection of a reader (CardReader) or a card operating system
/// in the same process (VirtualCard's in-process transport). ``CardChannel`` and the handbook
/// application run on either, so the transport rules and the application are tested without pcscd.
///
/// A transport is used by one task at a time; its blocking calls run off the cooperative pool (the
/// reader side's ``CardExecutor`` sees to that).
public protocol CardTransport: AnyObject, Sendable {
    /// The reader's name (or what stands for it).
    var reader: String { get }
    /// The trace, when one is kept.
    var trace: APDUTrace? { get }
    /// Sends raw command bytes and returns the raw response, status word included.
    func transmitRaw(_ command: [UInt8]) throws(CardError) -> [UInt8]
    /// Runs `body` with the card to itself: no other application talks to it meanwhile.
    func transaction<T>(_ body: () throws(CardError) -> T) throws(CardError) -> T
    /// Resets the card: its security state and selection are lost.
    func reset() throws(CardError)
}
