import CodedErrors
import CreditStore
import Foundation
import HandbookCodec
import Hummingbird
import IssuanceService

/// Oversight: the audit log and its chain, inspectors' proofs of check, accounts.
struct OversightPages: Sendable {
    let console: OfficialsConsole
    var store: any CreditStore { console.store }

    func addRoutes(to group: RouterGroup<ServiceContext>) {
        group.page(.get, "/audit", .readAudit, console: console) { visit in try await audit(visit, verification: nil) }
        group.page(.post, "/audit/verify", .readAudit, console: console) { visit in
            try await audit(visit, verification: try await store.verifyAuditChain(by: visit.account))
        }
        group.page(.get, "/checks", .readChecks, console: console) { visit in
            let checks = try await store.recentChecks(limit: 200, by: visit.account)
            return try visit.render(
                "console-checks", title: visit.word("checksTitle"),
                ["checks": checks.map { OversightPages.checkRow(visit, $0) }, "empty": checks.isEmpty])
        }
        group.page(.get, "/accounts", .manageAccounts, console: console) { visit in
            try await accounts(visit, errors: [:])
        }
        group.page(.post, "/accounts", .manageAccounts, console: console) { visit in try await addAccount(visit) }
        group.page(.post, "/accounts/:name", .manageAccounts, console: console) { visit in
            let name = try visit.parameter("name") { $0 }
            let role = try fieldValue(visit, "role") { try Self.role(visit.form["role"] ?? "") }
            let scope = try fieldValue(visit, "regions") { try RegionScope(parsing: visit.form["regions"] ?? "") }
            let changed = try await store.updateAccount(name, role: role, scope: scope, by: visit.account)
            await console.sessions.closeAll(of: changed.name)
            await console.api.sessions.closeAll(of: changed.name)
            return visit.redirect("/console/accounts", [("done", "accountChanged")])
        }
        for (path, disabled) in [("disable", true), ("enable", false)] {
            group.page(.post, RouterPath("/accounts/:name/\(path)"), .manageAccounts, console: console) { visit in
                let name = try visit.parameter("name") { $0 }
                let changed = try await store.setDisabled(disabled, account: name, by: visit.account)
                if disabled {
                    await console.sessions.closeAll(of: changed.name)
                    await console.api.sessions.closeAll(of: changed.name)
                }
                return visit.redirect("/console/accounts", [("done", disabled ? "accountDisabled" : "accountEnabled")])
            }
        }
        group.page(.post, "/accounts/:name/password", .manageAccounts, console: console) { visit in
            let name = try visit.parameter("name") { $0 }
            let password = visit.form["password"] ?? ""
            try fieldValue(visit, "password") { try Credentials.validate(password: password) }
            try await store.setPasswordHash(
                try await console.api.passwords.hash(password), account: name, by: visit.account)
            await console.sessions.closeAll(of: name)
            await console.api.sessions.closeAll(of: name)
            return visit.redirect("/console/accounts", [("done", "passwordReset")])
        }
    }

