import CreditStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into the API's JSON error and logs failures (never a body or a token).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServiceContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let failure = ServiceError.from(error)
            if failure.status.code >= 500 {
                context.logger.error(
                    "\(request.method) \(request.uri.path) failed: \(error)", metadata: ["code": "\(failure.code)"])
            } else {
                context.logger.info(
                    "\(request.method) \(request.uri.path) → \(failure.status.code)",
                    metadata: ["code": "\(failure.code)"])
            }
            return failure.response()
        }
    }
}

/// Checks the bearer token; every route behind it needs one.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let sessions: Sessions
    let store: any CreditStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw ServiceError.unauthenticated
        }
        let token = String(header.dropFirst("Bearer ".count))
        guard let session = await sessions.session(for: token) else {
            throw ServiceError(.unauthorized, "AUTH_EXPIRED", "the token is unknown or expired: log in again")
        }
        let account: Account
        if let recent = await sessions.recentAccount(for: token) {
            account = recent
        } else {
            guard let current = try await store.account(named: session.accountName), !current.disabled else {
                await sessions.close(token)
                throw ServiceError(.unauthorized, "AUTH_ACCOUNT_DISABLED", "the account is disabled")
            }
            await sessions.remember(current, for: token)
            account = current
        }
        var context = context
        context.account = account
        context.token = token
        context.logger[metadataKey: "account"] = "\(account.name)"
        return try await next(request, context)
    }
}
