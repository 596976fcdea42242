import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookCrypto
import Hummingbird
import NIOCore

/// The HTML pages: home, the lists with their filters, the pages by natural key, the document
/// check, the signed report and the region's package.
struct PagesController: Sendable {
    let site: PublicSite

    var catalog: PublicCatalog { site.catalog }

    func addRoutes(to router: Router<PublicContext>) {
        router.get("/") { request, _ in
            let page = Page(site: site, request: request, revision: try await catalog.revision())
            return try page.render("home", title: page.word("homeHeading"), [:])
        }
        router.get("/enterprises") { request, _ in try await enterprises(request) }
        router.get("/enterprises/:uscc") { request, context in
            try await enterprise(request, try context.parameters.require("uscc"))
        }
        router.get("/enterprises/:uscc/report.json") { request, context in
            try await report(request, try context.parameters.require("uscc"))
        }
        router.get("/practitioners") { request, _ in try await practitioners(request) }
        router.get("/practitioners/:number") { request, context in
            try await practitioner(request, try context.parameters.require("number"))
        }
        router.get("/projects") { request, _ in try await projects(request) }
        router.get("/projects/:number") { request, context in
            try await project(request, try context.parameters.require("number"))
        }
        router.get("/records") { request, _ in try await records(request) }
        router.get("/records/:number") { request, context in
            try await record(request, try context.parameters.require("number"))
        }
        router.get("/check") { request, _ in try await check(request) }
        router.get("/packages/:region") { request, context in
            try await package(request, try context.parameters.require("region"), context: context)
        }
    }

    func enterprises(_ request: Request) async throws -> Response {
        var page = Page(site: site, request: request)
        let query = try page.enterpriseQuery()
        let found = try await catalog.enterprises(query, on: site.today)
        page.revision = found.revision
        var values = page.pager(found)
        values["items"] = found.items.map { item in
            [
                "name": item.name, "uscc": item.uscc, "href": page.link("/enterprises/\(item.uscc)"),
                "regionName": page.regionName(item.region),
                "unfavourable": item.unfavourableNow > 0 ? item.unfavourableNow as Any : false,
            ] as [String: Any]
        }
        values["form"] = ["q": query.text ?? "", "bad": query.unfavourableNow]
        values["regions"] = page.regionOptions(selected: query.region)
        values["categories"] = Page.options(
            try await catalog.qualificationCategories(), selected: query.qualificationCategory)
        values["grades"] = Page.options(try await catalog.qualificationGrades(), selected: query.qualificationGrade)
        return try page.render("enterprises", title: page.word("enterprises"), values)
    }

    func enterprise(_ request: Request, _ key: String) async throws -> Response {
        guard key.count <= 18, let found = try await catalog.enterprise(key, on: site.today) else {
            throw PublicFailure.notFound
        }
        let page = Page(site: site, request: request, revision: found.revision)
        let values: [String: Any] = [
            "e": [
                "name": found.name, "uscc": found.uscc, "organisationCode": present(found.organisationCode),
                "registrationNumber": present(found.registrationNumber),
                "legalRepresentative": found.legalRepresentative, "region": found.region,
            ] as [String: Any],
            "regionName": page.regionName(found.region),
            "reportHref": "/enterprises/\(found.uscc)/report.json",
            "printHref": page.link("/enterprises/\(found.uscc)", [("print", "1")]),
            "records": found.records.map(page.recordValues), "hasRecords": !found.records.isEmpty,
            "showEnterprise": false,
            "qualifications": found.qualifications.map { item in
                [
                    "category": item.category, "grade": item.grade, "certificateNumber": item.certificateNumber,
                    "validFrom": item.validFrom, "validUntil": item.validUntil,
                    "issuingAuthority": item.issuingAuthority, "standing": item.standing,
                    "standingName": page.language.name(item.standing),
                ] as [String: Any]
            },
            "hasQualifications": !found.qualifications.isEmpty,
            "practitioners": found.practitioners.map(page.registrationValues),
            "hasPractitioners": !found.practitioners.isEmpty,
            "projects": found.projects.map(page.participationValues), "hasProjects": !found.projects.isEmpty,
        ]
        return try page.render("enterprise", title: found.name, values)
    }

