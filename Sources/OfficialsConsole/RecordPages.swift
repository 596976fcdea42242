import CodedErrors
import CreditStore
import Foundation
import HandbookCodec
import Hummingbird
import IssuanceService

/// Enterprises, collection (采集), approval (审核) and publication of credit records.
struct RecordPages: Sendable {
    let console: OfficialsConsole
    var store: any CreditStore { console.store }

    func addRoutes(to group: RouterGroup<ServiceContext>) {
        group.page(.get, "/enterprises", .searchEnterprises, console: console) { visit in try await search(visit) }
        group.page(.get, "/enterprises/:key", .readEnterprise, console: console) { visit in
            try await enterprisePage(visit)
        }
        group.page(.get, "/records/new", .recordCredit, console: console) { visit in
            var values: [String: String] = [:]
            for (key, value) in visit.request.uri.queryParameters { values[String(key)] = String(value) }
            if values["region"] == nil { values["region"] = visit.account.scope.single?.code ?? "" }
            if values["publicationMonths"] == nil { values["publicationMonths"] = "6" }
            if values["decisionDate"] == nil { values["decisionDate"] = console.today.description }
            return try recordForm(visit, values: values, errors: [:])
        }
        group.page(.post, "/records", .recordCredit, console: console) { visit in try await create(visit) }
        group.page(.get, "/records/:number", .readRecord, console: console) { visit in try await recordPage(visit) }
        group.page(.get, "/records/:number/amend", .amendRecord, console: console) { visit in
            let record = try await load(visit)
            return try amendForm(visit, record, values: amendValues(record), errors: [:])
        }
        group.page(.post, "/records/:number/amend", .amendRecord, console: console) { visit in try await amend(visit) }
        group.page(.post, "/records/:number/approve", .approveRecord, console: console) { visit in
            let number = try visit.parameter("number") { try RecordNumber($0) }
            _ = try await store.approve(number, by: visit.account)
            return visit.redirect("/console/records/\(number)", [("done", "approved")])
        }
        group.page(.post, "/records/:number/reject", .rejectRecord, console: console) { visit in
            let number = try visit.parameter("number") { try RecordNumber($0) }
            let reason = try required(visit, "reason")
            _ = try await store.reject(number, reason: reason, by: visit.account)
            return visit.redirect("/console/records/\(number)", [("done", "rejected")])
        }
        group.page(.post, "/records/:number/publish", .publishRecord, console: console) { visit in
            let number = try visit.parameter("number") { try RecordNumber($0) }
            let day = try visit.form.text("on").map { text in try fieldValue(visit, "on") { try CardDate(iso: text) } }
            _ = try await store.publish(number, on: day ?? console.today, by: visit.account)
            return visit.redirect("/console/records/\(number)", [("done", "published")])
        }
        group.page(.post, "/records/:number/withdraw", .withdrawRecord, console: console) { visit in
            let number = try visit.parameter("number") { try RecordNumber($0) }
            _ = try await store.withdraw(number, reason: try required(visit, "reason"), by: visit.account)
            return visit.redirect("/console/records/\(number)", [("done", "withdrawn")])
        }
        group.page(.post, "/records/:number/shortenings", .requestShortening, console: console) { visit in
            let number = try visit.parameter("number") { try RecordNumber($0) }
            let until = try fieldValue(visit, "until") { try CardDate(iso: visit.form["until"] ?? "") }
            _ = try await store.requestShortening(
                number, until: until, reason: try required(visit, "reason"), by: visit.account)
            return visit.redirect("/console/records/\(number)", [("done", "shortening")])
        }
        group.page(.post, "/shortenings/:id/approve", .decideShortening, console: console) { visit in
            let id = try visit.parameter("id") { text -> Int64 in
                guard let id = Int64(text), id > 0 else { throw ServiceError(.notFound, "NOT_FOUND", "") }
                return id
            }
            let record = try await store.approveShortening(id, by: visit.account)
            return visit.redirect("/console/records/\(record.recordNumber)", [("done", "shortened")])
        }
        group.page(.post, "/shortenings/:id/reject", .decideShortening, console: console) { visit in
            let id = try visit.parameter("id") { text -> Int64 in
                guard let id = Int64(text), id > 0 else { throw ServiceError(.notFound, "NOT_FOUND", "") }
                return id
            }
            let request = try await store.rejectShortening(id, reason: try required(visit, "reason"), by: visit.account)
            return visit.redirect("/console/records/\(request.recordNumber)", [("done", "shorteningRefused")])
        }
        group.page(.get, "/queue", .approveRecord, console: console) { visit in try await queue(visit) }
        group.page(.get, "/mine", .recordCredit, console: console) { visit in
            let items = try await store.creditRecords(
                WorkListQuery(recordedBy: visit.account.name, newestFirst: true, limit: 200), by: visit.account)
            return try visit.render(
                "console-records", title: visit.word("mineTitle"),
                [
                    "heading": visit.word("mineTitle"), "lead": visit.word("mineLead"),
                    "recordList": ["rows": items.map { RecordPages.row(visit, $0) }], "empty": items.isEmpty,
                ])
        }
    }

