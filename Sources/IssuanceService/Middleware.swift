import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into the API's JSON error and logs failures (never a body or a token; every
/// value that came with the request escaped, so that no request can forge a log line).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServiceContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let failure = ServiceError.from(error)
            let path = LogText.escaped(request.uri.path, limit: 120)
            if failure.status.code >= 500 {
                context.logger.error(
                    "\(request.method) \(path) failed: \(LogText.escaped(String(describing: error), limit: 400))",
                    metadata: ["code": "\(failure.code)"])
            } else {
                context.logger.info(
                    "\(request.method) \(path) → \(failure.status.code)", metadata: ["code": "\(failure.code)"])
            }
            return failure.response()
        }
    }
}

/// Checks the bearer token and reads its account afresh from the database: a disabled or changed
/// account stops acting at its next request, wherever it was disabled.
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
            throw ServiceError(.unauthenticated, "AUTH_EXPIRED", "the token is unknown or expired: log in again")
        }
        guard let account = try await store.account(named: session.accountName), !account.disabled else {
            await sessions.close(token)
            throw ServiceError(.unauthenticated, "AUTH_ACCOUNT_DISABLED", "the account is disabled")
        }
        var context = context
        context.account = account
        context.token = token
        context.logger[metadataKey: "account"] = "\(account.name)"
        return try await next(request, context)
    }
}
