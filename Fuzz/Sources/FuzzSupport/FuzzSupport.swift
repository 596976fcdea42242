import Dispatch
import Foundation
import HandbookCodec
import HandbookCrypto
import Synchronization

/// What the fuzz targets share: the repository's TEST trust store, a fixed time of checking, and a
/// way to wait for async work from libFuzzer's synchronous callback.
public enum FuzzSupport {
    /// The repository root: `scripts/fuzz.sh` runs the targets from it.
    public static let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)

    /// The text of a file of the repository; a fuzz target cannot start without it.
    public static func text(_ relative: String) -> String {
        guard let text = try? String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8) else {
            fatalError("fuzz: cannot read \(relative); run the fuzz targets from the repository root")
        }
        return text
    }

    /// Where a target keeps its database: memory-backed /dev/shm when there is one (an fsync per
    /// commit on disk would make the database, not the code under test, the bottleneck).
    public static var scratch: URL {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isFolder), isFolder.boolValue {
            return URL(fileURLWithPath: "/dev/shm")
        }
        return FileManager.default.temporaryDirectory
    }

    /// A new folder under ``scratch``, removed when the process exits.
    public static func temporaryFolder(_ prefix: String) throws -> URL {
        let folder = scratch.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let first = folders.withLock { list in
            list.append(folder)
            return list.count == 1
        }
        if first {
            atexit {
                FuzzSupport.folders.withLock { list in
                    for folder in list { try? FileManager.default.removeItem(at: folder) }
                }
            }
        }
        return folder
    }

    static let folders = Mutex<[URL]>([])

    /// The TEST roots and CRLs of both hierarchies.
    public static func trustStore() -> TrustStore {
        do {
            return TrustStore(
                roots: [
                    try Certificate(pemEncoded: text("Keys/p256/root-ca.pem")),
                    try Certificate(pemEncoded: text("Keys/sm2/root-ca.pem")),
                ],
                revocationLists: [
                    try CertificateRevocationList(pemEncoded: text("Keys/p256/crl.pem")),
                    try CertificateRevocationList(pemEncoded: text("Keys/sm2/crl.pem")),
                ])
        } catch {
            fatalError("fuzz: the TEST trust store does not load: \(error)")
        }
    }

    /// A fixed time of checking inside the TEST certificates' validity: runs repeat exactly.
    public static let checkTime = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01T00:00:00Z

    /// Runs `work` and waits for it: libFuzzer calls the target synchronously, on its own thread.
    public static func wait<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
        let semaphore = DispatchSemaphore(value: 0)
        let box = Box<T>()
        Task {
            box.value = await work()
            semaphore.signal()
        }
        semaphore.wait()
        guard let value = box.value else { fatalError("fuzz: async work ended without a value") }
        return value
    }

    private final class Box<T>: @unchecked Sendable {
        // @unchecked: written once before the semaphore is signalled, read after it is waited for.
        var value: T?
    }
}
