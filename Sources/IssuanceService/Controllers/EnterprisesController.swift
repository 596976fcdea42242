import CodedErrors
import CreditStore
import Foundation
import HandbookCodec
import Hummingbird

/// Enterprises and their current views.
struct EnterprisesController: Sendable {
    let store: any CreditStore
    /// Current views are read here (a hot standby, or `store`).
    let readStore: any CreditStore
    let clock: @Sendable () -> Date

    func addRoutes(to api: some RouterMethods<ServiceContext>) {
        api.route(.get, "/enterprises", .searchEnterprises) { request, _, account in
            guard let name = try request.text("name", maximum: 100) else {
                throw ServiceError(
                    .malformed, "MISSING_PARAMETER", "give ?name= with the start of the enterprise's name")
            }
            let limit = try request.integer("limit", default: 20, in: 1...200)
            return JSONBody(try await store.enterprises(namePrefix: name, limit: limit, by: account))
        }
        api.route(.get, "/enterprises/:key", .readEnterprise) { _, context, account in
            JSONBody(try await enterprise(try context.parameters.require("key"), by: account))
        }
        api.route(.get, "/enterprises/:key/view", .readView) { request, context, account in
            let key = try context.parameters.require("key")
            let day = try request.text("on", maximum: 10).map { try parseDate($0, "on") } ?? CardDate(clock())
            // By USCC in one read; an old identifier is looked up first.
            let uscc: USCC
            if let direct = try? USCC(key, mode: .lenient) {
                uscc = direct
            } else {
                uscc = try await enterprise(key, by: account).uscc
            }
            let view = try await readStore.currentView(of: uscc, on: day, by: account)
            guard let view else { throw notFound(key) }
            return JSONBody(view)
        }
    }

    func enterprise(_ key: String, by account: Account) async throws -> Enterprise {
        // Written in two steps: Swift 6.3's optimiser crashes splitting this coroutine when the
        // typed-throwing call sits inside the guard's condition.
        let found = try await store.enterprise(identifiedBy: key, by: account)
        guard let found else { throw notFound(key) }
        return found
    }

    func notFound(_ key: String) -> ServiceError {
        ServiceError(
            .notFound, "STORE_NOT_FOUND",
            "no enterprise with USCC, organisation code or registration number \(key.prefix(32))")
    }
}
