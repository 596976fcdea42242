import Foundation
import HandbookCodec
import HandbookCrypto
import Synchronization

/// Where a store writes a region's package, line by line, from the thread that reads the database.
public protocol PackageSink: Sendable {
    /// The snapshot's revision and audit head, before any line.
    func begin(revision: UInt64, auditHead: String) throws
    /// One line: a view, a card or a document.
    func write(_ line: DataPackageLine) throws
}

/// What an export wrote.
public struct PackageExportSummary: Sendable, Hashable {
    public var views = 0
    public var cards = 0
    public var documents = 0
    public var revision: UInt64 = 0
}

/// Exports a region's signed data package (Cards/DATA-PACKAGE.md) to a file: written to a new,
/// private temporary file beside it (a name no other export uses) and renamed into place only when
/// complete and signed, so a reader never sees half a package and two exports never share a file.
public enum PackageExport {
    public static func export(
        from store: some CreditStore, region: RegionCode, on day: CardDate, at now: Date, by actor: Account?,
        key: PrivateKey, certificate: Certificate, revocationLists: [CertificateRevocationList], to url: URL,
        source: String = "长三角区域建筑市场信用信息平台"
    ) async throws -> PackageExportSummary {
        let folder = url.deletingLastPathComponent()
        let partial = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        let descriptor = open(partial.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.internal, "cannot create \(partial.path): errno \(errno)")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var completed = false
        defer {
            try? handle.close()
            if !completed { try? FileManager.default.removeItem(at: partial) }
        }
        let sink = FileSink(
            header: { revision, auditHead in
                DataPackageHeader(
                    region: region, createdAt: CardTimestamp(now), asOf: day, databaseRevision: revision,
                    auditHead: auditHead, source: source)
            }, key: key, certificate: certificate, handle: handle)
        try await store.exportPackage(region: region, on: day, by: actor, into: sink)
        let summary = try sink.finish(revocationLists: revocationLists)
        try handle.synchronize()
        try handle.close()
        guard rename(partial.path, url.path) == 0 else {
            throw StoreError(.internal, "cannot move the package into place at \(url.path): errno \(errno)")
        }
        completed = true
        return summary
    }
}

/// Signs and writes a package's lines to a file as the store produces them.
final class FileSink: PackageSink {
    private struct State {
        var writer: DataPackageWriter?
        var summary = PackageExportSummary()
    }
    private let header: @Sendable (UInt64, String) -> DataPackageHeader
    private let key: PrivateKey
    private let certificate: Certificate
    private let handle: FileHandle
    private let state = Mutex(State())

    init(
        header: @escaping @Sendable (UInt64, String) -> DataPackageHeader, key: PrivateKey, certificate: Certificate,
        handle: FileHandle
    ) {
        self.header = header
        self.key = key
        self.certificate = certificate
        self.handle = handle
    }

    func begin(revision: UInt64, auditHead: String) throws {
        let handle = self.handle
        let header = self.header(revision, auditHead)
        try state.withLock { state in
            state.writer = try DataPackageWriter(
                header: header, key: key, certificate: certificate, sink: { try handle.write(contentsOf: Data($0)) })
            state.summary.revision = revision
        }
    }

    func write(_ line: DataPackageLine) throws {
        try state.withLock { state in
            guard let writer = state.writer else { throw StoreError(.internal, "a package line before its header") }
            switch line {
            case .view: state.summary.views += 1
            case .card: state.summary.cards += 1
            case .document: state.summary.documents += 1
            default: break
            }
            try writer.write(line)
        }
    }

    func finish(revocationLists: [CertificateRevocationList]) throws -> PackageExportSummary {
        try state.withLock { state in
            guard let writer = state.writer else { throw StoreError(.internal, "the store wrote no package header") }
            for crl in revocationLists { try writer.write(.revocationList(Data(crl.derEncoded))) }
            try writer.finish()
            return state.summary
        }
    }
}
