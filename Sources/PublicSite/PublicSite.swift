import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookCrypto
import Hummingbird
import Logging
import Mustache
import NIOCore

/// The request context of the public listener: no account, only where the request came from.
public struct PublicContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's address without its port, for rate limiting.
    var clientAddress: String { remoteAddress?.ipAddress ?? "local" }
}

/// The public credit information website (信用信息网): a read-only face of the credit database on a
/// listener of its own — no login, no `/v1` or console route, only published data.
///
/// Pages are server-rendered from the Mustache templates in `Templates/` (escaped by default), work
/// without JavaScript, in Chinese by default and in English with `?lang=en`. The same searches and
/// pages answer as JSON under `/api/`. See Docs/PUBLIC-SITE.md.
public struct PublicSite: Sendable {
    /// What signs the credit reports: a key and certificate for data-package signing.
    public struct ReportSigning: Sendable {
        public let key: PrivateKey
        public let certificate: Certificate

        public init(key: PrivateKey, certificate: Certificate) {
            self.key = key
            self.certificate = certificate
        }
    }

    /// A region's signed data package, as a file and the revision it was read at.
    public typealias PackageSource = @Sendable (RegionCode) async throws -> (path: String, revision: UInt64)

    let catalog: PublicCatalog
    let templates: MustacheLibrary
    let signing: ReportSigning?
    let packages: PackageSource?
    let limiter: RateLimiter
    let clock: @Sendable () -> Date

    public init(
        catalog: PublicCatalog, signing: ReportSigning?, packages: PackageSource? = nil,
        limiter: RateLimiter = RateLimiter(), clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.catalog = catalog
        self.signing = signing
        self.packages = packages
        self.limiter = limiter
        self.clock = clock
        templates = try Templates.library()
    }

    /// The routes of the public listener.
    public func router() -> Router<PublicContext> {
        let router = Router(context: PublicContext.self)
        router.add(middleware: SecurityHeaders())
        router.add(middleware: PublicErrors(site: self))
        router.add(middleware: RateLimit(limiter: limiter))
        router.add(middleware: RevisionCache(catalog: catalog, clock: clock))
        router.get("/site.css") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/css; charset=utf-8"
            headers[.cacheControl] = "public, max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Templates.css)))
        }
        PagesController(site: self).addRoutes(to: router)
        APIController(site: self).addRoutes(to: router.group("/api"))
        return router
    }

    var today: CardDate { CardDate(clock()) }
}

/// The headers every answer of the public site carries: no script, no framing, no sniffing.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = PublicContext

    static let policy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        if let name = HTTPField.Name("Referrer-Policy") { response.headers[name] = "no-referrer" }
        if let name = HTTPField.Name("X-Frame-Options") { response.headers[name] = "DENY" }
        return response
    }
}

/// Turns every failure into a page (or, under `/api/`, a JSON error) with the right status; the
/// process never answers with a stack or a store message.
struct PublicErrors: RouterMiddleware {
    typealias Context = PublicContext
    let site: PublicSite

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let (status, heading, message): (HTTPResponse.Status, String, String)
            let language = Page.language(request)
            let words = language.strings
            switch error {
            case let failure as PublicFailure:
                (status, heading, message) = (
                    failure.status, words[failure.headingKey] ?? "", failure.message ?? words[failure.messageKey] ?? ""
                )
            case let failure as HTTPError where failure.status == .notFound:
                (status, heading, message) = (.notFound, words["notFound"] ?? "", words["notFoundMessage"] ?? "")
            case let failure as HTTPError:
                (status, heading, message) = (failure.status, words["badRequest"] ?? "", "")
            default:
                // Escaped: the path comes from the request.
                context.logger.error(
                    "public \(LogText.escaped(request.uri.path, limit: 120)): \(LogText.escaped(String(describing: error), limit: 400))"
                )
                (status, heading, message) = (
                    .serviceUnavailable, words["unavailable"] ?? "", words["unavailableMessage"] ?? ""
                )
            }
            if request.uri.path.hasPrefix("/api/") {
                return try JSONAnswer(["error": heading, "message": message], status: status).response(
                    from: request, context: context)
            }
            let page = Page(site: site, request: request, revision: nil)
            var response = try page.render(
                "message", title: heading, ["heading": heading, "message": message], status: status)
            if status == .tooManyRequests, let after = (error as? PublicFailure)?.retryAfter,
                let name = HTTPField.Name("Retry-After")
            {
                response.headers[name] = String(after)
            }
            return response
        }
    }
}

/// A failure the site answers with a page of its own.
struct PublicFailure: Error {
    let status: HTTPResponse.Status
    let headingKey: String
    let messageKey: String
    var message: String?
    var retryAfter: Int?

    static func badRequest(_ message: String) -> PublicFailure {
        PublicFailure(status: .badRequest, headingKey: "badRequest", messageKey: "", message: message)
    }

    static let notFound = PublicFailure(status: .notFound, headingKey: "notFound", messageKey: "notFoundMessage")
}

/// Answers a conditional GET whose ETag still holds with 304, before anything is rendered: the
/// ETag is the database revision and the day (publication windows move with the date), so a page
/// changes only when one of them does.
struct RevisionCache: RouterMiddleware {
    typealias Context = PublicContext
    let catalog: PublicCatalog
    let clock: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.method == .get || request.method == .head, request.uri.path != "/site.css" else {
            return try await next(request, context)
        }
        let tag = "\"r\(try await catalog.revision())-\(CardDate(clock()))\""
        if let asked = request.headers[.ifNoneMatch],
            asked.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == tag || $0.trimmingCharacters(in: .whitespaces) == "W/" + tag
            })
        {
            var headers = HTTPFields()
            headers[.eTag] = tag
            headers[.cacheControl] = "public, no-cache"
            return Response(status: .notModified, headers: headers)
        }
        var response = try await next(request, context)
        if response.status == .ok {
            response.headers[.eTag] = tag
            if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "public, no-cache" }
        }
        return response
    }
}

/// A JSON answer, keys sorted.
struct JSONAnswer<Value: Encodable & Sendable>: ResponseGenerator {
    let value: Value
    var status: HTTPResponse.Status = .ok

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// The templates, embedded in the program (resource files under `Templates/`).
enum Templates {
    static let names: [(String, [UInt8])] = [
        ("top", PackageResources.top_mustache), ("bottom", PackageResources.bottom_mustache),
        ("pager", PackageResources.pager_mustache), ("home", PackageResources.home_mustache),
        ("enterprises", PackageResources.enterprises_mustache), ("enterprise", PackageResources.enterprise_mustache),
        ("records-table", PackageResources.records_table_mustache),
        ("practitioners", PackageResources.practitioners_mustache),
        ("practitioner", PackageResources.practitioner_mustache), ("projects", PackageResources.projects_mustache),
        ("project", PackageResources.project_mustache), ("records", PackageResources.records_mustache),
        ("record", PackageResources.record_mustache), ("check", PackageResources.check_mustache),
        ("message", PackageResources.message_mustache),
    ]

    static let css = PackageResources.site_css

    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, bytes) in names {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        return library
    }
}
