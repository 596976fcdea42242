import Foundation
import GRDB
import HandbookCodec

/// Applying each entity's rows: validate every field (all problems of a row are reported), check
/// what the row refers to, then insert, update or leave alone.
extension ImportSession {
    mutating func apply(_ row: EnterpriseRow, line: Int) throws {
        var check = RowValidator(file: file, line: line)
        let uscc = check.identifier(row.uscc, "uscc", Self.uscc)
        let name = check.text(row.name, "name", maximum: 100)
        let representative = check.text(row.legalRepresentative, "legalRepresentative", maximum: 50)
        let region = check.identifier(row.registeredRegion, "registeredRegion") { t throws(IdentifierError) in
            try RegionCode(t)
        }
        let organization = check.identifier(row.organizationCode, "organizationCode", optional: true) {
            t throws(IdentifierError) in try OrganizationCode(t)
        }
        let registration = check.identifier(row.registrationNumber, "registrationNumber", optional: true) {
            t throws(IdentifierError) in try RegistrationNumber(t)
        }
        issues += check.issues
        guard check.issues.isEmpty, let uscc, let name, let representative, let region else { return }
        guard try firstOccurrence("e|\(uscc.value)", line: line, field: "uscc") else { return }
        var outcomes = [
            try upsert(
                "enterprises", keys: ["uscc": uscc.value],
                values: ["name": name, "legal_representative": representative, "registered_region": region.code])
        ]
        for (kind, value, field) in [
            ("organization-code", organization?.value, "organizationCode"),
            ("registration-number", registration?.value, "registrationNumber"),
        ] {
            guard let value else { continue }
            if let owner = try String.fetchOne(
                db.cachedStatement(sql: "SELECT uscc FROM enterprise_aliases WHERE kind = ? AND value = ?"),
                arguments: [kind, value]), owner != uscc.value
            {
                issue(line, field, "\(value) already belongs to enterprise \(owner)")
                continue
            }
            outcomes.append(
                try upsert(
                    "enterprise_aliases", keys: ["kind": kind, "value": value], values: ["uscc": uscc.value],
                    revisioned: false))
        }
        count(outcomes)
    }

    mutating func apply(_ row: QualificationRow, line: Int) throws {
        var check = RowValidator(file: file, line: line)
        let uscc = check.identifier(row.uscc, "uscc", Self.uscc)
        let category = check.text(row.category, "category", maximum: 50)
        let grade = check.text(row.grade, "grade", maximum: 20)
        let certificate = check.text(row.certificateNumber, "certificateNumber", maximum: 40)
        let from = check.date(row.validFrom, "validFrom")
        let until = check.date(row.validUntil, "validUntil")
        let authority = check.text(row.issuingAuthority, "issuingAuthority", maximum: 64)
        let status =
            check.choice(
                row.status, "status", ["valid": "valid", "suspended": "suspended", "revoked": "revoked"], optional: true
            )
            ?? "valid"
        if let from, let until, until < from { check.issue("validUntil", "\(until) is before validFrom \(from)") }
        issues += check.issues
        guard check.issues.isEmpty, let uscc, let category, let grade, let certificate, let from, let until,
            let authority
        else { return }
        guard try firstOccurrence("q|\(certificate)/\(category)", line: line, field: "certificateNumber"),
            try requireEnterprise(uscc, line: line, field: "uscc")
        else { return }
        count([
            try upsert(
                "qualifications", keys: ["certificate_number": certificate, "category": category],
                values: [
                    "uscc": uscc.value, "grade": grade, "valid_from": from.description,
                    "valid_until": until.description,
                    "issuing_authority": authority, "status": status,
                ])
        ])
    }