    func practitioners(_ request: Request) async throws -> Response {
        var page = Page(site: site, request: request)
        let query = try page.practitionerQuery()
        let found = try await catalog.practitioners(query, on: site.today)
        page.revision = found.revision
        var values = page.pager(found)
        values["items"] = found.items.map(page.registrationValues)
        values["form"] = ["q": query.text ?? ""]
        values["regions"] = page.regionOptions(selected: query.region)
        values["types"] = Page.options(try await catalog.registrationTypes(), selected: query.registrationType)
        return try page.render("practitioners", title: page.word("practitioners"), values)
    }

    func practitioner(_ request: Request, _ number: String) async throws -> Response {
        guard number.count <= 40, let found = try await catalog.practitioner(registration: number, on: site.today)
        else {
            throw PublicFailure.notFound
        }
        let page = Page(site: site, request: request, revision: found.revision)
        return try page.render(
            "practitioner", title: found.name,
            [
                "p": ["name": found.name, "maskedIdentityNumber": found.maskedIdentityNumber],
                "registrations": found.registrations.map(page.registrationValues),
            ])
    }

    func projects(_ request: Request) async throws -> Response {
        var page = Page(site: site, request: request)
        let query = try page.projectQuery()
        let role = query.role
        let found = try await catalog.projects(query)
        page.revision = found.revision
        var values = page.pager(found)
        values["items"] = found.items.map(page.participationValues)
        values["form"] = ["q": query.text ?? ""]
        values["regions"] = page.regionOptions(selected: query.region)
        values["roles"] = ProjectRole.allCases.map { item in
            ["value": item.name, "label": page.language.name(item.name), "selected": item == role] as [String: Any]
        }
        values["awards"] = Page.options(try await catalog.awardNames(), selected: query.award)
        return try page.render("projects", title: page.word("projects"), values)
    }

    func project(_ request: Request, _ number: String) async throws -> Response {
        guard number.count <= 40, let found = try await catalog.project(number, on: site.today) else {
            throw PublicFailure.notFound
        }
        let page = Page(site: site, request: request, revision: found.revision)
        return try page.render(
            "project", title: found.name,
            [
                "pr": ["name": found.name, "projectNumber": found.projectNumber, "awards": found.awards],
                "regionName": page.regionName(found.region), "hasAwards": !found.awards.isEmpty,
                "participants": found.participants.map(page.participationValues),
                "records": found.records.map(page.recordValues), "hasRecords": !found.records.isEmpty,
                "showEnterprise": true,
            ])
    }

    func records(_ request: Request) async throws -> Response {
        var page = Page(site: site, request: request)
        let (query, kindText) = try page.recordQuery()
        let category = query.category
        let level = query.authorityLevel
        let found = try await catalog.records(query, on: site.today)
        page.revision = found.revision
        var values = page.pager(found)
        values["records"] = found.items.map(page.recordValues)
        values["showEnterprise"] = true
        values["heading"] =
            kindText == "good"
            ? page.word("goodRecords") : kindText == "blacklist" ? page.word("blacklist") : page.word("badRecords")
        values["kinds"] = Page.recordKinds.map { value in
            [
                "value": value,
                "label": value == "unfavourable"
                    ? page.language.name("bad") + " + " + page.language.name("blacklist") : page.language.name(value),
                "selected": value == kindText,
            ] as [String: Any]
        }
        values["regions"] = page.regionOptions(selected: query.region)
        values["categories"] = BehaviourCode.categories.map { item in
            ["value": item.code, "label": item.name, "selected": item.code == category] as [String: Any]
        }
        values["levels"] = AuthorityLevel.allCases.map { item in
            ["value": item.name, "label": page.language.name(item.name), "selected": item == level] as [String: Any]
        }
        values["form"] = ["from": query.decidedFrom?.description ?? "", "until": query.decidedUntil?.description ?? ""]
        return try page.render("records", title: values["heading"] as? String ?? "", values)
    }