    // MARK: Enterprises

    func search(_ visit: Visit) async throws -> Response {
        let query = (visit.request.uri.queryParameters.get("q") ?? "").trimmingCharacters(in: .whitespaces)
        guard query.count <= 100 else { throw ServiceError(.malformed, "BAD_PARAMETER", "q: at most 100 characters") }
        var found: [Enterprise] = []
        if !query.isEmpty {
            if let exact = try await store.enterprise(identifiedBy: query, by: visit.account) {
                found = [exact]
            } else {
                found = try await store.enterprises(namePrefix: query, limit: 50, by: visit.account)
            }
        }
        return try visit.render(
            "console-enterprises", title: visit.word("enterprisesTitle"),
            [
                "q": query, "searched": !query.isEmpty, "empty": found.isEmpty,
                "action": visit.link("/console/enterprises"), "lang": visit.language.rawValue,
                "english": visit.language == .english,
                "results": found.map { enterprise in
                    [
                        "name": enterprise.name, "uscc": enterprise.uscc.value,
                        "region": visit.language.region(enterprise.registeredRegion),
                        "href": visit.link("/console/enterprises/\(enterprise.uscc.value)"),
                    ]
                },
            ])
    }

    func enterprisePage(_ visit: Visit) async throws -> Response {
        let key = try visit.parameter("key") { $0 }
        guard let enterprise = try await store.enterprise(identifiedBy: key, by: visit.account) else {
            throw ServiceError(.notFound, "STORE_NOT_FOUND", "no enterprise \(LogText.escaped(key, limit: 32))")
        }
        let role = visit.account.role
        var values: [String: Any] = [
            "name": enterprise.name, "uscc": enterprise.uscc.value,
            "region": visit.language.region(enterprise.registeredRegion),
            "legalRepresentative": enterprise.legalRepresentative,
            "organizationCode": enterprise.organizationCode?.description ?? "—",
            "registrationNumber": enterprise.registrationNumber?.description ?? "—",
            "mayRecord": Action.recordCredit.allows(role),
            "recordHref": visit.link("/console/records/new", [("uscc", enterprise.uscc.value)]),
            "mayIssue": Action.issueHandbook.allows(role),
            "issueHref": visit.link("/console/issue", [("uscc", enterprise.uscc.value)]),
        ]
        if Action.readRecord.allows(role) {
            let items = try await store.creditRecords(
                WorkListQuery(uscc: enterprise.uscc, newestFirst: true, limit: 200), by: visit.account)
            if !items.isEmpty { values["recordList"] = ["rows": items.map { RecordPages.row(visit, $0) }] }
            values["showRecords"] = true
            values["noRecords"] = items.isEmpty
        }
        if Action.readCard.allows(role) {
            let cards = try await store.cards(of: enterprise.uscc, by: visit.account)
            values["cards"] = cards.map { CardPages.cardRow(visit, $0) }
            values["showCards"] = true
            values["noCards"] = cards.isEmpty
        }
        return try visit.render("console-enterprise", title: enterprise.name, values)
    }

    // MARK: Collection

    static let recordFields = [
        "uscc", "region", "kind", "behaviourCode", "projectNumber", "decisionNumber", "authority", "authorityLevel",
        "decisionDate", "publicationMonths", "summary",
    ]