    mutating func apply(_ row: PractitionerRow, line: Int) throws {
        var check = RowValidator(file: file, line: line)
        let type = check.choice(
            row.identityType, "identityType",
            Dictionary(uniqueKeysWithValues: IdentityDocumentType.allCases.map { ($0.rawValue, $0) }))
        let identity: PersonIdentifier? =
            type.flatMap { type in
                check.identifier(row.identityNumber, "identityNumber") { t throws(IdentifierError) in
                    try PersonIdentifier(type: type, number: t)
                }
            }
        let name = check.text(row.name, "name", maximum: 50)
        let registrations = row.registrations ?? []
        if registrations.count > ImportLimits.maximumNestedItems {
            check.issue("registrations", "more than \(ImportLimits.maximumNestedItems) items")
        }
        var valid: [(String, String, USCC, String?, String)] = []
        for (index, registration) in registrations.prefix(ImportLimits.maximumNestedItems).enumerated() {
            let field = "registrations[\(index)]"
            let number = check.text(registration.registrationNumber, "\(field).registrationNumber", maximum: 40)
            let kind = check.text(registration.registrationType, "\(field).registrationType", maximum: 40)
            let uscc = check.identifier(registration.uscc, "\(field).uscc", Self.uscc)
            let until = check.date(registration.validUntil, "\(field).validUntil", optional: true)
            let status =
                check.choice(
                    registration.status, "\(field).status", ["active": "active", "cancelled": "cancelled"],
                    optional: true)
                ?? "active"
            if let number, let kind, let uscc { valid.append((number, kind, uscc, until?.description, status)) }
        }
        issues += check.issues
        guard check.issues.isEmpty, let identity, let name else { return }
        guard try firstOccurrence("p|\(identity.type.rawValue):\(identity.number)", line: line, field: "identityNumber")
        else { return }
        for (index, registration) in valid.enumerated() {
            guard
                try firstOccurrence(
                    "r|\(registration.0)", line: line, field: "registrations[\(index)].registrationNumber"),
                try requireEnterprise(registration.2, line: line, field: "registrations[\(index)].uscc")
            else { return }
        }
        var outcomes = [
            try upsert(
                "practitioners", keys: ["identity_type": identity.type.rawValue, "identity_number": identity.number],
                values: ["name": name])
        ]
        let id = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM practitioners WHERE identity_type = ? AND identity_number = ?"),
            arguments: [identity.type.rawValue, identity.number])!
        for registration in valid {
            outcomes.append(
                try upsert(
                    "registrations", keys: ["registration_number": registration.0],
                    values: [
                        "practitioner_id": id, "uscc": registration.2.value, "registration_type": registration.1,
                        "valid_until": registration.3, "status": registration.4,
                    ]))
        }
        count(outcomes)
    }

    mutating func apply(_ row: ProjectRow, line: Int) throws {
        var check = RowValidator(file: file, line: line)
        let number = check.identifier(row.projectNumber, "projectNumber") { t throws(IdentifierError) in
            try ProjectNumber(t)
        }
        let name = check.text(row.name, "name", maximum: 100)
        let region =
            check.identifier(row.region, "region", optional: true) { t throws(IdentifierError) in try RegionCode(t) }
            ?? number.flatMap { try? RegionCode(String($0.value.prefix(6))) }
        let participants = row.participants ?? []
        let awards = row.awards ?? []
        if participants.count > ImportLimits.maximumNestedItems || awards.count > ImportLimits.maximumNestedItems {
            check.issue("participants", "more than \(ImportLimits.maximumNestedItems) participants or awards")
        }
        let roles = Dictionary(uniqueKeysWithValues: ProjectRole.allCases.map { ($0.name, $0) })
        var validParticipants: [(USCC, ProjectRole, Int64, String?)] = []
        for (index, participant) in participants.prefix(ImportLimits.maximumNestedItems).enumerated() {
            let field = "participants[\(index)]"
            let uscc = check.identifier(participant.uscc, "\(field).uscc", Self.uscc)
            let role = check.choice(participant.role, "\(field).role", roles)
            let amount = participant.contractAmount
            if amount == nil { check.issue("\(field).contractAmount", "missing") }
            if let amount, amount < 0 { check.issue("\(field).contractAmount", "negative") }
            let completion = check.date(participant.completionDate, "\(field).completionDate", optional: true)
            if let uscc, let role, let amount, amount >= 0 {
                validParticipants.append((uscc, role, amount, completion?.description))
            }
        }
        var validAwards: [(String, String?)] = []
        for (index, award) in awards.prefix(ImportLimits.maximumNestedItems).enumerated() {
            let name = check.text(award.name, "awards[\(index)].name", maximum: 40)
            let on = check.date(award.awardedOn, "awards[\(index)].awardedOn", optional: true)
            if let name { validAwards.append((name, on?.description)) }
        }
        issues += check.issues
        guard check.issues.isEmpty, let number, let name, let region else { return }
        guard try firstOccurrence("j|\(number.value)", line: line, field: "projectNumber") else { return }
        for (index, participant) in validParticipants.enumerated() {
            guard try requireEnterprise(participant.0, line: line, field: "participants[\(index)].uscc") else { return }
        }
        var outcomes = [
            try upsert(
                "projects", keys: ["project_number": number.value], values: ["name": name, "region": region.code])
        ]
        for participant in validParticipants {
            outcomes.append(
                try upsert(
                    "project_participants",
                    keys: [
                        "project_number": number.value, "uscc": participant.0.value,
                        "role": Int(participant.1.rawValue),
                    ], values: ["contract_amount": participant.2, "completion_date": participant.3], revisioned: false))
        }
        for award in validAwards {
            outcomes.append(
                try upsert(
                    "awards", keys: ["project_number": number.value, "name": award.0],
                    values: ["awarded_on": award.1], revisioned: false))
        }
        count(outcomes)
    }

    mutating func apply(_ row: RecordRow, line: Int) throws {
        var check = RowValidator(file: file, line: line)
        let number = check.identifier(row.recordNumber, "recordNumber") { t throws(IdentifierError) in
            try RecordNumber(t)
        }
        if let number, let region, !RegionScope([region]).covers(number.region) {
            check.issue(
                "recordNumber",
                "\(number) is a record of region \(number.region.code), outside this file's region \(region.code)")
        }
        let uscc = check.identifier(row.uscc, "uscc", Self.uscc)
        let kind = check.choice(row.kind, "kind", ["good": RecordKind.good, "bad": .bad, "blacklist": .blacklist])
        let code = check.identifier(row.behaviourCode, "behaviourCode", optional: true) { t throws(IdentifierError) in
            try BehaviourCode(t)
        }
        if let kind, kind.isUnfavourable, row.behaviourCode == nil {
            check.issue("behaviourCode", "missing: a \(kind.chineseName) record needs one")
        }
        let project = check.identifier(row.projectNumber, "projectNumber", optional: true) {
            t throws(IdentifierError) in try ProjectNumber(t)
        }
        let decision = check.text(row.decisionNumber, "decisionNumber", maximum: 64)
        let authority = check.text(row.authority, "authority", maximum: 64)
        let level = check.choice(
            row.authorityLevel, "authorityLevel",
            Dictionary(uniqueKeysWithValues: AuthorityLevel.allCases.map { ($0.name, $0) }))
        let decided = check.date(row.decisionDate, "decisionDate")
        let from = check.date(row.publishedFrom, "publishedFrom")
        let until = check.date(row.publishedUntil, "publishedUntil")
        let summary = check.text(row.summary, "summary", maximum: 200)
        let status =
            check.choice(
                row.status, "status", ["published": RecordStatus.published, "withdrawn": .withdrawn], optional: true)
            ?? .published
        if let decided, let from, from < decided {
            check.issue("publishedFrom", "\(from) is before the decision date \(decided)")
        }
        if let from, let until, let kind {
            if until <= from {
                check.issue("publishedUntil", "\(until) does not come after publishedFrom \(from)")
            } else if let latest = try? from.adding(months: 36), until > latest {
                check.issue("publishedUntil", "\(until) is more than 36 months after publishedFrom \(from)")
            } else if kind.isUnfavourable, let earliest = try? from.adding(months: PublicationRules.minimumShortenedMonths),
                until < earliest
            {
                check.issue(
                    "publishedUntil", "a \(kind.chineseName) record is published at least 3 months, from \(from)")
            }
        }
        issues += check.issues
        guard check.issues.isEmpty, let number, let uscc, let kind, let decision, let authority, let level,
            let decided, let from, let until, let summary
        else { return }
        guard try firstOccurrence("c|\(number.value)", line: line, field: "recordNumber"),
            try requireEnterprise(uscc, line: line, field: "uscc")
        else { return }
        if let project,
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM projects WHERE project_number = ?"), arguments: [project.value])
                == nil
        {
            issue(line, "projectNumber", "project \(project) is not in the database: import its projects file first")
            return
        }
        let months = min(36, max(1, (until.year - from.year) * 12 + until.month - from.month))
        var record = StoredRecord(
            recordNumber: number, uscc: uscc, kind: kind, behaviourCode: code,
            projectNumber: project, decisionNumber: decision, authority: authority, authorityLevel: level,
            decisionDate: decided, publicationMonths: months, publishedFrom: from, publishedUntil: until,
            summary: summary, status: status, version: 1)
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM credit_records WHERE record_number = ?"), arguments: [number.value]
        ).map(SQLiteCreditStore.record)
        if let existing {
            var comparable = existing
            comparable.version = 1
            if comparable == record {
                unchanged += 1
                return
            }
            record.version = existing.version + 1
            updated += 1
        } else {
            inserted += 1
        }
        try db.cachedStatement(sql: SQLiteCreditStore.upsertRecordSQL).execute(
            arguments: SQLiteCreditStore.recordArguments(record, revision: revision))
        try db.cachedStatement(
            sql: """
                INSERT INTO credit_record_history (record_number, version, action, account, at, reason, revision, snapshot)
                VALUES (?, ?, 'imported', ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                number.value, record.version, actor.name, now, file, Int64(revision),
                SQLiteCreditStore.snapshot(record),
            ])
    }
}
