import Dispatch
import ISO7816
import Synchronization

/// The one way PC/SC work runs: on a thread of the executor's own, never on the cooperative pool.
///
/// pcsc-lite blocks the calling thread for the whole of a command — a tap, a slow write, a wait for
/// a card that lasts minutes — so every PC/SC call of the program goes through an executor: one per
/// reader (``forReader(_:)``), which owns that reader's context and runs its calls one after the
/// other, and one for each loop that watches readers (``init(name:)``). A task waiting for a card
/// (``waitForChange(_:timeoutMilliseconds:)``) that is cancelled ends the wait at once
/// (`SCardCancel`): nothing is left blocked behind a task nobody waits for.
///
/// Connections made on an executor's context are used on that executor only (pass them back into
/// ``run(_:)``): pcsc-lite serialises the calls on one context, so an executor is where they queue.
public final class CardExecutor: Sendable {
    /// What the executor is for (a reader's name, or a loop's).
    public let name: String
    private let queue: DispatchQueue
    /// The context, made on the queue when first needed; kept for later calls (making one costs as
    /// much as a tap's reads) and replaced when pcscd no longer knows it.
    private let context = Mutex<PCSCContext?>(nil)

    /// A new executor with its own thread and context.
    public init(name: String) {
        self.name = name
        queue = DispatchQueue(label: "handbook.card.\(name)")
    }

    private static let perReader = Mutex<[String: CardExecutor]>([:])

    /// The executor for questions about the host's readers (which are attached), for the life of
    /// the process.
    public static let listing = CardExecutor(name: "readers")

    /// The executor of `reader`, shared by every part of the program that talks to that reader
    /// (issuance, recovery, verification): their commands to one reader never interleave.
    public static func forReader(_ reader: String) -> CardExecutor {
        perReader.withLock { executors in
            if let existing = executors[reader] { return existing }
            let made = CardExecutor(name: reader)
            executors[reader] = made
            return made
        }
    }

    /// Runs `body` on the executor's thread with its context; a context pcscd no longer knows (it
    /// restarted) is replaced and `body` run once more.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PCSCContext) throws(CardError) -> T)
        async throws(CardError)
        -> T
    {
        let result: Result<T, CardError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.runHere(body))
            }
        }
        return try result.get()
    }

    /// Waits until the state of one of `known` changes, readers come or go, or the timeout passes
    /// (``PCSCContext/waitForChange(_:timeoutMilliseconds:)``); a cancelled task ends the wait at once
    /// with ``CardError/Code/cancelled``.
    public func waitForChange(_ known: [String: PCSCContext.ReaderState?], timeoutMilliseconds: UInt32)
        async throws(CardError) -> [PCSCContext.ReaderState]
    {
        // Cancelled before the wait began on the queue: it never begins.
        let cancelled = Mutex(false)
        let result: Result<[PCSCContext.ReaderState], CardError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                queue.async {
                    continuation.resume(
                        returning: self.runHere { context throws(CardError) in
                            if cancelled.withLock({ $0 }) {
                                throw CardError(.cancelled, "\(self.name): wait cancelled")
                            }
                            return try context.waitForChange(known, timeoutMilliseconds: timeoutMilliseconds)
                        })
                }
            }
        } onCancel: {
            cancelled.withLock { $0 = true }
            context.withLock { $0 }?.cancel()
        }
        if Task.isCancelled, case .failure(let error) = result, error.code == .cancelled {
            throw error
        }
        return try result.get()
    }

    /// Ends a wait in progress on this executor (from any thread).
    public func cancel() {
        context.withLock { $0 }?.cancel()
    }

    /// On the queue: the context (made if needed), `body`, and one retry with a new context when the
    /// old one is gone.
    private func runHere<T>(_ body: (PCSCContext) throws(CardError) -> T) -> Result<T, CardError> {
        for attempt in 0..<2 {
            let current: PCSCContext
            if let kept = context.withLock({ $0 }) {
                current = kept
            } else {
                do throws(CardError) {
                    current = try PCSCContext()
                } catch {
                    return .failure(error)
                }
            }
            context.withLock { $0 = current }
            do throws(CardError) {
                return .success(try body(current))
            } catch {
                // pcscd restarted: the context is gone. Forget it; try once more with a new one.
                if error.code == .serviceUnavailable || error.code == .pcsc {
                    context.withLock { $0 = nil }
                    if attempt == 0 { continue }
                }
                return .failure(error)
            }
        }
        return .failure(CardError(.pcsc, "\(name): no usable PC/SC context"))
    }
}
