import CardReader
import CodedErrors
import CreditStore
import Foundation
import HandbookCodec
import Hummingbird
import ISO7816
import IssuanceService
import Logging

/// Issuance (发卡): what a card would hold, the readers of the service host, the issuance and its
/// result; a card's status, history and revocation.
struct CardPages: Sendable {
    let console: OfficialsConsole
    var store: any CreditStore { console.store }

    func addRoutes(to group: RouterGroup<ServiceContext>) {
        group.page(.get, "/issue", .issueHandbook, console: console) { visit in try await issuePage(visit) }
        group.page(.post, "/issue", .issueHandbook, console: console) { visit in try await issue(visit) }
        group.page(.get, "/cards/:serial", .readCard, console: console) { visit in try await cardPage(visit) }
        group.page(.post, "/cards/:serial/revoke", .revokeCard, console: console) { visit in
            let serial = try visit.parameter("serial") { try CardSerial(hex: $0) }
            _ = try await store.revokeCard(serial, reason: try required(visit, "reason"), by: visit.account)
            return visit.redirect("/console/cards/\(serial)", [("done", "cardRevoked")])
        }
        group.page(.post, "/documents/:number/revoke", .revokeCard, console: console) { visit in
            let number = try visit.parameter("number") { try DocumentNumber($0) }
            let serial = try fieldValue(visit, "card") { try CardSerial(hex: visit.form["card"] ?? "") }
            try await store.revokeDocument(number, reason: try required(visit, "reason"), by: visit.account)
            return visit.redirect("/console/cards/\(serial)", [("done", "documentRevoked")])
        }
    }

    /// The readers issuance may use: the configured ones that are attached, or every attached one.
    func readers() async -> [String] {
        let attached =
            (try? await CardExecutor.listing.run { context throws(CardError) in try context.readers() }) ?? []
        let allowed = console.api.readers
        return attached.filter { allowed.isEmpty || allowed.contains($0) }
    }

    func issuePage(_ visit: Visit) async throws -> Response {
        let query = visit.request.uri.queryParameters
        let key = (query.get("uscc") ?? "").trimmingCharacters(in: .whitespaces)
        let profileName = query.get("profile") ?? "handbook-32k"
        guard let profile = CardProfile.named(profileName) else {
            throw ServiceError(
                .invalidInput, "INVALID_FIELD", "profile: no card profile \(LogText.escaped(profileName, limit: 24))")
        }
        var values: [String: Any] = [
            "uscc": key, "action": visit.link("/console/issue"), "issueAction": visit.link("/console/issue"),
            "lang": visit.language.rawValue, "english": visit.language == .english,
            "profiles": CardProfile.all.map {
                ["value": $0.name, "label": "\($0.name) (\($0.slotSize) B)", "selected": $0.name == profile.name]
            },
        ]
        guard !key.isEmpty else {
            return try visit.render("console-issue", title: visit.word("issueTitle"), values)
        }
        guard let enterprise = try await store.enterprise(identifiedBy: key, by: visit.account) else {
            throw ServiceError(.notFound, "STORE_NOT_FOUND", "no enterprise \(LogText.escaped(key, limit: 32))")
        }
        values["enterprise"] = ["name": enterprise.name, "uscc": enterprise.uscc.value]
        values["hasEnterprise"] = true
        guard let issuer = console.api.issuer else {
            throw ServiceError(.unavailable, "ISSUANCE_NOT_CONFIGURED", visit.word("noIssuer"))
        }
        if let view = try await store.currentView(of: enterprise.uscc, on: console.today, by: visit.account) {
            values["viewRevision"] = String(view.revision)
            do {
                let content = try issuer.plan(view: view.view, profile: profile)
                let omitted = content.omitted
                var plan: [String: Any] = [:]
                plan["qualifications"] = String(content.qualifications.count)
                plan["practitioners"] = String(content.practitioners.count)
                plan["practitionersLeft"] = String(omitted.practitioners)
                plan["projects"] = String(content.projects.count)
                plan["projectsLeft"] = String(omitted.projects)
                plan["records"] = String(content.creditRecords.count)
                plan["goodLeft"] = String(omitted.goodRecords)
                plan["unfavourable"] = String(content.creditRecords.filter { $0.kind.isUnfavourable }.count)
                plan["bytes"] = String(HandbookFormat.encode(content).count)
                plan["slot"] = String(profile.slotSize)
                let leftOut: UInt32 = omitted.practitioners | omitted.projects | omitted.goodRecords
                plan["summary"] = leftOut != 0
                values["plan"] = plan
                values["fits"] = true
            } catch let error as CapacityError {
                values["planError"] = error.message
            }
        }
        var probes: [[String: Any]] = []
        for reader in await readers() {
            let probe = await issuer.probe(reader: reader)
            probes.append([
                "reader": reader, "state": visit.language.name("reader." + probe.state.rawValue),
                "stateKey": probe.state.rawValue, "serial": probe.serial?.description ?? "",
                "profile": probe.profile ?? "", "enterprise": probe.enterpriseName ?? "",
                "document": probe.document?.value ?? "", "problem": probe.problem ?? "",
                "usable": probe.state == .blank || probe.state == .handbook,
                "sameEnterprise": probe.uscc == enterprise.uscc,
                "otherEnterprise": probe.uscc != nil && probe.uscc != enterprise.uscc,
            ])
        }
        values["readers"] = probes
        values["noReaders"] = probes.isEmpty
        return try visit.render("console-issue", title: visit.word("issueTitle"), values)
    }

