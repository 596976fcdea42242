import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import Hummingbird
import Mustache
import NIOCore

/// One page being answered: its language, its links (which keep the language), its template values.
struct Page {
    let site: PublicSite
    let request: Request
    let language: Language
    /// The revision the page's data was read at, shown in its footer.
    var revision: UInt64?

    init(site: PublicSite, request: Request, revision: UInt64? = nil) {
        self.site = site
        self.request = request
        self.revision = revision
        language = Self.language(request)
    }

    static func language(_ request: Request) -> Language {
        request.uri.queryParameters.get("lang") == "en" ? .english : .chinese
    }

    static let queryAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? ""
    }

    /// A link within the site in this page's language.
    func link(_ path: String, _ parameters: [(String, String)] = []) -> String {
        var pairs = parameters.filter { !$0.1.isEmpty }
        if language == .english { pairs.append(("lang", "en")) }
        guard !pairs.isEmpty else { return path }
        return path + "?" + pairs.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
    }

    /// This page in the other language: the same path and query, `lang` switched.
    var switchLanguage: String {
        var pairs: [(String, String)] = []
        for (key, value) in request.uri.queryParameters where key != "lang" {
            pairs.append((String(key), String(value)))
        }
        if language == .chinese { pairs.append(("lang", "en")) }
        let path = request.uri.path
        return pairs.isEmpty
            ? path : path + "?" + pairs.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
    }

    /// The same list with another page number.
    func pageLink(_ number: Int) -> String {
        var pairs: [(String, String)] = []
        for (key, value) in request.uri.queryParameters where key != "page" && key != "lang" {
            pairs.append((String(key), String(value)))
        }
        pairs.append(("page", String(number)))
        return link(request.uri.path, pairs)
    }

    var words: [String: String] { language.strings }

    func word(_ key: String) -> String { words[key] ?? key }

    /// Renders `template` inside the site's frame.
    func render(_ template: String, title: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) throws
        -> Response
    {
        var context = values
        context["t"] = words
        context["title"] = title
        context["english"] = language == .english
        context["today"] = site.today.description
        context["revision"] = revision.map(String.init) ?? "—"
        context["printView"] = request.uri.queryParameters.get("print") == "1"
        context["links"] = [
            "home": link("/"), "enterprises": link("/enterprises"), "practitioners": link("/practitioners"),
            "projects": link("/projects"), "bad": link("/records", [("kind", "bad")]),
            "blacklist": link("/records", [("kind", "blacklist")]), "good": link("/records", [("kind", "good")]),
            "check": link("/check"), "switchLanguage": switchLanguage,
        ]
        guard let html = site.templates.render(context, withTemplate: template) else {
            throw PublicFailure(
                status: .internalServerError, headingKey: "unavailable", messageKey: "unavailableMessage")
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentLanguage] = words["htmlLang"]
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The pager's values: the count said plainly and up to eleven page links around this one.
    func pager<Item>(_ page: PublicPage<Item>) -> [String: Any] {
        let count = Self.grouped(Int64(page.total))
        let summary =
            (page.totalIsAtLeast ? word("resultsAtLeast") : word("results")).replacingOccurrences(of: "%@", with: count)
            + (page.total > 0 ? " · " + word("page").replacingOccurrences(of: "%@", with: String(page.page)) : "")
        var links: [[String: Any]] = []
        let last = page.pageCount
        if page.page > 1 {
            links.append(["label": word("previous"), "href": pageLink(page.page - 1), "rel": "prev", "current": false])
        }
        let low = max(1, page.page - 5)
        let high = min(last, low + 10)
        for number in low...max(low, high) where number <= last {
            links.append([
                "label": String(number), "href": pageLink(number), "rel": "", "current": number == page.page,
            ])
        }
        if page.page < last {
            links.append(["label": word("next"), "href": pageLink(page.page + 1), "rel": "next", "current": false])
        }
        return ["summary": summary, "hasPages": last > 1, "pageLinks": links, "empty": page.items.isEmpty]
    }

    static func grouped(_ value: Int64) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 && character != "-" { out.append(",") }
            out.append(character)
        }
        return out
    }

    // MARK: Query parameters, bounded

    /// A text parameter, trimmed, at most `maximum` characters (longer is refused, not cut).
    func text(_ name: String, maximum: Int = 50) throws -> String? {
        guard let value = request.uri.queryParameters.get(name) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= maximum else {
            throw PublicFailure.badRequest("\(name): at most \(maximum) characters")
        }
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The page number: 1 to ``PublicCatalog/maximumPage``.
    func pageNumber() throws -> Int {
        guard let text = request.uri.queryParameters.get("page") else { return 1 }
        guard let number = Int(text), (1...PublicCatalog.maximumPage).contains(number) else {
            throw PublicFailure.badRequest("page: a whole number from 1 to \(PublicCatalog.maximumPage)")
        }
        return number
    }

    /// A region code parameter (a province, a city or a county of the table).
    func region() throws -> String? {
        guard let text = try text("region", maximum: 6) else { return nil }
        guard (try? RegionCode(text)) != nil else { throw PublicFailure.badRequest("region: a GB/T 2260 code") }
        return text
    }

    func date(_ name: String) throws -> CardDate? {
        guard let text = try text(name, maximum: 10) else { return nil }
        guard let date = try? CardDate(iso: text) else { throw PublicFailure.badRequest("\(name): YYYY-MM-DD") }
        return date
    }

    // MARK: The lists' questions, as the pages and the API read them

    func enterpriseQuery() throws -> EnterpriseQuery {
        EnterpriseQuery(
            text: try text("q"), region: try region(), qualificationCategory: try text("category", maximum: 100),
            qualificationGrade: try text("grade", maximum: 40),
            unfavourableNow: request.uri.queryParameters.get("bad") == "1", page: try pageNumber())
    }

    func practitionerQuery() throws -> PractitionerQuery {
        PractitionerQuery(
            text: try text("q"), registrationType: try text("type", maximum: 100), region: try region(),
            page: try pageNumber())
    }

    func projectQuery() throws -> ProjectQuery {
        let role = try text("role", maximum: 40).map { name in
            guard let role = ProjectRole(name: name) else { throw PublicFailure.badRequest("role: unknown role") }
            return role
        }
        return ProjectQuery(
            text: try text("q"), region: try region(), role: role, award: try text("award", maximum: 100),
            page: try pageNumber())
    }

    /// The record kinds a list shows: one kind, both unfavourable kinds, or good.
    static let recordKinds = ["bad", "blacklist", "unfavourable", "good"]

    /// The records' question and the kind asked for (`unfavourable` by default).
    func recordQuery() throws -> (query: RecordQuery, kind: String) {
        let kind = try text("kind", maximum: 20) ?? "unfavourable"
        guard Self.recordKinds.contains(kind) else {
            throw PublicFailure.badRequest("kind: \(Self.recordKinds.joined(separator: ", "))")
        }
        let level = try text("level", maximum: 20).map { name in
            guard let level = AuthorityLevel(name: name) else { throw PublicFailure.badRequest("level: unknown level") }
            return level
        }
        let category = try text("category", maximum: 10)
        if let category, category.wholeMatch(of: #/[A-G]1-[1-9][0-9]?/#) == nil {
            throw PublicFailure.badRequest("category: a behaviour category such as D1-1")
        }
        return (
            RecordQuery(
                favourable: kind == "good", kind: RecordKind(name: kind), region: try region(), category: category,
                authorityLevel: level, decidedFrom: try date("from"), decidedUntil: try date("until"),
                page: try pageNumber()), kind
        )
    }

    // MARK: Names of things in this language

    func regionName(_ code: String) -> String {
        guard let region = try? RegionCode(code) else { return code }
        let entry = region.entry ?? region.prefecture ?? region.province
        return language == .english ? entry.englishName : entry.name
    }

    /// The provinces and cities of the three provinces, for a region filter.
    func regionOptions(selected: String?) -> [[String: Any]] {
        RegionCode.table.filter { entry in
            entry.validUntil == nil && ["31", "32", "33"].contains(String(entry.code.prefix(2)))
                && (entry.level == .province || entry.level == .prefecture)
        }.map { entry in
            [
                "code": entry.code,
                "name": (entry.level == .prefecture ? "　" : "")
                    + (language == .english ? entry.englishName : entry.name),
                "selected": entry.code == selected,
            ]
        }
    }

    func recordValues(_ record: PublicRecord) -> [String: Any] {
        [
            "recordNumber": record.recordNumber, "href": link("/records/\(record.recordNumber)"),
            "enterpriseName": record.enterpriseName, "enterpriseHref": link("/enterprises/\(record.uscc)"),
            "kindName": language.name(record.kind), "kindClass": record.kind,
            "behaviourCode": present(record.behaviourCode), "behaviourDescription": record.behaviourDescription ?? "",
            "summary": record.summary, "decisionNumber": record.decisionNumber, "authority": record.authority,
            "level": language.name(record.authorityLevel), "decisionDate": record.decisionDate,
            "publishedUntil": record.publishedUntil,
            "recordedIn": "\(regionName(record.recordedIn)) (\(record.recordedIn))",
            "publishedBy": record.publishedBy,
        ]
    }

    func participationValues(_ item: PublicParticipation) -> [String: Any] {
        [
            "projectNumber": item.projectNumber, "projectName": item.projectName,
            "href": link("/projects/\(item.projectNumber)"), "enterpriseName": item.enterpriseName,
            "enterpriseHref": link("/enterprises/\(item.uscc)"), "roleName": language.name(item.role),
            "amount": Self.grouped(item.contractAmount), "completionDate": item.completionDate ?? "—",
            "awards": item.awards,
        ]
    }

    func registrationValues(_ item: PublicRegistration) -> [String: Any] {
        [
            "name": item.name, "href": link("/practitioners/\(item.registrationNumber)"),
            "registrationType": item.registrationType, "registrationNumber": item.registrationNumber,
            "maskedIdentityNumber": item.maskedIdentityNumber, "enterpriseName": item.enterpriseName,
            "enterpriseHref": link("/enterprises/\(item.uscc)"), "validUntil": item.validUntil ?? "—",
        ]
    }

    /// Options of a select: each value, selected when it is the current one.
    static func options(_ values: [String], selected: String?) -> [[String: Any]] {
        values.map { ["value": $0, "selected": $0 == selected] }
    }
}

/// A value for a template section: the value when there is one, else `false` (Mustache renders a
/// Swift nil as the text "nil").
func present(_ value: String?) -> Any { value.map { $0 as Any } ?? false }
