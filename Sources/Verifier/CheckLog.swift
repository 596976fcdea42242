import Foundation
import HandbookConfiguration

#if canImport(Glibc)
    import Glibc
#endif

/// The local record of checks: one JSON line per check (time, card serial, document number, verdict,
/// what it was compared with and at which database revision, whether the service took it),
/// appended with `O_APPEND` so that several verifiers can share one file without mixing lines.
public struct CheckLog: Sendable {
    public let path: String

    /// One check, as a line of the log.
    public struct Entry: Codable, Sendable, Equatable {
        public var checkedAt: String
        public var reader: String?
        public var cardSerial: String?
        public var documentNumber: String?
        public var enterprise: String?
        public var verdict: String
        public var comparedWith: String?
        public var comparedRevision: UInt64?
        /// True when the service acknowledged the proof of check.
        public var sentToService: Bool
    }

    public init(path: String) {
        self.path = path
    }

    /// Appends one entry; creates the file (and its folder) on first use.
    public func append(_ entry: Entry) throws(VerifierError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line: Data
        do {
            line = try encoder.encode(entry)
        } catch {
            throw VerifierError(.checkLog, "cannot encode the check: \(error)")
        }
        line.append(0x0A)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try? PrivateFile.folder(folder)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, PrivateFile.fileMode)
        guard descriptor >= 0 else {
            throw VerifierError(
                .checkLog, "cannot open the check log \(path): \(String(cString: strerror(errno))); set checkLog")
        }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw VerifierError(
                .checkLog, "cannot append to the check log \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Every entry of the log (for tests and audits); a line that is not an entry is an error naming it.
    public func entries() throws(VerifierError) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var entries: [Entry] = []
        for (index, line) in data.split(separator: 0x0A).enumerated() {
            do {
                entries.append(try JSONDecoder().decode(Entry.self, from: Data(line)))
            } catch {
                throw VerifierError(.checkLog, "\(path) line \(index + 1) is not a check: \(error)")
            }
        }
        return entries
    }
}
