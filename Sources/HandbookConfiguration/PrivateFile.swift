import Foundation

/// Files that hold what is not for everyone — the credit database (password hashes, full identity
/// numbers), card images (private keys), packages, import files, check logs — are created readable
/// by their owner only (0600, folders 0700), whatever the umask.
public enum PrivateFile {
    /// The mode of private files.
    public static let fileMode: mode_t = 0o600
    /// The mode of private folders.
    public static let folderMode: mode_t = 0o700

    /// Makes the process create private files by default (umask 077): what the tools set first.
    public static func restrictProcessUmask() {
        umask(0o077)
    }

    /// Writes `data` to `url` atomically: a new private file beside it, synced, then renamed over
    /// the old one, so a crash leaves the old file or the new one and nobody else can read either.
    public static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { throw POSIXError(errno, "create \(temporary.path)") }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else { throw POSIXError(errno, "rename to \(url.path)") }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Creates `path` empty and private if it does not exist; an existing file readable by others
    /// is made private.
    public static func prepare(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if descriptor >= 0 {
            close(descriptor)
            return
        }
        guard errno == EEXIST else { throw POSIXError(errno, "create \(path)") }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & 0o077 != 0 {
            _ = chmod(path, status.st_mode & ~0o077)
        }
    }

    /// Creates a private folder (and its parents) if it does not exist.
    public static func folder(_ url: URL) throws {
        try FileManager.default.createDirectory(
            at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(folderMode)])
    }

    /// A failed file operation, with what was being done.
    public struct POSIXError: Error, CustomStringConvertible {
        public let code: Int32
        public let operation: String
        init(_ code: Int32, _ operation: String) {
            self.code = code
            self.operation = operation
        }
        public var description: String { "cannot \(operation): \(String(cString: strerror(code)))" }
    }
}
