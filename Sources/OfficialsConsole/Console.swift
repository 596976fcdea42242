import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookCrypto
import Hummingbird
import IssuanceService
import Logging
import Mustache
import NIOCore

/// The officials' console (信息采集和信息审批系统): server-rendered pages under `/console` on the
/// service's own listener, for recording credit behaviour, approving and publishing it, issuing
/// cards, exchanging data and oversight.
///
/// It calls the same store operations as the `/v1` API, so the same rules hold: every page and
/// action names its ``Action`` (the one table of who may do what) and is refused early when the
/// account's role may not take it; the region of every object is the store's to check. Sessions
/// are cookies (HttpOnly, SameSite=Strict, Secure under TLS) with an idle and an absolute lifetime;
/// every form that changes something carries the session's CSRF token. Pages work without
/// JavaScript, in Chinese by default and in English with `?lang=en`. See Docs/CONSOLE.md.
public struct OfficialsConsole: Sendable {
    /// How the console's sessions and uploads behave.
    public struct Options: Sendable {
        /// Seconds without a request after which a session ends (default 30 minutes).
        public var idleSeconds: Int
        /// Seconds after login after which a session ends (default 12 hours).
        public var lifetimeSeconds: Int
        /// Whether the session cookie is marked Secure (the listener speaks TLS).
        public var secureCookie: Bool
        /// The largest import file the console accepts (bytes); larger files go through the command line.
        public var uploadLimit: Int

        public init(
            idleSeconds: Int = 1_800, lifetimeSeconds: Int = 43_200, secureCookie: Bool, uploadLimit: Int = 64 << 20
        ) {
            self.idleSeconds = idleSeconds
            self.lifetimeSeconds = lifetimeSeconds
            self.secureCookie = secureCookie
            self.uploadLimit = uploadLimit
        }
    }

    let api: IssuanceAPI
    let sessions: ConsoleSessions
    let options: Options
    let templates: MustacheLibrary
    let imports: ImportJobs

    public init(api: IssuanceAPI, options: Options) throws {
        self.api = api
        self.options = options
        sessions = ConsoleSessions(
            idle: TimeInterval(options.idleSeconds), lifetime: TimeInterval(options.lifetimeSeconds), clock: api.clock)
        templates = try ConsoleTemplates.library()
        imports = ImportJobs()
    }

    var store: any CreditStore { api.store }
    var today: CardDate { CardDate(api.clock()) }

    static let cookieName = "handbook_console"

    /// Adds the console's routes to the service's router, under `/console`.
    public func addRoutes(to router: Router<ServiceContext>) {
        let group = router.group("/console").add(middleware: ConsoleErrors(console: self))
        group.get("/console.css") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/css; charset=utf-8"
            headers[.cacheControl] = "private, max-age=3600"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: ConsoleTemplates.css)))
        }
        SessionPages(console: self).addRoutes(to: group)
        RecordPages(console: self).addRoutes(to: group)
        CardPages(console: self).addRoutes(to: group)
        DataPages(console: self).addRoutes(to: group)
        OversightPages(console: self).addRoutes(to: group)
        // Any other path under /console: the console's own 404 page, not the API's JSON.
        group.get("/**") { request, _ -> Response in
            throw ServiceError(.notFound, "NOT_FOUND", ConsoleLanguage.of(request).strings["noSuchObject"] ?? "")
        }
    }
}

/// One request to a page of the console, after its session and CSRF token were checked.
struct Visit: Sendable {
    let console: OfficialsConsole
    let request: Request
    let context: ServiceContext
    let account: Account
    let sessionID: String
    let csrf: String
    let form: FormFields
    let language: ConsoleLanguage

    func link(_ path: String, _ parameters: [(String, String)] = []) -> String {
        ConsoleLanguage.link(path, parameters, language: language)
    }

    func word(_ key: String) -> String { language.strings[key] ?? key }

    /// Renders `template` in the console's frame.
    func render(
        _ template: String, title: String, _ values: [String: Any], status: HTTPResponse.Status = .ok
    ) throws -> Response {
        var context = values
        context["account"] = [
            "name": account.name, "role": language.name("role." + account.role.rawValue),
            "regions": account.scope.description,
        ]
        context["csrf"] = csrf
        context["nav"] = navigation
        context["hasNav"] = true
        context["logout"] = link("/console/logout")
        return try console.page(template, title: title, context, language: language, request: request, status: status)
    }

