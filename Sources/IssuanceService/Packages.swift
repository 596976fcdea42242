import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookConfiguration
import HandbookCrypto
import Hummingbird
import Logging
import ServiceLifecycle

/// What signs data packages served at `GET /v1/packages/{region}`.
public struct PackageSigning: Sendable {
    public let key: PrivateKey
    public let certificate: Certificate
    public let revocationLists: [CertificateRevocationList]
    /// Where built packages are kept: the latest two of each region.
    public let directory: URL

    public init(key: PrivateKey, certificate: Certificate, revocationLists: [CertificateRevocationList], directory: URL)
    {
        self.key = key
        self.certificate = certificate
        self.revocationLists = revocationLists
        self.directory = directory
    }
}

/// The region packages the service hands out, built in the background.
///
/// A package build reads a whole region (minutes for a large one), so no request triggers one at
/// will: at most one build per region runs at a time and every request for that region shares it;
/// while the database moves on, the last complete package is served (its revision in the
/// `Package-Revision` header) and a new build starts in the background. Only the first request of
/// a region with no package at all waits for the build. Every answer is a complete, signed file that
/// was renamed into place after its signature was written; the previous package of a region is
/// kept until the next one replaces it, so a download in progress is never cut.
public actor PackageShelf {
    /// A complete package on disk.
    public struct Built: Sendable {
        public let path: String
        public let region: RegionCode
        public let revision: UInt64
        public let day: CardDate

        /// `<region>-r<revision>-<day>-<created>.package.jsonl`: the revision the package was read
        /// at, the day its windows apply to, and when it was made (two builds never share a name).
        static func fileName(region: RegionCode, revision: UInt64, day: CardDate, created: Date) -> String {
            let stamp = CardTimestamp(created).description.filter { $0.isNumber }
            return "\(region.code)-r\(revision)-\(day)-\(stamp)-\(UUID().uuidString.prefix(8)).package.jsonl"
        }
    }

    let store: any CreditStore
    let signing: PackageSigning
    let clock: @Sendable () -> Date
    let logger: Logger
    private var latest: [RegionCode: Built] = [:]
    private var older: [RegionCode: Built] = [:]
    private var building: [RegionCode: Task<Built, any Error>] = [:]
    /// How many builds have started since the service started (tests and the log read it).
    public private(set) var buildsStarted = 0

    public init(
        store: any CreditStore, signing: PackageSigning, clock: @escaping @Sendable () -> Date,
        logger: Logger = Logger(label: "handbook.packages")
    ) {
        self.store = store
        self.signing = signing
        self.clock = clock
        self.logger = logger
    }

    /// The package to serve for `region` now: the current one if it is built, else the last
    /// complete one while a new one is built, else (the very first time) the one being built.
    public func package(region: RegionCode) async throws -> Built {
        let revision = try await store.revision()
        let day = CardDate(clock())
        if let built = latest[region], built.revision == revision, built.day == day { return built }
        let build = startBuild(region)
        if let built = latest[region] { return built }
        return try await build.value
    }

    /// Starts a build of `region` unless one runs; returns the running build.
    @discardableResult
    func startBuild(_ region: RegionCode) -> Task<Built, any Error> {
        if let running = building[region] { return running }
        buildsStarted += 1
        let task = Task { [store, signing, clock] () async throws -> Built in
            try PrivateFile.folder(signing.directory)
            let now = clock()
            let day = CardDate(now)
            // Written under a provisional name, then renamed after the revision the export
            // actually read (the database may have moved on between the request and the read).
            let partial = signing.directory.appendingPathComponent(".\(region.code)-\(UUID().uuidString).partial")
            let summary: PackageExportSummary
            do {
                summary = try await PackageExport.export(
                    from: store, region: region, on: day, at: now, by: nil, key: signing.key,
                    certificate: signing.certificate, revocationLists: signing.revocationLists, to: partial)
            } catch {
                try? FileManager.default.removeItem(at: partial)
                throw error
            }
            let file = signing.directory.appendingPathComponent(
                Built.fileName(region: region, revision: summary.revision, day: day, created: now))
            try FileManager.default.moveItem(at: partial, to: file)
            return Built(path: file.path, region: region, revision: summary.revision, day: day)
        }
        building[region] = task
        Task { await finish(region, task) }
        return task
    }

    private func finish(_ region: RegionCode, _ task: Task<Built, any Error>) async {
        defer { building[region] = nil }
        do {
            let built = try await task.value
            // The one before the previous goes; the previous stays for downloads still reading it.
            if let gone = older[region] { try? FileManager.default.removeItem(atPath: gone.path) }
            older[region] = latest[region]
            latest[region] = built
            logger.info(
                "package built", metadata: ["region": "\(region.code)", "revision": "\(built.revision)"])
        } catch {
            logger.error("package of \(region.code) failed: \(error)")
        }
    }

    /// Rebuilds, in the background, the package of every region served so far whose database
    /// revision or day has moved on. The service calls it periodically.
    public func refresh() async {
        guard let revision = try? await store.revision() else { return }
        let day = CardDate(clock())
        for (region, built) in latest where built.revision != revision || built.day != day {
            startBuild(region)
        }
    }

    /// Waits for the builds in progress (tests; shutting down).
    public func settle() async {
        for task in building.values { _ = try? await task.value }
    }
}

/// `GET /v1/packages/{region}`: the region's signed data package (Cards/DATA-PACKAGE.md).
struct PackagesController: Sendable {
    let store: any CreditStore
    let shelf: PackageShelf?

    func addRoutes(to api: some RouterMethods<ServiceContext>) {
        api.route(.get, "/packages/:region", .exportPackage) { _, context, account in
            let region = try context.parameter("region") { try RegionCode($0) }
            try account.authorise(.exportPackage, in: region)
            guard let shelf else {
                throw ServiceError(
                    .unavailable, "PACKAGES_NOT_CONFIGURED", "this service has no package key configured")
            }
            let built = try await shelf.package(region: region)
            var headers = HTTPFields()
            headers[.contentType] = "application/jsonl"
            if let name = HTTPField.Name("Package-Revision") { headers[name] = String(built.revision) }
            headers[.contentDisposition] = "attachment; filename=\"\(region.code)-r\(built.revision).package.jsonl\""
            return Response(
                status: .ok, headers: headers, body: try await FileIO().loadFile(path: built.path, context: context))
        }
    }
}

/// Keeps the served packages current: every half minute, a region whose database has moved on is
/// rebuilt in the background (the service runs this for as long as it runs).
public struct PackageRefresh: Service {
    let shelf: PackageShelf
    let interval: Duration

    public init(shelf: PackageShelf, interval: Duration = .seconds(30)) {
        self.shelf = shelf
        self.interval = interval
    }

    /// Runs until the service shuts down (gracefully or not): the wait between refreshes ends then.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    await shelf.refresh()
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