    func issue(_ visit: Visit) async throws -> Response {
        let uscc = try fieldValue(visit, "uscc") { try USCC(visit.form["uscc"] ?? "", mode: .lenient) }
        let reader = try required(visit, "reader")
        let allowed = await readers()
        guard allowed.contains(reader) else {
            throw ServiceError(
                .invalidInput, "UNKNOWN_READER",
                "\(visit.word("field_reader")): \"\(LogText.escaped(reader, limit: 80))\" — \(visit.word("unknownReader"))"
            )
        }
        guard let issuer = console.api.issuer else {
            throw ServiceError(.unavailable, "ISSUANCE_NOT_CONFIGURED", visit.word("noIssuer"))
        }
        do {
            let result = try await issuer.issue(
                uscc: uscc, reader: reader, by: visit.account, logger: visit.context.logger)
            return try visit.render(
                "console-issued", title: visit.word("issuedTitle"),
                [
                    "ok": true, "document": result.document.value, "card": result.card.description,
                    "revision": String(result.revision), "viewRevision": String(result.viewRevision),
                    "profile": result.profile, "bytes": String(result.bytes), "personalised": result.personalised,
                    "superseded": result.superseded.map(\.value).joined(separator: ", "),
                    "cardHref": visit.link("/console/cards/\(result.card)"),
                    "enterpriseHref": visit.link("/console/enterprises/\(uscc.value)"),
                ])
        } catch {
            // What went wrong, what to do, and what the journal now says of the card in the reader.
            let failure = ServiceError.from(error)
            visit.context.logger.warning(
                "console issuance failed: \(LogText.escaped(String(describing: error), limit: 400))")
            var attention: [[String: String]] = []
            let probe = await issuer.probe(reader: reader)
            if let serial = probe.serial, let entries = try? await store.journal(of: serial, by: visit.account) {
                attention = entries.filter { $0.state == .attention || $0.state == .open }.map {
                    [
                        "id": String($0.id), "state": visit.language.name("journal." + $0.state.rawValue),
                        "step": $0.step.rawValue, "document": $0.documentNumber.value, "note": $0.note ?? "",
                    ]
                }
            }
            return try visit.render(
                "console-issued", title: visit.word("issueFailedTitle"),
                [
                    "ok": false,
                    "message": failure.status.code >= 500 ? visit.word("internalMessage") : failure.message,
                    "code": failure.code, "advice": visit.word("advice." + failure.code),
                    "attention": attention, "hasAttention": !attention.isEmpty,
                    "again": visit.link("/console/issue", [("uscc", uscc.value)]),
                ], status: failure.status)
        }
    }

    static func cardRow(_ visit: Visit, _ status: CardStatusReport) -> [String: Any] {
        [
            "serial": status.serial.description, "profile": status.profile,
            "state": visit.language.name("card." + status.state.rawValue), "stateKey": status.state.rawValue,
            "document": status.document?.value ?? "—",
            "documentState": status.documentState.map { visit.language.name("document." + $0.rawValue) } ?? "—",
            "viewRevision": status.viewRevision.map(String.init) ?? "—",
            "href": visit.link("/console/cards/\(status.serial)"),
        ]
    }

    func cardPage(_ visit: Visit) async throws -> Response {
        let serial = try visit.parameter("serial") { try CardSerial(hex: $0) }
        guard let status = try await store.cardStatus(serial, by: visit.account) else {
            throw ServiceError(.notFound, "STORE_NOT_FOUND", "no card \(serial) in the database")
        }
        let role = visit.account.role
        var values: [String: Any] = [
            "c": CardPages.cardRow(visit, status), "revision": String(status.revision),
            "done": visit.request.uri.queryParameters.get("done").map { visit.word("done." + $0) } ?? "",
            "mayRevoke": Action.revokeCard.allows(role) && status.state != .revoked,
            "mayRevokeDocument": Action.revokeCard.allows(role) && status.document != nil
                && status.documentState == .current,
            "revokeAction": visit.link("/console/cards/\(serial)/revoke"),
            "documentRevokeAction": status.document.map { visit.link("/console/documents/\($0.value)/revoke") } ?? "",
            "enterpriseHref": status.uscc.map { visit.link("/console/enterprises/\($0.value)") } ?? "",
            "uscc": status.uscc?.value ?? "",
        ]
        if Action.readJournal.allows(role) {
            let journal = try await store.journal(of: serial, by: visit.account)
            values["journal"] = journal.map { entry in
                [
                    "id": String(entry.id), "document": entry.documentNumber.value,
                    "state": visit.language.name("journal." + entry.state.rawValue), "step": entry.step.rawValue,
                    "account": entry.account, "at": entry.openedAt.description, "note": entry.note ?? "",
                    "attention": entry.state == .attention,
                ]
            }
            values["showJournal"] = true
        }
        if Action.readChecks.allows(role) {
            let checks = try await store.checks(of: serial, limit: 50, by: visit.account)
            values["checks"] = checks.map { OversightPages.checkRow(visit, $0) }
            values["showChecks"] = true
            values["noChecks"] = checks.isEmpty
        }
        if Action.readAudit.allows(role) {
            let history = try await store.auditEntries(
                AuditQuery(subject: serial.description, limit: 100), by: visit.account)
            values["history"] = history.map { OversightPages.auditRow(visit, $0) }
            values["showHistory"] = true
        }
        return try visit.render("console-card", title: "\(visit.word("card")) \(serial)", values)
    }
}
