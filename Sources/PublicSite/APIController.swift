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
            let page = Page(site: site, request: request, revision: nil)
            return JSONAnswer(
                try await catalog.enterprises(
                    EnterpriseQuery(
                        text: try page.text("q"), region: try page.region(),
                        qualificationCategory: try page.text("category", maximum: 100),
                        qualificationGrade: try page.text("grade", maximum: 40),
                        unfavourableNow: request.uri.queryParameters.get("bad") == "1", page: try page.pageNumber()),
                    on: site.today))
        }
        api.get("/enterprises/:uscc") { _, context in
            let key = try context.parameters.require("uscc")
            guard key.count <= 18, let found = try await catalog.enterprise(key, on: site.today) else {
                throw PublicFailure.notFound
            }
            return JSONAnswer(found)
        }
        api.get("/practitioners") { request, _ in
            let page = Page(site: site, request: request, revision: nil)
            return JSONAnswer(
                try await catalog.practitioners(
                    PractitionerQuery(
                        text: try page.text("q"), registrationType: try page.text("type", maximum: 100),
                        region: try page.region(), page: try page.pageNumber()), on: site.today))
        }
        api.get("/practitioners/:number") { _, context in
            let number = try context.parameters.require("number")
            guard number.count <= 40, let found = try await catalog.practitioner(registration: number, on: site.today)
            else { throw PublicFailure.notFound }
            return JSONAnswer(found)
        }
        api.get("/projects") { request, _ in
            let page = Page(site: site, request: request, revision: nil)
            let role = try page.text("role", maximum: 40).map { text in
                guard let role = ProjectRole(name: text) else { throw PublicFailure.badRequest("role: unknown role") }
                return role
            }
            return JSONAnswer(
                try await catalog.projects(
                    ProjectQuery(
                        text: try page.text("q"), region: try page.region(), role: role,
                        award: try page.text("award", maximum: 100), page: try page.pageNumber())))
        }
        api.get("/projects/:number") { _, context in
            let number = try context.parameters.require("number")
            guard number.count <= 40, let found = try await catalog.project(number, on: site.today) else {
                throw PublicFailure.notFound
            }
            return JSONAnswer(found)
        }
        api.get("/records") { request, _ in
            let page = Page(site: site, request: request, revision: nil)
            let kind = try page.text("kind", maximum: 20) ?? "unfavourable"
            guard PagesController.kinds.contains(kind) else {
                throw PublicFailure.badRequest("kind: \(PagesController.kinds.joined(separator: ", "))")
            }
            let level = try page.text("level", maximum: 20).map { text in
                guard let level = AuthorityLevel(name: text) else {
                    throw PublicFailure.badRequest("level: unknown level")
                }
                return level
            }
            let category = try page.text("category", maximum: 10)
            if let category, category.wholeMatch(of: #/[A-G]1-[1-9][0-9]?/#) == nil {
                throw PublicFailure.badRequest("category: a behaviour category such as D1-1")
            }
            return JSONAnswer(
                try await catalog.records(
                    RecordQuery(
                        favourable: kind == "good", kind: RecordKind(name: kind), region: try page.region(),
                        category: category, authorityLevel: level, decidedFrom: try page.date("from"),
                        decidedUntil: try page.date("until"), page: try page.pageNumber()), on: site.today))
        }
        api.get("/records/:number") { _, context in
            let number = try context.parameters.require("number")
            guard number.count <= 40, let found = try await catalog.record(number, on: site.today) else {
                throw PublicFailure.notFound
            }
            return JSONAnswer(found)
        }
        api.get("/check") { request, _ in
            let page = Page(site: site, request: request, revision: nil)
            guard let key = try page.text("key", maximum: 20) else { throw PublicFailure.badRequest("key: required") }
            guard let found = try await catalog.documentStatus(key.uppercased()) else { throw PublicFailure.notFound }
            return JSONAnswer(found)
        }
    }
}
