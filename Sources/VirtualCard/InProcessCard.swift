import Foundation
import ISO7816
import Synchronization

/// A virtual card in the same process, reached as a ``CardTransport``: the card operating system
/// answers each command directly, with its profile's protocol behaviour (61xx, 6Cxx, short or
/// extended APDUs), no reader and no pcscd in between.
///
/// The transport rules of ``CardChannel`` and the whole handbook application run against it in
/// milliseconds; what only a reader shows (card presence, removal, sharing, pcscd itself) is for the
/// tests through pcscd.
public final class InProcessCard: CardTransport, Sendable {
    public let reader: String
    public let trace: APDUTrace?
    private let card: Mutex<CardOS>
    private let state = Mutex((removed: false, commands: 0))
    private let faults: FaultPlan

    /// A card made from `image`; with `imageURL`, every change of the card's state is saved there.
    /// `faults` makes it lose power during, or be pulled out at, a given command, as in a reader.
    public init(
        image: CardImage, imageURL: URL? = nil, name: String = "in-process card", trace: APDUTrace? = nil,
        faults: FaultPlan = .none
    ) throws {
        let os = try CardOS(image: image)
        if let imageURL { os.onChange = { image in try? image.save(to: imageURL) } }
        card = Mutex(os)
        reader = name
        self.trace = trace
        self.faults = faults
    }

    /// The card's persistent state now.
    public var image: CardImage { card.withLock { $0.image } }

    /// Takes the card out: every later command fails as a removed card does.
    public func remove() { state.withLock { $0.removed = true } }

    public func transmitRaw(_ command: [UInt8]) throws(CardError) -> [UInt8] {
        let (removed, number) = state.withLock { state -> (Bool, Int) in
            if !state.removed { state.commands += 1 }
            return (state.removed, state.commands)
        }
        let gone = CardError(.cardRemoved, "exchange an APDU (\(reader)): the card was removed; insert it again")
        if removed { throw gone }
        if number == faults.removalAtCommand {
            remove()
            throw gone
        }
        if number == faults.powerLossAtCommand {
            card.withLock { $0.processTorn(command, tear: faults.tearMode) }
            remove()
            throw gone
        }
        return card.withLock { $0.process(command) }
    }

    public func transaction<T>(_ body: () throws(CardError) -> T) throws(CardError) -> T {
        try body()
    }

    public func reset() throws(CardError) {
        card.withLock { $0.reset() }
    }
}
