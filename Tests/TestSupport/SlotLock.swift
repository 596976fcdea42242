import Foundation

/// Exclusive use of one vpcd reader slot across test suites (and processes): suites in different
/// test targets run side by side, but a slot holds one card, so each test that puts a card into a
/// slot holds that slot's lock while it does. The lock is an advisory file lock, polled without
/// blocking a thread of the cooperative pool.
public final class SlotLock: @unchecked Sendable {
    // @unchecked: the descriptor is only closed in deinit.
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Waits until slot `slot` is free and takes it.
    public static func acquire(slot: Int) async throws -> SlotLock {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("handbook-vpcd-slot-\(slot).lock").path
        let descriptor = open(path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileNoSuchFile) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        return SlotLock(descriptor: descriptor)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
