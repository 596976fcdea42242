import CodedErrors
import Foundation
import HandbookCodec

/// Checking each entity's rows and staging what would change: every field validated (all problems
/// of a row reported), every row authorised against the region of what it creates and of what it
/// would change, then compared with what is stored — an identical row is left alone, a changed or
/// new one is written into the import's staging tables (`temp.stage_*`), which the apply step
/// copies into the database in one short transaction.
extension ImportSession {
    /// The header's region, for messages.
    var fileRegion: String { region?.code ?? "?" }

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
        if let region, !fileScope.covers(region) {
            check.issue(
                "registeredRegion",
                "\(region.code) is outside this file's region \(fileRegion): not this file's to add or move")
        }
        issues += check.issues
        guard check.issues.isEmpty, let uscc, let name, let representative, let region else { return }
        guard try firstOccurrence("e|\(uscc.value)", line: line, field: "uscc") else { return }
        // An enterprise of another region is not this file's to rename or move here.
        if let current = try String.fetchOne(
            db, sql: "SELECT registered_region FROM main.enterprises WHERE uscc = ?",
            arguments: [uscc.value]), !fileScope.covers(try RegionCode(current))
        {
            issue(
                line, "uscc",
                "\(uscc) is an enterprise of region \(current), outside this file's region \(fileRegion): this file may not change it"
            )
            return
        }
        var outcomes = [
            try stage(
                "enterprises", keys: ["uscc": uscc.value],
                values: ["name": name, "legal_representative": representative, "registered_region": region.code])
        ]
        for (kind, value, field) in [
            ("organization-code", organization?.value, "organizationCode"),
            ("registration-number", registration?.value, "registrationNumber"),
        ] {
            guard let value else { continue }
            if let owner = try String.fetchOne(
                db, sql: "SELECT uscc FROM main.enterprise_aliases WHERE kind = ? AND value = ?",
                arguments: [kind, value]), owner != uscc.value
            {
                issue(line, field, "\(value) already belongs to enterprise \(owner)")
                continue
            }
            outcomes.append(
                try stage(
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
            try requireEnterprise(uscc, line: line, field: "uscc", ofThisFile: true)
        else { return }
        // A certificate held by an enterprise of another region is not this file's to move.
        if let owner = try String.fetchOne(
            db,
            sql: """
                SELECT e.registered_region FROM main.qualifications q JOIN main.enterprises e ON e.uscc = q.uscc
                WHERE q.certificate_number = ? AND q.category = ?
                """, arguments: [certificate, category]), !fileScope.covers(try RegionCode(owner))
        {
            issue(
                line, "certificateNumber",
                "\(certificate) belongs to an enterprise of region \(owner): this file may not change it")
            return
        }
        count([
            try stage(
                "qualifications", keys: ["certificate_number": certificate, "category": category],
                values: [
                    "uscc": uscc.value, "grade": grade, "valid_from": from.description,
                    "valid_until": until.description, "issuing_authority": authority, "status": status,
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
                check.identifier(row.identityNumber, "identityNumber", secret: true) { t throws(IdentifierError) in
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
        guard
            try firstOccurrence(
                "p|\(identity.type.rawValue):\(identity.number)", line: line, field: "identityNumber",
                shown: identity.masked)
        else { return }
        for (index, registration) in valid.enumerated() {
            let field = "registrations[\(index)]"
            guard try firstOccurrence("r|\(registration.0)", line: line, field: "\(field).registrationNumber"),
                try requireEnterprise(registration.2, line: line, field: "\(field).uscc", ofThisFile: true)
            else { return }
            // A registration with an enterprise of another region is that region's to change.
            if let owner = try String.fetchOne(
                db,
                sql: """
                    SELECT e.registered_region FROM main.registrations r JOIN main.enterprises e ON e.uscc = r.uscc
                    WHERE r.registration_number = ?
                    """, arguments: [registration.0]), !fileScope.covers(try RegionCode(owner))
            {
                issue(
                    line, "\(field).registrationNumber",
                    "\(registration.0) is a registration with an enterprise of region \(owner): this file may not change it"
                )
                return
            }
        }
        // The person's name is changed only by a file whose region holds every enterprise the
        // person is registered with: it shows on all their cards.
        let existing = try SQLRow.fetchOne(
            db,
            sql: "SELECT id, name FROM main.practitioners WHERE identity_type = ? AND identity_number = ?",
            arguments: [identity.type.rawValue, identity.number])
        if let existing, try existing["name"] as String != name {
            let regions = try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT e.registered_region FROM main.registrations r JOIN main.enterprises e ON e.uscc = r.uscc
                    WHERE r.practitioner_id = ?
                    """, arguments: [existing["id"] as Int64])
            if let outside = try regions.first(where: { !fileScope.covers(try RegionCode($0)) }) {
                issue(
                    line, "name",
                    "the practitioner \(identity) is registered with an enterprise of region \(outside): this file may not rename them"
                )
                return
            }
        }
        var outcomes = [
            try stage(
                "practitioners", keys: ["identity_type": identity.type.rawValue, "identity_number": identity.number],
                values: ["name": name])
        ]
        for registration in valid {
            outcomes.append(
                try stage(
                    "registrations", keys: ["registration_number": registration.0],
                    values: [
                        "identity_type": identity.type.rawValue, "identity_number": identity.number,
                        "uscc": registration.2.value, "registration_type": registration.1,
                        "valid_until": registration.3, "status": registration.4,
                    ],
                    compare: """
                        SELECT p.identity_type, p.identity_number, r.uscc, r.registration_type, r.valid_until, r.status
                        FROM main.registrations r JOIN main.practitioners p ON p.id = r.practitioner_id
                        WHERE r.registration_number = ?
                        """))
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
        var validParticipants: [(USCC, ProjectRole, Int64, String?)] = []
        for (index, participant) in participants.prefix(ImportLimits.maximumNestedItems).enumerated() {
            let field = "participants[\(index)]"
            let uscc = check.identifier(participant.uscc, "\(field).uscc", Self.uscc)
            let role = check.choice(
                participant.role, "\(field).role",
                Dictionary(uniqueKeysWithValues: ProjectRole.allCases.map { ($0.name, $0) }))
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
        if let region, !fileScope.covers(region) {
            check.issue("region", "\(region.code) is outside this file's region \(fileRegion)")
        }
        issues += check.issues
        guard check.issues.isEmpty, let number, let name, let region else { return }
        guard try firstOccurrence("j|\(number.value)", line: line, field: "projectNumber") else { return }
        // A project of another region is that region's: its participants and awards too.
        if let current = try String.fetchOne(
            db, sql: "SELECT region FROM main.projects WHERE project_number = ?",
            arguments: [number.value]), !fileScope.covers(try RegionCode(current))
        {
            issue(line, "projectNumber", "\(number) is a project of region \(current): this file may not change it")
            return
        }
        // Enterprises of any region may take part in a project here (work across provinces is
        // what the platform covers); they must exist.
        for (index, participant) in validParticipants.enumerated() {
            guard try requireEnterprise(participant.0, line: line, field: "participants[\(index)].uscc") else { return }
        }
        var outcomes = [
            try stage(
                "projects", keys: ["project_number": number.value], values: ["name": name, "region": region.code])
        ]
        for participant in validParticipants {
            outcomes.append(
                try stage(
                    "project_participants",
                    keys: [
                        "project_number": number.value, "uscc": participant.0.value,
                        "role": Int(participant.1.rawValue),
                    ], values: ["contract_amount": participant.2, "completion_date": participant.3], revisioned: false))
        }
        for award in validAwards {
            outcomes.append(
                try stage(
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
        if let number, !fileScope.covers(number.region) {
            check.issue(
                "recordNumber",
                "\(number) is a record of region \(number.region.code), outside this file's region \(fileRegion)")
        }
        let uscc = check.identifier(row.uscc, "uscc", Self.uscc)
        let kind = check.choice(
            row.kind, "kind", Dictionary(uniqueKeysWithValues: RecordKind.allCases.map { ($0.name, $0) }))
        let code = check.identifier(row.behaviourCode, "behaviourCode", optional: true) { t throws(IdentifierError) in
            try BehaviourCode(t)
        }
        if let kind, !kind.isUnfavourable, row.behaviourCode != nil {
            check.issue("behaviourCode", "a \(kind.chineseName) record carries no behaviour code")
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
        let today = CardDate(secondsSince1970: now)
        let decided = check.date(row.decisionDate, "decisionDate", in: ImportDates.earliest...today)
        let latestPublication = (try? today.adding(days: WorkflowDates.publicationForwardDays)) ?? today
        let from = check.date(row.publishedFrom, "publishedFrom", in: ImportDates.earliest...latestPublication)
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
            } else if kind.isUnfavourable,
                let earliest = try? from.adding(months: PublicationRules.minimumShortenedMonths), until < earliest
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
                db, sql: "SELECT 1 FROM main.projects WHERE project_number = ?",
                arguments: [project.value])
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
        let existing = try SQLRow.fetchOne(
            db, sql: "SELECT * FROM main.credit_records WHERE record_number = ?",
            arguments: [number.value]
        ).map(SQLCreditStore.record)
        if let existing {
            var comparable = existing
            comparable.version = 1
            if comparable == record {
                unchanged += 1
                return
            }
            // A record the workflow has touched here (approved, amended, shortened…) is this
            // database's; an import reports the conflict instead of overwriting it.
            if let touch = try Self.workflowTouch(db, number) {
                issue(
                    line, "recordNumber",
                    "\(number) was \(touch) in this database since it was imported; an import does not overwrite it — correct it through the workflow"
                )
                return
            }
            record.version = existing.version + 1
            updated += 1
        } else {
            inserted += 1
        }
        try db.execute(
            sql: """
                INSERT INTO temp.stage_records (record_number, uscc, kind, behaviour_code, project_number, decision_number,
                    authority, authority_level, decision_date, publication_months, published_from, published_until, summary,
                    status, version, snapshot, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            ,
            arguments: [
                number.value, uscc.value, kind.name, code?.code, project?.value, decision, authority,
                Int(level.rawValue), decided.description, months, from.description, until.description, summary,
                status.rawValue, record.version, SQLCreditStore.snapshot(record), line,
            ])
    }

    /// What the workflow did to a record here, if anything: the first step of its history that is
    /// not an import, or a shortening filed for it.
    static func workflowTouch(_ db: any SQLSession, _ number: RecordNumber) throws -> String? {
        if let action = try String.fetchOne(
            db,
            sql:
                "SELECT action FROM main.credit_record_history WHERE record_number = ? AND action <> 'imported' LIMIT 1",
            arguments: [number.value])
        {
            return action
        }
        if try Int.fetchOne(
            db, sql: "SELECT 1 FROM main.shortening_requests WHERE record_number = ? LIMIT 1",
            arguments: [number.value]) != nil
        {
            return "the subject of a shortening request"
        }
        return nil
    }
}
