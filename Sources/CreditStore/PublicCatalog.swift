import Foundation
import HandbookCodec

/// One page of a public list: the items, the total (counted up to ``PublicCatalog/countLimit``) and
/// the database revision every row of the page was read at.
public struct PublicPage<Item: Sendable & Codable & Hashable>: Sendable, Codable, Hashable {
    public var items: [Item]
    /// How many items match, up to the count limit.
    public var total: Int
    /// Whether more than `total` match (the count stopped at the limit).
    public var totalIsAtLeast: Bool
    /// The page number, from 1.
    public var page: Int
    public var pageSize: Int
    public var revision: UInt64

    /// The number of pages the site links to (the result window is bounded).
    public var pageCount: Int { max(1, min((total + pageSize - 1) / pageSize, PublicCatalog.maximumPage)) }
}

/// An enterprise as a list shows it.
public struct PublicEnterpriseSummary: Sendable, Codable, Hashable {
    public var uscc: String
    public var name: String
    public var region: String
    /// Published bad and blacklist records whose window holds today.
    public var unfavourableNow: Int
}

/// A qualification as the public sees it, valid or not.
public struct PublicQualification: Sendable, Codable, Hashable {
    public var category: String
    public var grade: String
    public var certificateNumber: String
    public var validFrom: String
    public var validUntil: String
    public var issuingAuthority: String
    /// `valid`, `expired`, `suspended` or `revoked` as of the day the page was read for.
    public var standing: String
}

/// A registration of a practitioner with an enterprise; the identity number only masked.
public struct PublicRegistration: Sendable, Codable, Hashable {
    public var registrationNumber: String
    public var registrationType: String
    public var name: String
    public var identityType: String
    public var maskedIdentityNumber: String
    public var uscc: String
    public var enterpriseName: String
    public var region: String
    public var validUntil: String?
}

/// A project and an enterprise's part in it.
public struct PublicParticipation: Sendable, Codable, Hashable {
    public var projectNumber: String
    public var projectName: String
    public var region: String
    public var uscc: String
    public var enterpriseName: String
    public var role: String
    public var contractAmount: Int64
    public var completionDate: String?
    public var awards: [String]
}

/// A published credit record, inside its publication window, with where it comes from.
public struct PublicRecord: Sendable, Codable, Hashable {
    public var recordNumber: String
    public var uscc: String
    public var enterpriseName: String
    public var kind: String
    public var behaviourCode: String?
    public var behaviourDescription: String?
    public var decisionNumber: String
    public var authority: String
    public var authorityLevel: String
    public var decisionDate: String
    public var publishedFrom: String
    public var publishedUntil: String
    public var summary: String
    /// The region whose office recorded it (the record number's region).
    public var recordedIn: String
    /// The provincial office that approved and published it.
    public var publishedBy: String
}

/// An enterprise's public page.
public struct PublicEnterprise: Sendable, Codable, Hashable {
    public var uscc: String
    public var name: String
    public var legalRepresentative: String
    public var region: String
    public var organisationCode: String?
    public var registrationNumber: String?
    public var qualifications: [PublicQualification]
    public var practitioners: [PublicRegistration]
    public var projects: [PublicParticipation]
    public var records: [PublicRecord]
    public var asOf: String
    public var revision: UInt64
}

/// A practitioner's public page: the registrations under one registration number's person.
public struct PublicPractitioner: Sendable, Codable, Hashable {
    public var name: String
    public var identityType: String
    public var maskedIdentityNumber: String
    public var registrations: [PublicRegistration]
    public var revision: UInt64
}

/// A project's public page.
public struct PublicProject: Sendable, Codable, Hashable {
    public var projectNumber: String
    public var name: String
    public var region: String
    public var participants: [PublicParticipation]
    public var awards: [String]
    public var records: [PublicRecord]
    public var revision: UInt64
}

/// What the public document check answers for a document number or a card serial — nothing more.
public struct PublicDocumentStatus: Sendable, Codable, Hashable {
    public var documentNumber: String
    public var uscc: String
    public var enterpriseName: String
    /// `current`, `superseded` or `revoked`.
    public var state: String
    public var issuedOn: String
    /// When it stopped being current (superseded or revoked), if it did.
    public var endedOn: String?
    public var revision: UInt64
}