    /// The menu: only what the account's role may do.
    var navigation: [[String: Any]] {
        let items: [(String, String, [Action])] = [
            ("navHome", "/console", []),
            ("navEnterprises", "/console/enterprises", [.searchEnterprises]),
            ("navMine", "/console/mine", [.recordCredit]),
            ("navQueue", "/console/queue", [.approveRecord]),
            ("navIssue", "/console/issue", [.issueHandbook]),
            ("navData", "/console/data", [.importData, .exportPackage]),
            ("navChecks", "/console/checks", [.readChecks]),
            ("navAudit", "/console/audit", [.readAudit]),
            ("navAccounts", "/console/accounts", [.manageAccounts]),
        ]
        let path = request.uri.path
        return items.filter { $0.2.isEmpty || $0.2.contains { $0.allows(account.role) } }.map { key, target, _ in
            [
                "label": word(key), "href": link(target),
                "current": target == "/console" ? path == "/console" : path.hasPrefix(target),
            ]
        }
    }

    /// A 303 to a page of the console, in this visit's language.
    func redirect(_ path: String, _ parameters: [(String, String)] = []) -> Response {
        ConsoleRedirect(location: link(path, parameters)).response
    }

    /// A path parameter made into its type; anything else is 404, as an absent object.
    func parameter<T>(_ name: String, _ make: (String) throws -> T) throws -> T {
        guard let text = context.parameters.get(name), let value = try? make(text) else {
            throw ServiceError(.notFound, "NOT_FOUND", word("noSuchObject"))
        }
        return value
    }
}

