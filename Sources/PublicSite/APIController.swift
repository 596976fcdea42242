import CreditStore
import Foundation
import HandbookCodec
import Hummingbird

/// `/api/…`: the public searches and pages as JSON, with the same parameters, bounds and paging as
/// the HTML pages (Docs/PUBLIC-SITE.md).
struct APIController: Sendable {
    let site: PublicSite

    var catalog: PublicCatalog { site.catalog }

    func addRoutes(to api: RouterGroup<PublicContext>) {
        api.get("/enterprises") { request, _ in
            JSONAnswer(
                try await catalog.enterprises(try Page(site: site, request: request).enterpriseQuery(), on: site.today))
        }
        api.get("/enterprises/:uscc") { _, context in
            try await byKey(context, "uscc", maximum: 18) { try await catalog.enterprise($0, on: site.today) }
        }
        api.get("/practitioners") { request, _ in
            JSONAnswer(
                try await catalog.practitioners(
                    try Page(site: site, request: request).practitionerQuery(), on: site.today))
        }
        api.get("/practitioners/:number") { _, context in
            try await byKey(context, "number") { try await catalog.practitioner(registration: $0, on: site.today) }
        }
        api.get("/projects") { request, _ in
            JSONAnswer(try await catalog.projects(try Page(site: site, request: request).projectQuery()))
        }
        api.get("/projects/:number") { _, context in
            try await byKey(context, "number") { try await catalog.project($0, on: site.today) }
        }
        api.get("/records") { request, _ in
            JSONAnswer(
                try await catalog.records(try Page(site: site, request: request).recordQuery().query, on: site.today))
        }
        api.get("/records/:number") { _, context in
            try await byKey(context, "number") { try await catalog.record($0, on: site.today) }
        }
        api.get("/check") { request, _ in
            guard let key = try Page(site: site, request: request).text("key", maximum: 20) else {
                throw PublicFailure.badRequest("key: required")
            }
            guard let found = try await catalog.documentStatus(key.uppercased()) else { throw PublicFailure.notFound }
            return JSONAnswer(found)
        }
    }

    /// One object by the natural key in `parameter` (at most `maximum` characters), or 404.
    func byKey<Found: Encodable & Sendable>(
        _ context: PublicContext, _ parameter: String, maximum: Int = 40,
        _ find: (String) async throws -> Found?
    ) async throws -> JSONAnswer<Found> {
        let key = try context.parameters.require(parameter)
        guard key.count <= maximum, let found = try await find(key) else { throw PublicFailure.notFound }
        return JSONAnswer(found)
    }
}
