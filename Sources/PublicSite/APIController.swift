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
            let key = try context.parameters.require("uscc")
            guard key.count <= 18, let found = try await catalog.enterprise(key, on: site.today) else {
                throw PublicFailure.notFound
            }
            return JSONAnswer(found)
        }
        api.get("/practitioners") { request, _ in
            JSONAnswer(
                try await catalog.practitioners(
                    try Page(site: site, request: request).practitionerQuery(), on: site.today))
        }
        api.get("/practitioners/:number") { _, context in
            let number = try context.parameters.require("number")
            guard number.count <= 40, let found = try await catalog.practitioner(registration: number, on: site.today)
            else { throw PublicFailure.notFound }
            return JSONAnswer(found)
        }
        api.get("/projects") { request, _ in
            JSONAnswer(try await catalog.projects(try Page(site: site, request: request).projectQuery()))
        }
        api.get("/projects/:number") { _, context in
            let number = try context.parameters.require("number")
            guard number.count <= 40, let found = try await catalog.project(number, on: site.today) else {
                throw PublicFailure.notFound
            }
            return JSONAnswer(found)
        }
        api.get("/records") { request, _ in
            JSONAnswer(
                try await catalog.records(try Page(site: site, request: request).recordQuery().query, on: site.today))
        }
        api.get("/records/:number") { _, context in
            let number = try context.parameters.require("number")
            guard number.count <= 40, let found = try await catalog.record(number, on: site.today) else {
                throw PublicFailure.notFound
            }
            return JSONAnswer(found)
        }
        api.get("/check") { request, _ in
            guard let key = try Page(site: site, request: request).text("key", maximum: 20) else {
                throw PublicFailure.badRequest("key: required")
            }
            guard let found = try await catalog.documentStatus(key.uppercased()) else { throw PublicFailure.notFound }
            return JSONAnswer(found)
        }
    }
}