    func create(_ visit: Visit) async throws -> Response {
        var values: [String: String] = [:]
        for name in Self.recordFields { values[name] = visit.form[name] ?? "" }
        values["codeSearch"] = visit.form["codeSearch"] ?? ""
        // "Find" narrows the behaviour codes and keeps everything typed; nothing is recorded.
        if visit.form["find"] != nil { return try recordForm(visit, values: values, errors: [:]) }
        var errors: [String: String] = [:]
        func check<T>(_ name: String, _ make: () throws -> T) -> T? {
            do { return try make() } catch { errors[name] = Self.message(error) }
            return nil
        }
        func text(_ name: String) -> String { values[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        var enterprise: Enterprise?
        if text("uscc").isEmpty {
            errors["uscc"] = visit.word("required")
        } else {
            enterprise = try await store.enterprise(identifiedBy: text("uscc"), by: visit.account)
            if enterprise == nil { errors["uscc"] = visit.word("noEnterprise") }
        }
        let region = check("region") { try RegionCode(text("region")) }
        let kind = check("kind") { () throws -> RecordKind in
            guard let kind = RecordKind(name: text("kind")) else {
                throw ServiceError(.invalidInput, "", visit.word("chooseKind"))
            }
            return kind
        }
        let code =
            text("behaviourCode").isEmpty ? nil : check("behaviourCode") { try BehaviourCode(text("behaviourCode")) }
        let project =
            text("projectNumber").isEmpty ? nil : check("projectNumber") { try ProjectNumber(text("projectNumber")) }
        let level = check("authorityLevel") { () throws -> AuthorityLevel in
            guard let level = AuthorityLevel.allCases.first(where: { $0.name == text("authorityLevel") }) else {
                throw ServiceError(.invalidInput, "", visit.word("chooseLevel"))
            }
            return level
        }
        let date = check("decisionDate") { try CardDate(iso: text("decisionDate")) }
        let months = check("publicationMonths") { () throws -> Int in
            guard let months = Int(text("publicationMonths")) else {
                throw ServiceError(.invalidInput, "", visit.word("wholeMonths"))
            }
            return months
        }
        for name in ["decisionNumber", "authority", "summary"] where text(name).isEmpty {
            errors[name] = visit.word("required")
        }
        guard errors.isEmpty, let enterprise, let region, let kind, let level, let date, let months else {
            return try recordForm(visit, values: values, errors: errors)
        }
        let draft = RecordDraft(
            region: region, uscc: enterprise.uscc, kind: kind, behaviourCode: code, projectNumber: project,
            decisionNumber: text("decisionNumber"), authority: text("authority"), authorityLevel: level,
            decisionDate: date, publicationMonths: months, summary: text("summary"))
        let outcome: Result<StoredRecord, StoreError>
        do {
            outcome = .success(try await store.record(draft, by: visit.account))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let record):
            return visit.redirect("/console/records/\(record.recordNumber)", [("done", "recorded")])
        case .failure(let error) where error.kind == .invalidInput || error.kind == .notFound:
            let (field, message) = Self.fieldOf(error.message, fields: Self.recordFields)
            return try recordForm(visit, values: values, errors: [field ?? "form": message])
        case .failure(let error):
            throw error
        }
    }

    /// The field a store message names (`decisionDate: …`), and the message without it.
    static func fieldOf(_ message: String, fields: [String]) -> (String?, String) {
        for field in fields where message.hasPrefix(field + ": ") {
            return (field, String(message.dropFirst(field.count + 2)))
        }
        return (nil, message)
    }

    static func message(_ error: any Error) -> String {
        (error as? any CodedError)?.message ?? "\(error)"
    }

    func recordForm(_ visit: Visit, values: [String: String], errors: [String: String]) throws -> Response {
        let search = (values["codeSearch"] ?? "").trimmingCharacters(in: .whitespaces)
        let chosen = values["behaviourCode"] ?? ""
        let codes = BehaviourCode.national.filter {
            search.isEmpty || $0.code.localizedCaseInsensitiveContains(search) || $0.description.contains(search)
                || $0.code == chosen
        }
        var fields: [String: Any] = [:]
        for name in Self.recordFields + ["codeSearch"] {
            fields[name] = [
                "value": values[name] ?? "", "error": errors[name] ?? "", "hasError": errors[name] != nil,
                "hint": visit.language.strings["hint." + name] ?? "",
            ]
        }
        let kind = values["kind"] ?? "bad"
        let level = values["authorityLevel"] ?? "city"
        return try visit.render(
            "console-record-form", title: visit.word("newRecordTitle"),
            [
                "f": fields, "action": visit.link("/console/records"), "formError": errors["form"] ?? "",
                "hasFormError": errors["form"] != nil, "hasErrors": !errors.isEmpty,
                "kinds": RecordKind.allCases.map {
                    ["value": $0.name, "label": visit.language.name("kind." + $0.name), "selected": $0.name == kind]
                },
                "levels": AuthorityLevel.allCases.map {
                    ["value": $0.name, "label": visit.language.name("level." + $0.name), "selected": $0.name == level]
                },
                "codes": codes.map {
                    ["value": $0.code, "label": "\($0.code) \($0.description)", "selected": $0.code == chosen]
                },
                "codeCount": String(codes.count), "noCodeChosen": chosen.isEmpty,
            ], status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    // MARK: A record

    func load(_ visit: Visit) async throws -> StoredRecord {
        let number = try visit.parameter("number") { try RecordNumber($0) }
        guard let record = try await store.creditRecord(number, by: visit.account) else {
            throw ServiceError(.notFound, "STORE_NOT_FOUND", "no credit record numbered \(number)")
        }
        return record
    }

    func recordPage(_ visit: Visit) async throws -> Response {
        let record = try await load(visit)
        let account = visit.account
        let history = try await store.history(of: record.recordNumber, by: account)
        let shortenings = try await store.shorteningRequests(of: record.recordNumber, by: account)
        let others = try await store.creditRecords(
            WorkListQuery(uscc: record.uscc, newestFirst: true, limit: 50), by: account
        ).filter { $0.record.recordNumber != record.recordNumber }
        let enterprise = try await store.enterprise(identifiedBy: record.uscc.value, by: account)
        let maker = history.contains {
            ($0.action == "recorded" || $0.action == "amended") && $0.account == account.name
        }
        let role = account.role
        let status = record.status
        let window = publicationWindow(record)
        let latestRejection = history.last { $0.action == "rejected" }
        let values: [String: Any] = [
            "r": RecordPages.fields(visit, record),
            "enterpriseName": enterprise?.name ?? record.uscc.value,
            "enterpriseHref": visit.link("/console/enterprises/\(record.uscc.value)"),
            "done": visit.request.uri.queryParameters.get("done").map { visit.word("done." + $0) } ?? "",
            "rejected": [
                "reason": latestRejection?.reason ?? "", "by": latestRejection?.account ?? "",
                "at": latestRejection?.at.description ?? "",
            ],
            "isRejected": status == .rejected && latestRejection != nil,
            "timeline": history.reversed().map { step in
                [
                    "version": String(step.version), "action": visit.language.name("step." + step.action),
                    "account": step.account, "at": step.at.description, "reason": step.reason ?? "",
                    "revision": String(step.revision),
                    "status": visit.language.name("status." + step.snapshot.status.rawValue),
                    "summary": step.snapshot.summary, "decisionNumber": step.snapshot.decisionNumber,
                ]
            },
            "shortenings": shortenings.map { request in
                [
                    "id": String(request.id), "until": request.requestedUntil.description, "reason": request.reason,
                    "status": visit.language.name("shortening." + request.status.rawValue), "by": request.requestedBy,
                    "decidedBy": request.decidedBy ?? "", "decisionReason": request.decisionReason ?? "",
                    "pending": request.status == .pending,
                    "mayDecide": request.status == .pending && Action.decideShortening.allows(role)
                        && request.requestedBy != account.name,
                    "approveAction": visit.link("/console/shortenings/\(request.id)/approve"),
                    "rejectAction": visit.link("/console/shortenings/\(request.id)/reject"),
                ]
            },
            "hasShortenings": !shortenings.isEmpty,
            "otherList": ["rows": others.map { RecordPages.row(visit, $0) }], "hasOthers": !others.isEmpty,
            "maker": maker,
            "mayApprove": status == .recorded && Action.approveRecord.allows(role) && !maker,
            "mayReject": status == .recorded && Action.rejectRecord.allows(role),
            "mayPublish": status == .approved && Action.publishRecord.allows(role) && !maker,
            "makerBlocks": (status == .recorded || status == .approved) && Action.approveRecord.allows(role) && maker,
            "mayWithdraw": [.recorded, .approved, .published].contains(status) && Action.withdrawRecord.allows(role),
            "mayAmend": [.recorded, .approved, .published].contains(status) && Action.amendRecord.allows(role),
            "mayRequestShortening": status == .published && record.kind.isUnfavourable
                && Action.requestShortening.allows(role),
            "window": window,
            "today": console.today.description,
            "base": visit.link("/console/records/\(record.recordNumber)"),
            "approveAction": visit.link("/console/records/\(record.recordNumber)/approve"),
            "rejectAction": visit.link("/console/records/\(record.recordNumber)/reject"),
            "publishAction": visit.link("/console/records/\(record.recordNumber)/publish"),
            "withdrawAction": visit.link("/console/records/\(record.recordNumber)/withdraw"),
            "amendHref": visit.link("/console/records/\(record.recordNumber)/amend"),
            "shorteningAction": visit.link("/console/records/\(record.recordNumber)/shortenings"),
        ]
        return try visit.render("console-record", title: "\(visit.word("record")) \(record.recordNumber)", values)
    }

    /// The window a publication today would give: from today for the record's months.
    func publicationWindow(_ record: StoredRecord) -> String {
        if let from = record.publishedFrom, let until = record.publishedUntil { return "\(from) – \(until)" }
        let today = console.today
        guard let until = try? today.adding(months: record.publicationMonths) else { return "" }
        return "\(today) – \(until)"
    }

    static func fields(_ visit: Visit, _ record: StoredRecord) -> [String: Any] {
        [
            "number": record.recordNumber.value, "kind": record.kind.name,
            "kindLabel": visit.language.name("kind." + record.kind.name),
            "behaviourCode": record.behaviourCode?.code ?? "—",
            "behaviour": record.behaviourCode?.behaviourDescription ?? "",
            "decisionNumber": record.decisionNumber, "authority": record.authority,
            "level": visit.language.name("level." + record.authorityLevel.name),
            "decisionDate": record.decisionDate.description, "months": String(record.publicationMonths),
            "publishedFrom": record.publishedFrom?.description ?? "—",
            "publishedUntil": record.publishedUntil?.description ?? "—", "summary": record.summary,
            "status": record.status.rawValue, "statusLabel": visit.language.name("status." + record.status.rawValue),
            "version": String(record.version), "uscc": record.uscc.value,
            "project": record.projectNumber?.value ?? "—",
        ]
    }

    static func row(_ visit: Visit, _ item: RecordListItem) -> [String: Any] {
        var row = fields(visit, item.record)
        row["href"] = visit.link("/console/records/\(item.record.recordNumber)")
        row["recordedBy"] = item.recordedBy ?? "—"
        row["recordedAt"] = item.recordedAt?.description ?? "—"
        row["reason"] = item.record.status == .rejected ? item.latestReason ?? "" : ""
        return row
    }

    /// Rows of the queue's lists per page.
    static let pageSize = 50

    /// The records of `query`'s page `page` (from 1) and whether a further page exists.
    func page(_ query: WorkListQuery, _ page: Int, _ account: Account) async throws -> ([RecordListItem], Bool) {
        var query = query
        query.offset = (page - 1) * Self.pageSize
        query.limit = Self.pageSize + 1
        let items = try await store.creditRecords(query, by: account)
        return (Array(items.prefix(Self.pageSize)), items.count > Self.pageSize)
    }

    func queue(_ visit: Visit) async throws -> Response {
        // The waiting list and the approved list each in pages of 50, oldest first.
        func number(_ name: String) throws -> Int {
            guard let text = visit.request.uri.queryParameters.get(name) else { return 1 }
            guard let value = Int(text), (1...200).contains(value) else {
                throw ServiceError(.malformed, "BAD_PARAMETER", "\(name): a page from 1 to 200")
            }
            return value
        }
        let waitingPage = try number("page")
        let approvedPage = try number("approvedPage")
        let (waiting, moreWaiting) = try await page(WorkListQuery(statuses: [.recorded]), waitingPage, visit.account)
        let (approved, moreApproved) = try await page(
            WorkListQuery(statuses: [.approved]), approvedPage, visit.account)
        let shortenings = try await store.pendingShortenings(limit: 200, by: visit.account)
        func link(_ waiting: Int, _ approved: Int) -> String {
            visit.link("/console/queue", [("page", String(waiting)), ("approvedPage", String(approved))])
        }
        return try visit.render(
            "console-queue", title: visit.word("queueTitle"),
            [
                "waitingList": ["rows": waiting.map { RecordPages.row(visit, $0) }], "noWaiting": waiting.isEmpty,
                "approvedList": ["rows": approved.map { RecordPages.row(visit, $0) }], "noApproved": approved.isEmpty,
                "waitingNext": moreWaiting ? link(waitingPage + 1, approvedPage) : "",
                "waitingPrevious": waitingPage > 1 ? link(waitingPage - 1, approvedPage) : "",
                "approvedNext": moreApproved ? link(waitingPage, approvedPage + 1) : "",
                "approvedPrevious": approvedPage > 1 ? link(waitingPage, approvedPage - 1) : "",
                "shortenings": shortenings.map { request in
                    [
                        "record": request.recordNumber.value, "until": request.requestedUntil.description,
                        "reason": request.reason, "by": request.requestedBy,
                        "href": visit.link("/console/records/\(request.recordNumber)"),
                    ]
                },
                "noShortenings": shortenings.isEmpty,
            ])
    }

    // MARK: Amendment

    static let amendFields = [
        "behaviourCode", "decisionNumber", "authority", "authorityLevel", "decisionDate", "summary", "reason",
    ]

    func amendValues(_ record: StoredRecord) -> [String: String] {
        [
            "behaviourCode": record.behaviourCode?.code ?? "", "decisionNumber": record.decisionNumber,
            "authority": record.authority, "authorityLevel": record.authorityLevel.name,
            "decisionDate": record.decisionDate.description, "summary": record.summary, "reason": "",
        ]
    }

    func amendForm(_ visit: Visit, _ record: StoredRecord, values: [String: String], errors: [String: String]) throws
        -> Response
    {
        var fields: [String: Any] = [:]
        for name in Self.amendFields {
            fields[name] = [
                "value": values[name] ?? "", "error": errors[name] ?? "", "hasError": errors[name] != nil,
                "hint": visit.language.strings["hint." + name] ?? "",
            ]
        }
        let level = values["authorityLevel"] ?? ""
        return try visit.render(
            "console-amend", title: "\(visit.word("amendTitle")) \(record.recordNumber)",
            [
                "number": record.recordNumber.value, "f": fields,
                "action": visit.link("/console/records/\(record.recordNumber)/amend"),
                "back": visit.link("/console/records/\(record.recordNumber)"), "formError": errors["form"] ?? "",
                "hasFormError": errors["form"] != nil, "unfavourable": record.kind.isUnfavourable,
                "levels": AuthorityLevel.allCases.map {
                    ["value": $0.name, "label": visit.language.name("level." + $0.name), "selected": $0.name == level]
                },
            ], status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func amend(_ visit: Visit) async throws -> Response {
        let record = try await load(visit)
        var values: [String: String] = [:]
        for name in Self.amendFields {
            values[name] = (visit.form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var errors: [String: String] = [:]
        let original = amendValues(record)
        func changed(_ name: String) -> String? {
            guard let value = values[name], !value.isEmpty, value != original[name] else { return nil }
            return value
        }
        var amendment = RecordAmendment()
        do {
            amendment.behaviourCode = try changed("behaviourCode").map { try BehaviourCode($0) }
        } catch { errors["behaviourCode"] = Self.message(error) }
        amendment.decisionNumber = changed("decisionNumber")
        amendment.authority = changed("authority")
        if let level = changed("authorityLevel") {
            amendment.authorityLevel = AuthorityLevel.allCases.first { $0.name == level }
            if amendment.authorityLevel == nil { errors["authorityLevel"] = visit.word("chooseLevel") }
        }
        do {
            amendment.decisionDate = try changed("decisionDate").map { try CardDate(iso: $0) }
        } catch { errors["decisionDate"] = Self.message(error) }
        amendment.summary = changed("summary")
        if (values["reason"] ?? "").isEmpty { errors["reason"] = visit.word("required") }
        if errors.isEmpty && amendment.isEmpty { errors["form"] = visit.word("nothingChanged") }
        guard errors.isEmpty else { return try amendForm(visit, record, values: values, errors: errors) }
        let outcome: Result<StoredRecord, StoreError>
        do {
            outcome = .success(
                try await store.amend(record.recordNumber, amendment, reason: values["reason"] ?? "", by: visit.account)
            )
        } catch {
            outcome = .failure(error)
        }
        if case .failure(let error) = outcome {
            guard error.kind == .invalidInput else { throw error }
            let (field, message) = Self.fieldOf(error.message, fields: Self.amendFields)
            return try amendForm(visit, record, values: values, errors: [field ?? "form": message])
        }
        return visit.redirect("/console/records/\(record.recordNumber)", [("done", "amended")])
    }
}

/// A required text field of the form, or 422 naming it.
func required(_ visit: Visit, _ name: String) throws -> String {
    guard let value = visit.form.text(name) else {
        throw ServiceError(.invalidInput, "INVALID_FIELD", "\(visit.word("field_" + name)): \(visit.word("required"))")
    }
    return value
}

/// A field made into its type, or 422 naming it.
func fieldValue<T>(_ visit: Visit, _ name: String, _ make: () throws -> T) throws -> T {
    do {
        return try make()
    } catch {
        throw ServiceError(
            .invalidInput, "INVALID_FIELD", "\(visit.word("field_" + name)): \(RecordPages.message(error))")
    }
}