extension OfficialsConsole {
    /// Renders a console page (also the login page and error pages, which have no account).
    func page(
        _ template: String, title: String, _ values: [String: Any], language: ConsoleLanguage, request: Request,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        var context = ConsoleText.wrap(values)
        context["t"] = language.strings
        context["title"] = title
        context["today"] = today.description
        context["switchLanguage"] = language.switchLink(request)
        context["home"] = ConsoleLanguage.link("/console", [], language: language)
        guard let html = templates.render(context, withTemplate: template) else {
            throw ServiceError(.internal, "TEMPLATE", "template \(template) failed to render")
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentLanguage] = language.strings["htmlLang"]
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// A text value of a page: rendered (escaped) like a string, but an empty one counts as absent in
/// a section, so that `{{#reason}}…{{/reason}}` shows only when there is a reason.
struct ConsoleText: MustacheCustomRenderable {
    let text: String
    var renderText: String { text }
    var isNull: Bool { text.isEmpty }

    /// The page's values with every string wrapped, at any depth.
    static func wrap(_ values: [String: Any]) -> [String: Any] { values.mapValues(wrap) }

    static func wrap(_ value: Any) -> Any {
        switch value {
        case let text as String: return ConsoleText(text: text)
        case let dictionary as [String: Any]: return dictionary.mapValues(wrap)
        case let array as [Any]: return array.map(wrap)
        default: return value
        }
    }
}

/// A redirect, thrown from anywhere in a page and answered as a 303.
struct ConsoleRedirect: Error {
    let location: String
    var cookie: String?

    var response: Response {
        var headers = HTTPFields()
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }
}

/// Every failure under `/console` as a page: the status from the error's kind, the store's message
/// for a refusal (it names the role or region missing), never a stack trace or SQL — an internal
/// failure says only that it happened, and the log has the details. A request without a live
/// session goes to the login page.
struct ConsoleErrors: RouterMiddleware {
    typealias Context = ServiceContext
    let console: OfficialsConsole

    static let policy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let redirect as ConsoleRedirect {
            response = redirect.response
        } catch {
            response = try failure(error, request, context)
        }
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on its own POSTs.
        if let name = HTTPField.Name("Referrer-Policy") { response.headers[name] = "same-origin" }
        if let name = HTTPField.Name("X-Frame-Options") { response.headers[name] = "DENY" }
        return response
    }

    func failure(_ error: any Error, _ request: Request, _ context: Context) throws -> Response {
        let language = ConsoleLanguage.of(request)
        let words = language.strings
        let failure = ServiceError.from(error)
        let path = LogText.escaped(request.uri.path, limit: 120)
        let message: String
        if failure.status.code >= 500 {
            context.logger.error(
                "console \(request.method) \(path) failed: \(LogText.escaped(String(describing: error), limit: 400))")
            message = words["internalMessage"] ?? ""
        } else {
            context.logger.info("console \(request.method) \(path) → \(failure.status.code)")
            message = failure.message
        }
        let heading: String
        switch failure.status.code {
        case 403: heading = words["forbidden"] ?? ""
        case 404: heading = words["notFound"] ?? ""
        case 409: heading = words["conflict"] ?? ""
        case 413: heading = words["tooLarge"] ?? ""
        case 429: heading = words["throttled"] ?? ""
        case 400..<500: heading = words["badRequest"] ?? ""
        default: heading = words["internal"] ?? ""
        }
        var response = try console.page(
            "console-message", title: heading,
            [
                "heading": heading, "message": message, "code": failure.code,
                "back": ConsoleLanguage.link(
                    "/console", [], language: language),
            ],
            language: language, request: request, status: failure.status)
        if failure.status.code == 429, let name = HTTPField.Name("Retry-After") { response.headers[name] = "60" }
        return response
    }
}

extension RouterMethods where Context == ServiceContext {
    /// A page of the console for `action` (nil: any logged-in account): the session from its
    /// cookie (none or expired: to the login page), the account read afresh, the role checked
    /// against the action, and for a POST the form read and its CSRF token compared.
    @discardableResult
    func page(
        _ method: HTTPRequest.Method, _ path: RouterPath, _ action: Action?, console: OfficialsConsole,
        _ handler: @Sendable @escaping (Visit) async throws -> Response
    ) -> Self {
        on(path, method: method) { request, context in
            var request = request
            let language = ConsoleLanguage.of(request)
            let back =
                request.method == .get ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : "/console"
            let login = ConsoleRedirect(
                location: ConsoleLanguage.link("/console/login", [("next", back)], language: language))
            guard let id = request.cookies[OfficialsConsole.cookieName]?.value,
                let session = await console.sessions.session(id)
            else { throw login }
            guard let account = try await console.store.account(named: session.account), !account.disabled else {
                await console.sessions.close(id)
                throw login
            }
            // The role before anything is read: a refused upload is not received first.
            if let action, !action.allows(account.role) {
                throw ServiceError(.forbidden, "STORE_FORBIDDEN", language.refusal(account, action))
            }
            var form = FormFields()
            if request.method == .post {
                try requireSameOrigin(request, language)
                form = try await FormFields.read(&request, uploadLimit: console.options.uploadLimit)
                let sent = form["csrf"] ?? request.uri.queryParameters.get("csrf") ?? ""
                guard tokenMatches(sent, session.csrf) else {
                    throw ServiceError(
                        .forbidden, "CSRF", language.strings["csrfMessage"] ?? "the form's token does not match")
                }
            }
            var context = context
            context.account = account
            context.logger[metadataKey: "account"] = "\(account.name)"
            return try await handler(
                Visit(
                    console: console, request: request, context: context, account: account, sessionID: id,
                    csrf: session.csrf, form: form, language: language))
        }
    }
}

/// Refuses a POST a browser sent from another site: when the request names its origin, it must be
/// this service's own (the login form has no session token yet, so this is its CSRF defence).
func requireSameOrigin(_ request: Request, _ language: ConsoleLanguage) throws {
    guard let origin = request.headers[.origin] else { return }
    let host = request.head.authority ?? ""
    guard !host.isEmpty, origin == "http://" + host || origin == "https://" + host else {
        throw ServiceError(.forbidden, "CSRF_ORIGIN", language.strings["csrfMessage"] ?? "cross-site request refused")
    }
}

/// Whether a form's token is the session's: never when empty, compared in constant time.
func tokenMatches(_ sent: String, _ expected: String) -> Bool {
    !sent.isEmpty && constantTimeEquals(Array(sent.utf8), Array(expected.utf8))
}