/// The public site's questions: enterprises, practitioners, projects and records.
public struct EnterpriseQuery: Sendable, Hashable {
    public var text: String?
    public var region: String?
    public var qualificationCategory: String?
    /// A grade of that category (特级, 壹级 …), or of any category when none is given.
    public var qualificationGrade: String?
    public var unfavourableNow: Bool
    public var page: Int

    public init(
        text: String? = nil, region: String? = nil, qualificationCategory: String? = nil,
        qualificationGrade: String? = nil, unfavourableNow: Bool = false, page: Int = 1
    ) {
        self.text = text
        self.region = region
        self.qualificationCategory = qualificationCategory
        self.qualificationGrade = qualificationGrade
        self.unfavourableNow = unfavourableNow
        self.page = page
    }
}

public struct PractitionerQuery: Sendable, Hashable {
    public var text: String?
    public var registrationType: String?
    public var region: String?
    public var page: Int

    public init(text: String? = nil, registrationType: String? = nil, region: String? = nil, page: Int = 1) {
        self.text = text
        self.registrationType = registrationType
        self.region = region
        self.page = page
    }
}

public struct ProjectQuery: Sendable, Hashable {
    public var text: String?
    public var region: String?
    public var role: ProjectRole?
    public var award: String?
    public var page: Int

    public init(
        text: String? = nil, region: String? = nil, role: ProjectRole? = nil, award: String? = nil, page: Int = 1
    ) {
        self.text = text
        self.region = region
        self.role = role
        self.award = award
        self.page = page
    }
}

public struct RecordQuery: Sendable, Hashable {
    /// Good records, or bad and blacklist (``RecordKind/isUnfavourable``); one kind when given.
    public var favourable: Bool
    public var kind: RecordKind?
    public var region: String?
    /// A behaviour-code category of the national table, `D1-1`.
    public var category: String?
    public var authorityLevel: AuthorityLevel?
    public var decidedFrom: CardDate?
    public var decidedUntil: CardDate?
    public var page: Int

    public init(
        favourable: Bool = false, kind: RecordKind? = nil, region: String? = nil, category: String? = nil,
        authorityLevel: AuthorityLevel? = nil, decidedFrom: CardDate? = nil, decidedUntil: CardDate? = nil,
        page: Int = 1
    ) {
        self.favourable = favourable
        self.kind = kind
        self.region = region
        self.category = category
        self.authorityLevel = authorityLevel
        self.decidedFrom = decidedFrom
        self.decidedUntil = decidedUntil
        self.page = page
    }
}

/// The credit database as the public sees it, on a **read-only** connection of its own: published
/// records inside their window only, identity numbers masked, no account, audit entry, journal or
/// unpublished record ever read.
public final class PublicCatalog: Sendable {
    /// Items per page.
    public static let pageSize = 20
    /// The last page a list goes to: the result window is bounded (500 × 20 = 10,000 items).
    public static let maximumPage = 500
    /// Counting stops here: "10,000 or more".
    public static let countLimit = 10_000

    let engine: any SQLEngine
    let offices: [String: String]

    /// Opens the SQLite database at `path` read-only (it must exist and be migrated by the service).
    public convenience init(path: String) throws(StoreError) {
        try self.init(engine: try SQLiteEngine(readingOnly: path))
    }

    /// Reads a PostgreSQL database (the primary, or a hot standby of it), migrated by the service.
    public convenience init(postgres location: PostgresLocation) throws(StoreError) {
        try self.init(engine: try PostgresEngine(location, connections: 4, readOnly: true))
    }

    /// Opens what a database setting names, read-only: a `postgres://` URL or an SQLite path.
    public convenience init(database: String) throws(StoreError) {
        if PostgresLocation.isURL(database) {
            try self.init(postgres: try PostgresLocation(url: database))
        } else {
            try self.init(path: database)
        }
    }

    init(engine: any SQLEngine) throws(StoreError) {
        self.engine = engine
        offices = try engine.readBlocking { db in
            Dictionary(
                try SQLRow.fetchAll(db, sql: "SELECT region, name FROM offices").map { row in
                    (try row["region"] as String, try row["name"] as String)
                },
                uniquingKeysWith: { first, _ in first })
        }
    }