    func record(_ request: Request, _ number: String) async throws -> Response {
        guard number.count <= 40, let found = try await catalog.record(number, on: site.today) else {
            throw PublicFailure.notFound
        }
        let page = Page(site: site, request: request, revision: try await catalog.revision())
        var values = page.recordValues(found)
        values["r"] =
            [
                "recordNumber": found.recordNumber, "enterpriseName": found.enterpriseName, "uscc": found.uscc,
                "behaviourCode": present(found.behaviourCode), "behaviourDescription": found.behaviourDescription ?? "",
                "decisionNumber": found.decisionNumber, "authority": found.authority,
                "decisionDate": found.decisionDate,
                "summary": found.summary, "publishedFrom": found.publishedFrom, "publishedUntil": found.publishedUntil,
                "recordedIn": "\(page.regionName(found.recordedIn)) (\(found.recordedIn))",
                "publishedBy": found.publishedBy,
            ] as [String: Any]
        return try page.render("record", title: "\(page.word("record")) \(found.recordNumber)", values)
    }

    func check(_ request: Request) async throws -> Response {
        var page = Page(site: site, request: request)
        let key = try page.text("key", maximum: 20)
        var values: [String: Any] = ["form": ["key": key ?? ""], "asked": key != nil]
        if let key {
            let found = try await catalog.documentStatus(key.uppercased())
            if let revision = found?.revision {
                page.revision = revision
            } else {
                page.revision = try await catalog.revision()
            }
            if let found {
                values["found"] = true
                values["d"] =
                    [
                        "documentNumber": found.documentNumber, "enterpriseName": found.enterpriseName,
                        "issuedOn": found.issuedOn, "endedOn": present(found.endedOn),
                    ] as [String: Any]
                values["enterpriseHref"] = page.link("/enterprises/\(found.uscc)")
                values["stateClass"] = found.state
                values["stateName"] = page.language.name(found.state == "revoked" ? "revokedDocument" : found.state)
                values["endedLabel"] = page.language.name(found.state == "revoked" ? "endedRevoked" : "endedSuperseded")
            } else {
                values["found"] = false
                values["stateClass"] = "unknown"
            }
        } else {
            page.revision = try await catalog.revision()
        }
        return try page.render("check", title: page.word("documentCheck"), values)
    }

    /// `/enterprises/{USCC}/report.json`: the enterprise's current public view as a signed data
    /// package of one view (Cards/DATA-PACKAGE.md), which `handbook-verify report` checks offline.
    func report(_ request: Request, _ key: String) async throws -> Response {
        guard let signing = site.signing else {
            throw PublicFailure(status: .notFound, headingKey: "notFound", messageKey: "notFoundMessage")
        }
        guard key.count <= 18, let uscc = try? USCC(key, mode: .lenient) else { throw PublicFailure.notFound }
        let now = site.clock()
        let day = CardDate(now)
        guard let view = try await catalog.view(of: uscc.value, on: day) else { throw PublicFailure.notFound }
        let bytes = try PublicReport.sign(view, at: now, with: signing)
        var headers = HTTPFields()
        headers[.contentType] = "application/jsonl; charset=utf-8"
        headers[.contentDisposition] =
            "attachment; filename=\"credit-report-\(uscc.value)-r\(view.revision)-\(day).jsonl\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `/packages/{region}`: the region's signed data package, the same file the service builds.
    func package(_ request: Request, _ text: String, context: PublicContext) async throws -> Response {
        guard let packages = site.packages, let region = try? RegionCode(text),
            ["310000", "320000", "330000"].contains(region.code)
        else { throw PublicFailure.notFound }
        let built = try await packages(region)
        var headers = HTTPFields()
        headers[.contentType] = "application/jsonl"
        headers[.contentDisposition] = "attachment; filename=\"\(region.code)-r\(built.revision).package.jsonl\""
        return Response(
            status: .ok, headers: headers, body: try await FileIO().loadFile(path: built.path, context: context))
    }
}

/// The signed credit report: a data package holding one enterprise's view.
public enum PublicReport {
    /// The report's bytes, signed now.
    public static func sign(_ view: RevisionedView, at time: Date, with signing: PublicSite.ReportSigning) throws
        -> [UInt8]
    {
        var bytes: [UInt8] = []
        let region = view.view.enterprise.registeredRegion.provinceCode
        let writer = try DataPackageWriter(
            header: DataPackageHeader(
                region: region, createdAt: CardTimestamp(time), asOf: view.asOf, databaseRevision: view.revision,
                auditHead: "", source: "长三角区域建筑市场信用信息平台 — credit report of \(view.view.enterprise.uscc.value)"),
            key: signing.key, certificate: signing.certificate, sink: { bytes.append(contentsOf: $0) })
        try writer.write(.view(view.view))
        try writer.finish()
        return bytes
    }
}
