import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import Hummingbird
import IssuanceService
import Logging

/// Login, logout and the home page of what waits for the account.
struct SessionPages: Sendable {
    let console: OfficialsConsole

    func addRoutes(to group: RouterGroup<ServiceContext>) {
        group.get("/login") { request, _ in
            let language = ConsoleLanguage.of(request)
            return try loginPage(request, language, next: request.uri.queryParameters.get("next"), error: nil)
        }
        group.post("/login") { request, context in try await login(request, context) }
        group.page(.post, "/logout", nil, console: console) { visit in
            await console.sessions.close(visit.sessionID)
            var redirect = ConsoleRedirect(location: visit.link("/console/login"))
            redirect.cookie = cookie("", maxAge: 0)
            return redirect.response
        }
        group.page(.get, "", nil, console: console) { visit in try await home(visit) }
    }

    func cookie(_ value: String, maxAge: Int) -> String {
        "\(OfficialsConsole.cookieName)=\(value); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
            + (console.options.secureCookie ? "; Secure" : "")
    }

    func loginPage(_ request: Request, _ language: ConsoleLanguage, next: String?, error: String?, name: String = "")
        throws -> Response
    {
        try console.page(
            "console-login", title: language.strings["loginTitle"] ?? "",
            [
                "action": ConsoleLanguage.link("/console/login", [], language: language), "next": safeNext(next),
                "error": error ?? "", "hasError": error != nil, "name": name,
            ], language: language, request: request, status: error == nil ? .ok : .unauthorized)
    }

    /// Only a path of the console itself: never a redirect elsewhere.
    func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/console"), !next.hasPrefix("/console/login"), !next.contains("//"),
            !next.contains("\\"), next.utf8.count <= 512, next.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return "/console" }
        return next
    }

    func login(_ request: Request, _ context: ServiceContext) async throws -> Response {
        var request = request
        let language = ConsoleLanguage.of(request)
        try requireSameOrigin(request, language)
        let form = try await FormFields.read(&request, uploadLimit: FormFields.maximumFormBytes)
        let name = form["name"] ?? ""
        let next = safeNext(form["next"])
        let account: Account
        do {
            account = try await LoginCheck(
                store: console.store, throttle: console.api.throttle, passwords: console.api.passwords
            )
            .check(name: name, password: form["password"] ?? "", address: context.clientAddress, logger: context.logger)
        } catch let throttled as LoginCheck.Throttled {
            var response = try loginPage(
                request, language, next: next,
                error: (language.strings["loginThrottled"] ?? "").replacingOccurrences(
                    of: "%@", with: String(throttled.retryAfter)), name: name)
            response.status = .tooManyRequests
            response.headers[.retryAfter] = String(throttled.retryAfter)
            return response
        } catch let error as ServiceError where error.code == "AUTH_FAILED" || error.code == "BAD_JSON" {
            return try loginPage(request, language, next: next, error: language.strings["loginFailed"], name: name)
        }
        let session = try await console.sessions.open(for: account.name)
        context.logger.info("console login", metadata: ["account": "\(account.name)"])
        var redirect = ConsoleRedirect(location: ConsoleLanguage.link(next, [], language: language))
        redirect.cookie = cookie(session.id, maxAge: console.options.lifetimeSeconds)
        return redirect.response
    }

    /// What waits for this account: the queue's length, its records sent back, the tasks its role has.
    func home(_ visit: Visit) async throws -> Response {
        let account = visit.account
        var values: [String: Any] = [:]
        var tasks: [[String: Any]] = []
        func task(_ key: String, _ path: String, _ count: Int? = nil) {
            tasks.append([
                "label": visit.word(key), "href": visit.link(path), "count": count.map(String.init) ?? "",
                "hasCount": count != nil,
            ])
        }
        if Action.approveRecord.allows(account.role) {
            let pending = try await console.store.creditRecords(
                WorkListQuery(statuses: [.recorded, .approved], limit: 500), by: account)
            task("homeQueue", "/console/queue", pending.count)
        }
        if Action.recordCredit.allows(account.role) {
            let rejected = try await console.store.creditRecords(
                WorkListQuery(statuses: [.rejected], recordedBy: account.name, newestFirst: true, limit: 500),
                by: account)
            task("homeRecord", "/console/enterprises")
            task("homeRejected", "/console/mine", rejected.count)
        }
        if Action.issueHandbook.allows(account.role) { task("homeIssue", "/console/issue") }
        if Action.importData.allows(account.role) { task("homeImport", "/console/data") }
        if Action.readChecks.allows(account.role) { task("homeChecks", "/console/checks") }
        if Action.readAudit.allows(account.role) { task("homeAudit", "/console/audit") }
        if Action.manageAccounts.allows(account.role) { task("homeAccounts", "/console/accounts") }
        values["tasks"] = tasks
        values["may"] = Action.allCases.filter { $0.allows(account.role) }.map { visit.language.action($0) }
        values["revision"] = String(try await console.store.revision())
        return try visit.render("console-home", title: visit.word("homeTitle"), values)
    }
}