    static func role(_ text: String) throws -> Role {
        guard let role = Role(rawValue: text) else {
            throw ServiceError(
                .invalidInput, "INVALID_FIELD", "one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }

    static func auditRow(_ visit: Visit, _ entry: AuditEntry) -> [String: Any] {
        [
            "id": String(entry.id), "at": entry.at.description, "account": entry.account, "action": entry.action,
            "subject": entry.subject, "region": entry.region ?? "—", "revision": String(entry.revision),
            "detail": String(entry.detail.prefix(300)), "hash": String(entry.hash.prefix(16)),
        ]
    }

    static func checkRow(_ visit: Visit, _ stored: StoredCheck) -> [String: Any] {
        let check = stored.check
        return [
            "id": String(stored.id), "card": check.cardSerial.description,
            "cardHref": visit.link("/console/cards/\(check.cardSerial)"),
            "document": check.documentNumber?.value ?? "—",
            "verdict": visit.language.name("verdict." + check.verdict), "verdictKey": check.verdict,
            "checkedAt": check.checkedAt.description, "receivedAt": stored.receivedAt.description,
            "account": stored.account, "revision": check.comparedRevision.map(String.init) ?? "—",
            "detail": String((check.detail ?? "").prefix(200)),
        ]
    }

    func audit(_ visit: Visit, verification: AuditVerification?) async throws -> Response {
        let query = visit.request.uri.queryParameters
        func text(_ name: String, _ maximum: Int) throws -> String? {
            guard let value = query.get(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            guard value.count <= maximum else {
                throw ServiceError(.malformed, "BAD_PARAMETER", "\(visit.word("field_" + name)): ≤ \(maximum)")
            }
            return value
        }
        let from = try text("from", 10).map { value in try fieldValue(visit, "from") { try CardDate(iso: value) } }
        let through = try text("through", 10).map { value in
            try fieldValue(visit, "through") { try CardDate(iso: value) }
        }
        let before = try text("before", 20).map { value -> Int64 in
            guard let id = Int64(value), id > 0 else {
                throw ServiceError(.malformed, "BAD_PARAMETER", "before: a positive whole number")
            }
            return id
        }
        let filter = AuditQuery(
            account: try text("account", 64), action: try text("action", 64), subject: try text("subject", 64),
            from: from, through: through, before: before, limit: 100)
        let entries = try await store.auditEntries(filter, by: visit.account)
        var values: [String: Any] = [
            "entries": entries.map { OversightPages.auditRow(visit, $0) }, "empty": entries.isEmpty,
            "filter": [
                "account": filter.account ?? "", "action": filter.action ?? "", "subject": filter.subject ?? "",
                "from": from?.description ?? "", "through": through?.description ?? "",
            ],
            "action": visit.link("/console/audit"), "verifyAction": visit.link("/console/audit/verify"),
            "lang": visit.language.rawValue, "english": visit.language == .english,
        ]
        if entries.count == 100, let last = entries.last {
            var parameters: [(String, String)] = []
            for name in ["account", "action", "subject", "from", "through"] {
                if let value = query.get(name) { parameters.append((name, value)) }
            }
            parameters.append(("before", String(last.id)))
            values["older"] = visit.link("/console/audit", parameters)
        }
        if let verification {
            values["verification"] = [
                "intact": verification.isIntact, "entries": String(verification.entries), "head": verification.head,
                "broken": verification.firstBrokenEntry.map(String.init) ?? "", "problem": verification.problem ?? "",
            ]
        }
        return try visit.render("console-audit", title: visit.word("auditTitle"), values)
    }

    func accounts(_ visit: Visit, errors: [String: String], typed: [String: String] = [:]) async throws -> Response {
        let accounts = try await store.accounts(by: visit.account)
        return try visit.render(
            "console-accounts", title: visit.word("accountsTitle"),
            [
                "accounts": accounts.map { account in
                    [
                        "name": account.name, "role": account.role.rawValue,
                        "roleLabel": visit.language.name("role." + account.role.rawValue),
                        "regions": account.scope.description, "disabled": account.disabled,
                        "self": account.name == visit.account.name,
                        "changeAction": visit.link("/console/accounts/\(account.name)"),
                        "toggleAction": visit.link(
                            "/console/accounts/\(account.name)/\(account.disabled ? "enable" : "disable")"),
                        "passwordAction": visit.link("/console/accounts/\(account.name)/password"),
                        "roles": Role.allCases.map {
                            [
                                "value": $0.rawValue, "label": visit.language.name("role." + $0.rawValue),
                                "selected": $0 == account.role,
                            ]
                        },
                    ]
                },
                "roles": Role.allCases.map {
                    [
                        "value": $0.rawValue, "label": visit.language.name("role." + $0.rawValue),
                        "selected": $0.rawValue == typed["role"],
                    ]
                },
                "addAction": visit.link("/console/accounts"),
                "done": visit.request.uri.queryParameters.get("done").map { visit.word("done." + $0) } ?? "",
                "newName": typed["name"] ?? "", "newRegions": typed["regions"] ?? visit.account.scope.description,
                "error": errors.values.sorted().joined(separator: "; "), "hasError": !errors.isEmpty,
                "nameError": errors["name"] ?? "", "regionsError": errors["regions"] ?? "",
                "passwordError": errors["password"] ?? "", "roleError": errors["role"] ?? "",
            ], status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func addAccount(_ visit: Visit) async throws -> Response {
        let typed = [
            "name": visit.form["name"] ?? "", "role": visit.form["role"] ?? "", "regions": visit.form["regions"] ?? "",
        ]
        let password = visit.form["password"] ?? ""
        var errors: [String: String] = [:]
        do { try Credentials.validate(name: typed["name"] ?? "") } catch { errors["name"] = error.message }
        do { try Credentials.validate(password: password) } catch { errors["password"] = error.message }
        var role: Role?
        do { role = try Self.role(typed["role"] ?? "") } catch { errors["role"] = RecordPages.message(error) }
        var scope: RegionScope?
        do { scope = try RegionScope(parsing: typed["regions"] ?? "") } catch { errors["regions"] = error.message }
        guard errors.isEmpty, let role, let scope else {
            return try await accounts(visit, errors: errors, typed: typed)
        }
        do {
            _ = try await store.createAccount(
                name: typed["name"] ?? "", role: role, scope: scope,
                passwordHash: try await console.api.passwords.hash(password),
                by: visit.account)
        } catch let error as StoreError where error.kind == .invalidInput || error.kind == .conflict {
            return try await accounts(visit, errors: ["name": error.message], typed: typed)
        }
        return visit.redirect("/console/accounts", [("done", "accountAdded")])
    }
}