    /// The database revision now.
    public func revision() async throws(StoreError) -> UInt64 {
        try await read { db in try SQLCreditStore.currentRevision(db) }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLSession) throws -> T) async throws(StoreError) -> T {
        try await engine.read(body)
    }

    /// The condition (and join) that finds names containing the letters and digits of `text`:
    /// SQLite's FTS5 index of characters, matched as a phrase; on PostgreSQL a substring of the
    /// lower-cased name (served by a trigram index from three characters on).
    static func nameMatch(
        _ text: String, dialect: SQLDialect, table: String, alias: String, sqliteJoin: String
    ) -> (join: String, condition: String, argument: String)? {
        guard let phrase = NameSearch.phrase(text) else { return nil }
        if dialect == .postgres {
            let characters = NameSearch.characters(String(text.prefix(NameSearch.maximumQueryLength)))
                .replacingOccurrences(of: " ", with: "")
            return ("", "lower(\(alias).name) LIKE :phrase", "%" + characters + "%")
        }
        return (sqliteJoin, "\(table) MATCH :phrase", phrase)
    }

    // MARK: Lists

    static func offset(_ page: Int) -> Int { (min(max(page, 1), maximumPage) - 1) * pageSize }

    /// A region filter as a range of codes: `32` (a province), `3205` (a city) or a whole code.
    static func regionPrefix(_ region: String?) -> String? {
        guard let region, let code = try? RegionCode(region) else { return nil }
        return String(code.coveringPrefix)
    }

    /// Counts up to the limit: `SELECT count(*)` over at most `countLimit + 1` rows.
    static func count(_ db: any SQLSession, _ sql: String, _ arguments: SQLArguments) throws -> (Int, Bool) {
        let counted =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM (\(sql) LIMIT \(countLimit + 1)) AS counted", arguments: arguments)
            ?? 0
        return (min(counted, countLimit), counted > countLimit)
    }

    static let unfavourableNowSQL = """
        (SELECT count(*) FROM credit_records r WHERE r.uscc = e.uscc AND r.status = 'published'
            AND r.kind != 'good' AND r.published_from <= :today AND r.published_until >= :today)
        """

    /// Enterprises by name (any part of it), USCC, organisation code or registration number, with
    /// filters; in a stable order.
    public func enterprises(_ query: EnterpriseQuery, on day: CardDate) async throws(StoreError)
        -> PublicPage<PublicEnterpriseSummary>
    {
        let text = query.text?.trimmingCharacters(in: .whitespaces).prefix(NameSearch.maximumQueryLength)
        return try await read { db in
            var joins = ""
            var conditions: [String] = []
            var arguments: [String: (any SQLBindable)?] = ["today": day.description]
            if let text, !text.isEmpty {
                if let key = Self.exactEnterpriseKey(db, String(text)) {
                    conditions.append("e.uscc = :key")
                    arguments["key"] = key
                } else if let match = Self.nameMatch(
                    String(text), dialect: db.dialect, table: "enterprise_names", alias: "e",
                    sqliteJoin:
                        "JOIN enterprise_search_ids i ON i.uscc = e.uscc JOIN enterprise_names n ON n.rowid = i.id")
                {
                    joins = match.join
                    conditions.append(match.condition)
                    arguments["phrase"] = match.argument
                } else {
                    conditions.append("1 = 0")
                }
            }
            if let prefix = Self.regionPrefix(query.region) {
                conditions.append("e.registered_region >= :low AND e.registered_region < :high")
                arguments["low"] = prefix
                arguments["high"] = prefix + "\u{7F}"
            }
            let category = query.qualificationCategory.flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
            let grade = query.qualificationGrade.flatMap { $0.isEmpty ? nil : String($0.prefix(40)) }
            if category != nil || grade != nil {
                conditions.append(
                    """
                    EXISTS (SELECT 1 FROM qualifications q WHERE q.uscc = e.uscc
                        AND (:category IS NULL OR q.category = :category) AND (:grade IS NULL OR q.grade = :grade)
                        AND q.status = 'valid' AND q.valid_from <= :today AND q.valid_until >= :today)
                    """)
                arguments["category"] = category
                arguments["grade"] = grade
            }
            if query.unfavourableNow { conditions.append("\(Self.unfavourableNowSQL) > 0") }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            // With a name query, the index's own order (no sort of every hit); otherwise by USCC.
            let order = joins.isEmpty ? "ORDER BY e.uscc" : "ORDER BY n.rowid"
            // A name query alone is counted on the index (every entry is an enterprise's).
            let base =
                conditions.count == 1 && !joins.isEmpty && db.dialect == .sqlite
                ? "SELECT rowid FROM enterprise_names WHERE enterprise_names MATCH :phrase"
                : "SELECT e.uscc FROM enterprises e \(joins) \(filter)"
            let (total, more) = try Self.count(db, base, SQLArguments(named: arguments))
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT e.uscc, e.name, e.registered_region, \(Self.unfavourableNowSQL) AS unfavourable
                    FROM enterprises e \(joins) \(filter) \(order) LIMIT \(Self.pageSize) OFFSET \(Self.offset(query.page))
                    """, arguments: SQLArguments(named: arguments))
            return PublicPage(
                items: try rows.map {
                    PublicEnterpriseSummary(
                        uscc: try $0["uscc"], name: try $0["name"], region: try $0["registered_region"],
                        unfavourableNow: try $0["unfavourable"])
                }, total: total, totalIsAtLeast: more, page: query.page, pageSize: Self.pageSize,
                revision: try SQLCreditStore.currentRevision(db))
        }
    }

    /// The USCC a text names exactly (a USCC, an organisation code or an old registration number).
    static func exactEnterpriseKey(_ db: any SQLSession, _ text: String) -> String? {
        if let uscc = try? USCC(text, mode: .lenient) { return uscc.value }
        let compact = text.replacingOccurrences(of: "-", with: "").uppercased()
        guard compact.count == 9 || compact.count == 15,
            compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        let kind = compact.count == 9 ? "organization-code" : "registration-number"
        let candidates =
            compact.count == 9 ? [compact, String(compact.prefix(8)) + "-" + String(compact.suffix(1))] : [compact]
        for value in candidates {
            if let found = try? String.fetchOne(
                db, sql: "SELECT uscc FROM enterprise_aliases WHERE kind = ? AND value = ?", arguments: [kind, value])
            {
                return found
            }
        }
        return nil
    }

    /// Registered practitioners by name or registration number; never by identity number.
    public func practitioners(_ query: PractitionerQuery, on day: CardDate) async throws(StoreError)
        -> PublicPage<PublicRegistration>
    {
        let text = query.text?.trimmingCharacters(in: .whitespaces).prefix(NameSearch.maximumQueryLength)
        return try await read { db in
            var joins = ""
            var conditions = ["r.status = 'active'", "(r.valid_until IS NULL OR r.valid_until >= :today)"]
            var arguments: [String: (any SQLBindable)?] = ["today": day.description]
            if let text, !text.isEmpty {
                let exact = try Int.fetchOne(
                    db, sql: "SELECT 1 FROM registrations WHERE registration_number = ?", arguments: [String(text)])
                if exact != nil {
                    conditions.append("r.registration_number = :number")
                    arguments["number"] = String(text)
                } else if let match = Self.nameMatch(
                    String(text), dialect: db.dialect, table: "practitioner_names", alias: "p",
                    sqliteJoin: "JOIN practitioner_names n ON n.rowid = p.id")
                {
                    joins = match.join
                    conditions.append(match.condition)
                    arguments["phrase"] = match.argument
                } else {
                    conditions.append("1 = 0")
                }
            }
            if let type = query.registrationType, !type.isEmpty {
                conditions.append("r.registration_type = :type")
                arguments["type"] = String(type.prefix(100))
            }
            if let prefix = Self.regionPrefix(query.region) {
                conditions.append("e.registered_region >= :low AND e.registered_region < :high")
                arguments["low"] = prefix
                arguments["high"] = prefix + "\u{7F}"
            }
            let from = """
                FROM registrations r JOIN practitioners p ON p.id = r.practitioner_id
                JOIN enterprises e ON e.uscc = r.uscc \(joins)
                WHERE \(conditions.joined(separator: " AND "))
                """
            let (total, more) = try Self.count(db, "SELECT 1 \(from)", SQLArguments(named: arguments))
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT r.registration_number, r.registration_type, r.valid_until, p.name, p.identity_type,
                        p.identity_number, e.uscc, e.name AS enterprise_name, e.registered_region
                    \(from) ORDER BY \(joins.isEmpty ? "" : "n.rowid, ")r.registration_number
                    LIMIT \(Self.pageSize) OFFSET \(Self.offset(query.page))
                    """, arguments: SQLArguments(named: arguments))
            return PublicPage(
                items: try rows.map(Self.registration), total: total, totalIsAtLeast: more, page: query.page,
                pageSize: Self.pageSize, revision: try SQLCreditStore.currentRevision(db))
        }
    }

    static func registration(_ row: SQLRow) throws -> PublicRegistration {
        let type: String = try row["identity_type"]
        let number: String = try row["identity_number"]
        let masked =
            IdentityDocumentType(rawValue: type).flatMap { try? PersonIdentifier(type: $0, number: number).masked }
            ?? PersonIdentifier.mask(number)
        return PublicRegistration(
            registrationNumber: try row["registration_number"], registrationType: try row["registration_type"],
            name: try row["name"], identityType: type, maskedIdentityNumber: masked, uscc: try row["uscc"],
            enterpriseName: try row["enterprise_name"], region: try row["registered_region"],
            validUntil: try row["valid_until"])
    }

    /// Projects by number or name, region, an enterprise's role, and award.
    public func projects(_ query: ProjectQuery) async throws(StoreError) -> PublicPage<PublicParticipation> {
        let text = query.text?.trimmingCharacters(in: .whitespaces).prefix(NameSearch.maximumQueryLength)
        return try await read { db in
            var joins = ""
            var conditions: [String] = []
            var arguments: [String: (any SQLBindable)?] = [:]
            if let text, !text.isEmpty {
                if (try? ProjectNumber(String(text))) != nil {
                    conditions.append("p.project_number = :number")
                    arguments["number"] = String(text)
                } else if let match = Self.nameMatch(
                    String(text), dialect: db.dialect, table: "project_names", alias: "p",
                    sqliteJoin:
                        "JOIN project_search_ids i ON i.project_number = p.project_number JOIN project_names n ON n.rowid = i.id"
                ) {
                    joins = match.join
                    conditions.append(match.condition)
                    arguments["phrase"] = match.argument
                } else {
                    conditions.append("1 = 0")
                }
            }
            if let prefix = Self.regionPrefix(query.region) {
                conditions.append("p.region >= :low AND p.region < :high")
                arguments["low"] = prefix
                arguments["high"] = prefix + "\u{7F}"
            }
            if let role = query.role {
                conditions.append("pp.role = :role")
                arguments["role"] = Int(role.rawValue)
            }
            if let award = query.award, !award.isEmpty {
                conditions.append(
                    "EXISTS (SELECT 1 FROM awards a WHERE a.project_number = p.project_number AND a.name = :award)")
                arguments["award"] = String(award.prefix(100))
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let from = """
                FROM projects p \(joins) JOIN project_participants pp ON pp.project_number = p.project_number
                JOIN enterprises e ON e.uscc = pp.uscc \(filter)
                """
            let (total, more) = try Self.count(db, "SELECT 1 \(from)", SQLArguments(named: arguments))
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT p.project_number, p.name, p.region, pp.uscc, e.name AS enterprise_name, pp.role,
                        pp.contract_amount, pp.completion_date
                    \(from) ORDER BY \(joins.isEmpty ? "" : "n.rowid, ")p.project_number, pp.role, pp.uscc
                    LIMIT \(Self.pageSize) OFFSET \(Self.offset(query.page))
                    """, arguments: SQLArguments(named: arguments))
            return PublicPage(
                items: try rows.map { try Self.participation(db, $0) }, total: total, totalIsAtLeast: more,
                page: query.page, pageSize: Self.pageSize, revision: try SQLCreditStore.currentRevision(db))
        }
    }

    static func participation(_ db: any SQLSession, _ row: SQLRow) throws -> PublicParticipation {
        let number: String = try row["project_number"]
        let role: Int64 = try row["role"]
        return PublicParticipation(
            projectNumber: number, projectName: try row["name"], region: try row["region"], uscc: try row["uscc"],
            enterpriseName: try row["enterprise_name"],
            role: UInt8(exactly: role).flatMap(ProjectRole.init(rawValue:))?.name ?? "unknown",
            contractAmount: try row["contract_amount"], completionDate: try row["completion_date"],
            awards: try String.fetchAll(
                db, sql: "SELECT name FROM awards WHERE project_number = ? ORDER BY name", arguments: [number]))
    }

    /// The distinct values of an indexed column, up to 200, in order: one index step per value
    /// (a loose index scan), not a pass over every row — the filters' options on every list page.
    static func distinct(_ db: any SQLSession, _ column: String, of table: String) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                WITH RECURSIVE v(value, n) AS (
                    SELECT min(\(column)), 1 FROM \(table)
                    UNION ALL
                    SELECT (SELECT min(\(column)) FROM \(table) WHERE \(column) > v.value), n + 1 FROM v
                    WHERE v.value IS NOT NULL AND n < 200)
                SELECT value FROM v WHERE value IS NOT NULL
                """)
    }

    /// The award names projects hold, for the award filter.
    public func awardNames() async throws(StoreError) -> [String] {
        try await read { db in try Self.distinct(db, "name", of: "awards") }
    }

    /// The qualification categories enterprises hold, for the category filter.
    public func qualificationCategories() async throws(StoreError) -> [String] {
        try await read { db in try Self.distinct(db, "category", of: "qualifications") }
    }

    /// The qualification grades enterprises hold, for the grade filter.
    public func qualificationGrades() async throws(StoreError) -> [String] {
        try await read { db in try Self.distinct(db, "grade", of: "qualifications") }
    }

    /// The registration types, for the practitioners' filter.
    public func registrationTypes() async throws(StoreError) -> [String] {
        try await read { db in try Self.distinct(db, "registration_type", of: "registrations") }
    }

    /// A registration with its practitioner and enterprise, as ``registration(_:)`` reads it.
    static let registrationSelect = """
        SELECT r.registration_number, r.registration_type, r.valid_until, p.name, p.identity_type,
            p.identity_number, e.uscc, e.name AS enterprise_name, e.registered_region
        FROM registrations r JOIN practitioners p ON p.id = r.practitioner_id JOIN enterprises e ON e.uscc = r.uscc
        """

    /// A project participation with its project and enterprise, as ``participation(_:_:)`` reads it.
    static let participationSelect = """
        SELECT p.project_number, p.name, p.region, pp.uscc, e.name AS enterprise_name, pp.role,
            pp.contract_amount, pp.completion_date
        FROM project_participants pp JOIN projects p ON p.project_number = pp.project_number
        JOIN enterprises e ON e.uscc = pp.uscc
        """

    /// A record with its enterprise's name, as ``record(_:)`` reads it.
    static let recordSelect =
        "SELECT r.*, e.name AS enterprise_name FROM credit_records r JOIN enterprises e ON e.uscc = r.uscc"

    /// An enterprise's records: through its own index (the planner would otherwise walk every
    /// published record in decision-date order, for the ORDER BY).
    static let enterpriseRecordSelect = """
        SELECT r.*, e.name AS enterprise_name FROM credit_records r INDEXED BY credit_records_uscc
        JOIN enterprises e ON e.uscc = r.uscc
        """

    /// What makes a record public on `day`: published, and its (possibly shortened) window holds it.
    static let publishedNow = "r.status = 'published' AND r.published_from <= :today AND r.published_until >= :today"

    /// Published records inside their window, filtered; newest decision first.
    public func records(_ query: RecordQuery, on day: CardDate) async throws(StoreError) -> PublicPage<PublicRecord> {
        try await read { db in
            var conditions = [Self.publishedNow]
            var arguments: [String: (any SQLBindable)?] = ["today": day.description]
            if let kind = query.kind {
                conditions.append("r.kind = :kind")
                arguments["kind"] = kind.name
            } else {
                conditions.append(query.favourable ? "r.kind = 'good'" : "r.kind != 'good'")
            }
            if let prefix = Self.regionPrefix(query.region) {
                conditions.append("r.record_number >= :low AND r.record_number < :high")
                arguments["low"] = prefix
                arguments["high"] = prefix + "\u{7F}"
            }
            if let category = query.category, category.wholeMatch(of: #/[A-G]1-[1-9][0-9]?/#) != nil {
                conditions.append("r.behaviour_code >= :codeLow AND r.behaviour_code < :codeHigh")
                arguments["codeLow"] = category + "-"
                arguments["codeHigh"] = category + "."
            }
            if let level = query.authorityLevel {
                conditions.append("r.authority_level = :level")
                arguments["level"] = Int(level.rawValue)
            }
            if let from = query.decidedFrom {
                conditions.append("r.decision_date >= :from")
                arguments["from"] = from.description
            }
            if let until = query.decidedUntil {
                conditions.append("r.decision_date <= :until")
                arguments["until"] = until.description
            }
            let from = """
                FROM credit_records r JOIN enterprises e ON e.uscc = r.uscc
                WHERE \(conditions.joined(separator: " AND "))
                """
            let (total, more) = try Self.count(db, "SELECT 1 \(from)", SQLArguments(named: arguments))
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT r.*, e.name AS enterprise_name \(from)
                    ORDER BY r.decision_date DESC, r.record_number LIMIT \(Self.pageSize) OFFSET \(Self.offset(query.page))
                    """, arguments: SQLArguments(named: arguments))
            return PublicPage(
                items: try rows.map(self.record), total: total, totalIsAtLeast: more, page: query.page,
                pageSize: Self.pageSize, revision: try SQLCreditStore.currentRevision(db))
        }
    }

    func record(_ row: SQLRow) throws -> PublicRecord {
        let stored = try SQLCreditStore.record(row)
        let region = stored.recordNumber.region
        return PublicRecord(
            recordNumber: stored.recordNumber.value, uscc: stored.uscc.value,
            enterpriseName: try row["enterprise_name"],
            kind: stored.kind.name, behaviourCode: stored.behaviourCode?.code,
            behaviourDescription: stored.behaviourCode?.behaviourDescription, decisionNumber: stored.decisionNumber,
            authority: stored.authority, authorityLevel: stored.authorityLevel.name,
            decisionDate: stored.decisionDate.description, publishedFrom: stored.publishedFrom?.description ?? "",
            publishedUntil: stored.publishedUntil?.description ?? "", summary: stored.summary,
            recordedIn: region.code, publishedBy: offices[region.provinceCode.code] ?? region.provinceCode.code)
    }

    // MARK: Pages

    /// An enterprise's page as of `day`; nil when there is no such enterprise.
    public func enterprise(_ uscc: String, on day: CardDate) async throws(StoreError) -> PublicEnterprise? {
        try await read { db in
            guard
                let row = try SQLRow.fetchOne(
                    db, sql: "SELECT * FROM enterprises WHERE uscc = ?", arguments: [uscc])
            else { return nil }
            let today = day.description
            let aliases = Dictionary(
                try SQLRow.fetchAll(
                    db, sql: "SELECT kind, value FROM enterprise_aliases WHERE uscc = ?", arguments: [uscc]
                )
                .map { (try $0["kind"] as String, try $0["value"] as String) }, uniquingKeysWith: { first, _ in first })
            let qualifications = try SQLRow.fetchAll(
                db, sql: "SELECT * FROM qualifications WHERE uscc = ? ORDER BY valid_until DESC, certificate_number",
                arguments: [uscc]
            ).map { row in
                let status: String = try row["status"]
                let from: String = try row["valid_from"]
                let until: String = try row["valid_until"]
                return PublicQualification(
                    category: try row["category"], grade: try row["grade"],
                    certificateNumber: try row["certificate_number"],
                    validFrom: from, validUntil: until, issuingAuthority: try row["issuing_authority"],
                    standing: status != "valid" ? status : (from <= today && until >= today ? "valid" : "expired"))
            }
            let practitioners = try SQLRow.fetchAll(
                db,
                sql: """
                    \(Self.registrationSelect)
                    WHERE r.uscc = ? AND r.status = 'active' AND (r.valid_until IS NULL OR r.valid_until >= ?)
                    ORDER BY r.registration_number
                    """, arguments: [uscc, today]
            ).map(Self.registration)
            let projects = try SQLRow.fetchAll(
                db,
                sql: """
                    \(Self.participationSelect)
                    WHERE pp.uscc = ? ORDER BY pp.completion_date DESC, p.project_number
                    """, arguments: [uscc]
            ).map { try Self.participation(db, $0) }
            let records = try SQLRow.fetchAll(
                db,
                sql: """
                    \(Self.enterpriseRecordSelect)
                    WHERE r.uscc = :uscc AND \(Self.publishedNow) ORDER BY r.decision_date DESC, r.record_number
                    """, arguments: ["uscc": uscc, "today": today]
            ).map(self.record)
            return PublicEnterprise(
                uscc: uscc, name: try row["name"], legalRepresentative: try row["legal_representative"],
                region: try row["registered_region"], organisationCode: aliases["organization-code"],
                registrationNumber: aliases["registration-number"], qualifications: qualifications,
                practitioners: practitioners, projects: projects, records: records, asOf: today,
                revision: try SQLCreditStore.currentRevision(db))
        }
    }

    /// The person behind a registration number and all their active registrations.
    public func practitioner(registration number: String, on day: CardDate) async throws(StoreError)
        -> PublicPractitioner?
    {
        try await read { db in
            guard
                let id = try Int64.fetchOne(
                    db, sql: "SELECT practitioner_id FROM registrations WHERE registration_number = ?",
                    arguments: [number])
            else { return nil }
            let registrations = try SQLRow.fetchAll(
                db,
                sql: """
                    \(Self.registrationSelect)
                    WHERE r.practitioner_id = ? AND r.status = 'active' AND (r.valid_until IS NULL OR r.valid_until >= ?)
                    ORDER BY r.registration_number
                    """, arguments: [id, day.description]
            ).map(Self.registration)
            guard let first = registrations.first else { return nil }
            return PublicPractitioner(
                name: first.name, identityType: first.identityType, maskedIdentityNumber: first.maskedIdentityNumber,
                registrations: registrations, revision: try SQLCreditStore.currentRevision(db))
        }
    }

    /// A project's page.
    public func project(_ number: String, on day: CardDate) async throws(StoreError) -> PublicProject? {
        try await read { db in
            guard
                let row = try SQLRow.fetchOne(
                    db, sql: "SELECT * FROM projects WHERE project_number = ?", arguments: [number])
            else { return nil }
            let participants = try SQLRow.fetchAll(
                db,
                sql: """
                    \(Self.participationSelect) WHERE pp.project_number = ? ORDER BY pp.role, pp.uscc
                    """, arguments: [number]
            ).map { try Self.participation(db, $0) }
            let records = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT r.*, e.name AS enterprise_name FROM credit_records r INDEXED BY credit_records_project
                    JOIN enterprises e ON e.uscc = r.uscc
                    WHERE r.project_number = :number AND \(Self.publishedNow) ORDER BY r.decision_date DESC
                    """, arguments: ["number": number, "today": day.description]
            ).map(self.record)
            return PublicProject(
                projectNumber: number, name: try row["name"], region: try row["region"], participants: participants,
                awards: try String.fetchAll(
                    db, sql: "SELECT name FROM awards WHERE project_number = ? ORDER BY name", arguments: [number]),
                records: records, revision: try SQLCreditStore.currentRevision(db))
        }
    }

    /// A record's page, only while it is public.
    public func record(_ number: String, on day: CardDate) async throws(StoreError) -> PublicRecord? {
        try await read { db in
            try SQLRow.fetchOne(
                db,
                sql: """
                    \(Self.recordSelect)
                    WHERE r.record_number = :number AND \(Self.publishedNow)
                    """, arguments: ["number": number, "today": day.description]
            ).map(self.record)
        }
    }

    /// The public document check: a document number, or a card serial (its current document).
    public func documentStatus(_ key: String) async throws(StoreError) -> PublicDocumentStatus? {
        try await read { db in
            var number: String?
            if (try? DocumentNumber(key)) != nil {
                number = key
            } else if let serial = try? CardSerial(hex: key) {
                number = try String.fetchOne(
                    db, sql: "SELECT current_document FROM cards WHERE serial = ?", arguments: [serial.description])
            }
            guard let number,
                let row = try SQLRow.fetchOne(
                    db,
                    sql: """
                        SELECT d.document_number, d.uscc, d.state, d.issued_at, e.name AS enterprise_name
                        FROM documents d JOIN enterprises e ON e.uscc = d.uscc WHERE d.document_number = ?
                        """, arguments: [number])
            else { return nil }
            let state: String = try row["state"]
            let uscc: String = try row["uscc"]
            let issued: Int64 = try row["issued_at"]
            var ended: Int64?
            if state == "revoked" {
                ended = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT min(v.revoked_at) FROM revocations v
                        WHERE (v.target_kind = 'document' AND v.target = :number)
                           OR (v.target_kind = 'card' AND v.target = (SELECT card_serial FROM documents WHERE document_number = :number))
                        """, arguments: ["number": number])
            } else if state == "superseded" {
                ended = try Int64.fetchOne(
                    db,
                    sql: "SELECT min(issued_at) FROM documents WHERE uscc = ? AND issued_at > ?",
                    arguments: [uscc, issued])
            }
            return PublicDocumentStatus(
                documentNumber: number, uscc: uscc, enterpriseName: try row["enterprise_name"], state: state,
                issuedOn: CardDate(secondsSince1970: issued).description,
                endedOn: ended.map { CardDate(secondsSince1970: $0).description },
                revision: try SQLCreditStore.currentRevision(db))
        }
    }

    /// The enterprise's current view (what a card issued now would carry), for the signed report.
    public func view(of uscc: String, on day: CardDate) async throws(StoreError) -> RevisionedView? {
        try await read { db in try SQLCreditStore.view(db, uscc: uscc, on: day) }
    }
}
