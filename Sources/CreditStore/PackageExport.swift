import Foundation
import HandbookCodec
import HandbookCrypto

/// What an export wrote.
public struct PackageExportSummary: Sendable, Hashable {
    public var views = 0
    public var cards = 0
    public var documents = 0
    public var revision: UInt64 = 0
}

/// Exports a region's signed data package (Cards/DATA-PACKAGE.md) to a file: written to a
/// temporary file beside it and renamed when complete, so a reader never sees half a package.
public enum PackageExport {
    public static func export(
        from store: some CreditStore, region: RegionCode, on day: CardDate, at now: Date, by actor: Account,
        key: PrivateKey, certificate: Certificate, revocationLists: [CertificateRevocationList], to url: URL,
        source: String = "长三角区域建筑市场信用信息平台"
    ) async throws -> PackageExportSummary {
        let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        FileManager.default.createFile(atPath: partial.path, contents: nil)
        let handle = try FileHandle(forWritingTo: partial)
        var completed = false
        defer {
            try? handle.close()
            if !completed { try? FileManager.default.removeItem(at: partial) }
        }
        var writer: DataPackageWriter?
        var summary = PackageExportSummary()
        try await store.exportPackageLines(
            region: region, on: day, by: actor,
            writeHeader: { revision, auditHead in
                summary.revision = revision
                writer = try DataPackageWriter(
                    header: DataPackageHeader(
                        region: region, createdAt: CardTimestamp(secondsSince1970: Int64(now.timeIntervalSince1970)),
                        asOf: day, databaseRevision: revision, auditHead: auditHead, source: source),
                    key: key, certificate: certificate, sink: { try handle.write(contentsOf: Data($0)) })
            },
            write: { line in
                switch line {
                case .view: summary.views += 1
                case .card: summary.cards += 1
                case .document: summary.documents += 1
                default: break
                }
                try writer!.write(line)
            })
        for crl in revocationLists { try writer!.write(.revocationList(Data(crl.derEncoded))) }
        try writer!.finish()
        try handle.synchronize()
        try handle.close()
        guard rename(partial.path, url.path) == 0 else {
            throw StoreError(.database, "cannot move the package into place at \(url.path): errno \(errno)")
        }
        completed = true
        return summary
    }
}
