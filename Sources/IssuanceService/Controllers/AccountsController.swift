import CodedErrors
import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto
import Hummingbird
import Logging

/// Login, logout and accounts (身份认证).
struct AccountsController: Sendable {
    let store: any CreditStore
    let sessions: Sessions
    let throttle: LoginThrottle
    let passwords: PasswordChecks

    /// The routes that need no session: login.
    func addOpenRoutes(to router: some RouterMethods<ServiceContext>) {
        router.post("/v1/login") { request, context in try await login(request, context) }
    }

    func addRoutes(to api: some RouterMethods<ServiceContext>) {
        api.route(.post, "/logout", nil) { _, context, _ in
            if let token = context.token { await sessions.close(token) }
            return Response(status: .noContent)
        }
        api.route(.get, "/me", nil) { _, _, account in JSONBody(AccountView(account)) }
        api.route(.get, "/accounts", .manageAccounts) { _, _, account in
            JSONBody(try await store.accounts(by: account).map(AccountView.init))
        }
        api.route(.post, "/accounts", .manageAccounts, body: NewAccountBody.self) { body, _, account in
            let role = try role(body.role)
            let scope = try scope(body.regions)
            try field("password") { try Credentials.validate(password: body.password) }
            try field("name") { try Credentials.validate(name: body.name) }
            let hash = try await passwords.hash(body.password)
            let created = try await store.createAccount(
                name: body.name, role: role, scope: scope, passwordHash: hash, by: account)
            return JSONBody(AccountView(created), status: .created)
        }
        api.route(.post, "/accounts/:name/disable", .manageAccounts) { _, context, account in
            let name = try context.parameters.require("name")
            let disabled = try await store.setDisabled(true, account: name, by: account)
            await sessions.closeAll(of: disabled.name)
            return JSONBody(AccountView(disabled))
        }
        api.route(.post, "/accounts/:name/enable", .manageAccounts) { _, context, account in
            JSONBody(
                AccountView(
                    try await store.setDisabled(false, account: try context.parameters.require("name"), by: account)))
        }
        api.route(.post, "/accounts/:name", .manageAccounts, body: AccountChangeBody.self) { body, context, account in
            let name = try context.parameters.require("name")
            let changed = try await store.updateAccount(
                name, role: try body.role.map(role), scope: try body.regions.map(scope), by: account)
            await sessions.closeAll(of: changed.name)
            return JSONBody(AccountView(changed))
        }
        api.route(.post, "/accounts/:name/password", .manageAccounts, body: PasswordBody.self) {
            body, context, account in
            let name = try context.parameters.require("name")
            try field("password") { try Credentials.validate(password: body.password) }
            try await store.setPasswordHash(try await passwords.hash(body.password), account: name, by: account)
            await sessions.closeAll(of: name)
            return Response(status: .noContent)
        }
    }

    func login(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let body = try await decode(LoginBody.self, request, context)
        let account: Account
        do {
            account = try await LoginCheck(store: store, throttle: throttle, passwords: passwords).check(
                name: body.name, password: body.password, address: context.clientAddress, logger: context.logger)
        } catch let refusal as LoginCheck.Throttled {
            var response = refusal.error.response()
            response.headers[.retryAfter] = String(refusal.retryAfter)
            return response
        }
        let session = try await sessions.open(for: account.name)
        context.logger.info("login", metadata: ["account": "\(account.name)"])
        return try JSONBody(
            LoginResult(
                token: session.token, expiresAt: CardTimestamp(session.expiresAt).description,
                account: AccountView(account))
        ).response(from: request, context: context)
    }
}

extension PasswordChecks {
    /// A new password's hash, made on the password threads.
    public func hash(_ password: String) async throws -> String {
        try await run { [cost] in try PasswordHash.make(password, cost: cost) }
    }
}

/// One login attempt, as the API and the console make it: the throttle, then the same work
/// whether or not the name exists or is disabled (a lookup, then scrypt), then the throttle told.
public struct LoginCheck: Sendable {
    /// Too many failures from this name and address: try again in `retryAfter` seconds.
    public struct Throttled: Error {
        public let retryAfter: Int
        public var error: ServiceError {
            ServiceError(.rateLimited, "AUTH_THROTTLED", "too many failed logins: try again in \(retryAfter) s")
        }
    }

    public let store: any CreditStore
    public let throttle: LoginThrottle
    public let passwords: PasswordChecks

    public init(store: any CreditStore, throttle: LoginThrottle, passwords: PasswordChecks) {
        self.store = store
        self.throttle = throttle
        self.passwords = passwords
    }

    /// The account whose name and password these are; `Throttled`, or 401 AUTH_FAILED (the same
    /// for an unknown name, a disabled account and a wrong password).
    public func check(name given: String, password: String, address: String, logger: Logger) async throws -> Account {
        guard given.utf8.count <= 64, password.utf8.count <= Credentials.maximumPasswordBytes else {
            throw ServiceError(.malformed, "BAD_JSON", "a name of at most 64 bytes and a password of at most 1 KiB")
        }
        let name = given.lowercased()
        if let wait = await throttle.retryAfter(name: name, address: address) { throw Throttled(retryAfter: wait) }
        let account = try await store.account(named: name)
        let hash = try await store.passwordHash(ofAccount: name)
        let usable = account.map { !$0.disabled } ?? false
        let matches = try await passwords.verify(password, against: usable ? hash : nil)
        guard matches, let account else {
            await throttle.failed(name: name, address: address)
            logger.notice(
                "failed login",
                metadata: [
                    "name": "\(LogText.escaped(given, limit: 64))", "from": "\(LogText.escaped(address, limit: 64))",
                ])
            throw ServiceError(.unauthenticated, "AUTH_FAILED", "unknown account or wrong password")
        }
        await throttle.succeeded(name: name, address: address)
        return account
    }
}
