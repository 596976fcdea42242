import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import Hummingbird
import IssuanceService
import NIOCore
import Synchronization

/// Imports running in the background for the console, each followed by the account that started
/// it: its progress while it runs, then its summary or its row-by-row refusal.
final class ImportJobs: Sendable {
    struct Job: Sendable {
        var account: String
        var file: String
        var progress: ImportProgress?
        var summary: ImportSummary?
        var failure: ServiceError?
        var started: Date
    }

    private let jobs = Mutex<[String: Job]>([:])

    func start(_ id: String, account: String, file: String) {
        jobs.withLock { jobs in
            // Finished jobs are forgotten after a day, and at most 1,000 are kept.
            let cutoff = Date().addingTimeInterval(-86_400)
            jobs = jobs.filter { $0.value.started > cutoff || ($0.value.summary == nil && $0.value.failure == nil) }
            if jobs.count >= 1_000, let oldest = jobs.min(by: { $0.value.started < $1.value.started }) {
                jobs[oldest.key] = nil
            }
            jobs[id] = Job(account: account, file: file, started: Date())
        }
    }

    func update(_ id: String, _ change: (inout Job) -> Void) {
        jobs.withLock { jobs in
            if var job = jobs[id] {
                change(&job)
                jobs[id] = job
            }
        }
    }

    func job(_ id: String) -> Job? { jobs.withLock { $0[id] } }
}

/// Data exchange: import files uploaded with their progress and row-by-row report; the region's
/// signed data package.
struct DataPages: Sendable {
    let console: OfficialsConsole
    var store: any CreditStore { console.store }

    func addRoutes(to group: RouterGroup<ServiceContext>) {
        group.page(.get, "/data", nil, console: console) { visit in
            let role = visit.account.role
            guard Action.importData.allows(role) || Action.exportPackage.allows(role) else {
                try visit.account.require(.importData)
                return visit.redirect("/console")
            }
            return try visit.render(
                "console-data", title: visit.word("dataTitle"),
                [
                    "mayImport": Action.importData.allows(role), "mayExport": Action.exportPackage.allows(role),
                    "uploadAction": visit.link("/console/data/imports", [("csrf", visit.csrf)]),
                    "limit": String(console.options.uploadLimit >> 20),
                    "packages": visit.account.scope.regions.map { region in
                        [
                            "region": visit.language.region(region),
                            "href": visit.link("/console/data/packages/\(region.code)"),
                        ]
                    },
                ])
        }
        group.page(.post, "/data/imports", .importData, console: console) { visit in try await upload(visit) }
        group.page(.get, "/data/imports/:id", .importData, console: console) { visit in try progress(visit) }
        group.page(.get, "/data/packages/:region", .exportPackage, console: console) { visit in
            let region = try visit.parameter("region") { try RegionCode($0) }
            try visit.account.authorise(.exportPackage, in: region)
            guard let shelf = console.api.packages else {
                throw ServiceError(.unavailable, "PACKAGES_NOT_CONFIGURED", visit.word("noPackages"))
            }
            let built = try await shelf.package(region: region)
            var headers = HTTPFields()
            headers[.contentType] = "application/jsonl"
            headers[.contentDisposition] = "attachment; filename=\"\(region.code)-r\(built.revision).package.jsonl\""
            if let name = HTTPField.Name("Package-Revision") { headers[name] = String(built.revision) }
            // Read by NIO's file I/O, off the cooperative pool.
            return Response(
                status: .ok, headers: headers,
                body: try await FileIO().loadFile(path: built.path, context: visit.context))
        }
    }

    func upload(_ visit: Visit) async throws -> Response {
        guard let file = visit.form.file, file.bytes.readableBytes > 0 else {
            throw ServiceError(.invalidInput, "INVALID_FIELD", "\(visit.word("field_file")): \(visit.word("required"))")
        }
        let id = UUID().uuidString.lowercased()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("console-import-\(id)")
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        // The file keeps the browser's name (a name only, no path) so that reports name it.
        let base = file.name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "upload.jsonl"
        let safe = String(
            base.unicodeScalars.filter { $0.properties.isAlphabetic || "0123456789.-_".unicodeScalars.contains($0) }
                .prefix(80))
        let url = folder.appendingPathComponent(safe.isEmpty || safe.hasPrefix(".") ? "upload.jsonl" : safe)
        // Written by NIO's file system, off the cooperative pool; the folder is the service's alone
        // (0700) and the process's umask keeps the file private.
        try await FileIO().writeFile(buffer: file.bytes, path: url.path, context: visit.context)
        let jobs = console.imports
        jobs.start(id, account: visit.account.name, file: url.lastPathComponent)
        let store = console.store
        let account = visit.account
        Task.detached {
            do {
                let summary = try await store.importFile(at: url, by: account) { progress in
                    jobs.update(id) { $0.progress = progress }
                }
                jobs.update(id) { $0.summary = summary }
            } catch {
                jobs.update(id) { $0.failure = ServiceError.from(error) }
            }
            try? FileManager.default.removeItem(at: folder)
        }
        return visit.redirect("/console/data/imports/\(id)")
    }

    func progress(_ visit: Visit) throws -> Response {
        let id = try visit.parameter("id") { $0 }
        guard let job = console.imports.job(id), job.account == visit.account.name else {
            throw ServiceError(.notFound, "NOT_FOUND", visit.word("noSuchObject"))
        }
        let running = job.summary == nil && job.failure == nil
        var values: [String: Any] = ["file": job.file, "running": running, "back": visit.link("/console/data")]
        if let progress = job.progress {
            let percent = progress.totalBytes > 0 ? min(100, progress.bytesRead * 100 / progress.totalBytes) : 0
            values["percent"] = String(percent)
            values["rows"] = String(progress.rows)
            values["applying"] = progress.finishedReading && running
        } else {
            values["percent"] = "0"
            values["rows"] = "0"
        }
        if let summary = job.summary {
            values["summary"] = [
                "entity": summary.entity.rawValue, "rows": String(summary.rows), "inserted": String(summary.inserted),
                "updated": String(summary.updated), "unchanged": String(summary.unchanged),
                "revision": String(summary.revision),
            ]
        }
        if let failure = job.failure {
            values["failure"] = [
                "message": failure.status.code >= 500 ? visit.word("internalMessage") : failure.message,
                "code": failure.code,
            ]
            values["issues"] = failure.issues.prefix(500).map { issue in
                ["line": String(issue.line), "field": issue.field, "message": issue.message]
            }
            values["hasIssues"] = !failure.issues.isEmpty
        }
        var response = try visit.render("console-import", title: visit.word("importTitle"), values)
        // Without JavaScript the page follows its import by asking again every two seconds.
        if running, let name = HTTPField.Name("Refresh") { response.headers[name] = "2" }
        return response
    }
}
