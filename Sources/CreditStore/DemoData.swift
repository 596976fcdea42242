import Foundation
import HandbookCodec
import HandbookConfiguration
import HandbookCrypto

/// The licensing offices of the three provinces, as the demo data and `handbook-issuer init` set them up.
public let regionalOffices: [IssuingOffice] = [
    ("310000", "上海市住房和城乡建设管理委员会"), ("320000", "江苏省住房和城乡建设厅"), ("330000", "浙江省住房和城乡建设厅"),
].compactMap { code, name in (try? RegionCode(code)).map { IssuingOffice(region: $0, name: name) } }

extension SQLCreditStore {
    /// Loads demo enterprises `range` straight into the database, `batch` enterprises per
    /// transaction, each transaction one revision and one audit entry. Every enterprise also gets
    /// an issued card and the document record of it (demo documents keep no card image: their
    /// hash is of the document number). For a database holding no demo data of `range`.
    public func loadDemo(
        _ dataset: DemoDataset, range: Range<Int>, batch: Int = 20_000, by actor: Account,
        progress: ((Int) -> Void)? = nil
    ) throws(StoreError) {
        try actor.require(.loadDemoData)
        try writeBlocking { db in
            for office in regionalOffices {
                try db.execute(
                    sql: "INSERT INTO offices (region, name) VALUES (?, ?) ON CONFLICT (region) DO NOTHING",
                    arguments: [office.region.code, office.name])
            }
        }
        // A bulk load touches B-tree pages all over the file: give the writer a large page cache
        // for its duration (SQLite's default of 2 MB makes it read the same pages again and again).
        if dialect == .sqlite {
            try writeBlocking { db in try db.execute(sql: "PRAGMA cache_size = -1000000") }
        }
        defer {
            if dialect == .sqlite {
                try? writeBlocking { db in try db.execute(sql: "PRAGMA cache_size = \(SQLiteEngine.cacheKiB)") }
            }
        }
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(range.upperBound, start + batch)
            try writeBlocking { db in
                try self.requireCurrent(actor, db)
                let revision = Int64(clamping: try Self.currentRevision(db) + 1)
                let rows = DemoRows(db)
                var records = 0
                for index in start..<end {
                    records += try rows.add(
                        try dataset.enterprise(index), index: index, revision: revision, now: self.now)
                    if (index - start) % DemoRows.enterprisesPerFlush == DemoRows.enterprisesPerFlush - 1 {
                        try rows.flush()
                    }
                }
                try rows.flush()
                try self.change(
                    db, by: actor.name, "demo.load", "enterprises \(start)..<\(end)", region: nil,
                    ["seed": String(dataset.seed), "enterprises": String(end - start), "records": String(records)])
            }
            progress?(end - range.lowerBound)
            start = end
        }
        // Demo documents use the serials of their enterprises' indices: new issuance continues after them.
        try writeBlocking { db in
            try db.execute(
                sql: "UPDATE offices SET next_document_serial = ? WHERE next_document_serial < ?",
                arguments: [Int64(range.upperBound) + 1, Int64(range.upperBound) + 1])
        }
    }
}

/// The demo tables' rows, written many to a statement (``SQLBulkInsert``): a bulk load of a million
/// enterprises is some thirty million rows, beyond what a statement per row loads in reasonable
/// time on PostgreSQL.
private final class DemoRows {
    /// Enterprises whose rows are kept before they are written: some 2,800 rows.
    static let enterprisesPerFlush = 100

    let enterprises: SQLBulkInsert
    let aliases: SQLBulkInsert
    let qualifications: SQLBulkInsert
    let practitioners: SQLBulkInsert
    let registrations: SQLBulkInsert
    let projects: SQLBulkInsert
    let participants: SQLBulkInsert
    let awards: SQLBulkInsert
    let records: SQLBulkInsert
    let cards: SQLBulkInsert
    let documents: SQLBulkInsert

    init(_ db: any SQLSession) {
        enterprises = SQLBulkInsert(
            db, into: "enterprises", ["uscc", "name", "legal_representative", "registered_region", "updated_revision"])
        aliases = SQLBulkInsert(db, into: "enterprise_aliases", ["kind", "value", "uscc"])
        qualifications = SQLBulkInsert(
            db, into: "qualifications",
            [
                "certificate_number", "category", "uscc", "grade", "valid_from", "valid_until", "issuing_authority",
                "updated_revision",
            ])
        practitioners = SQLBulkInsert(
            db, into: "practitioners", ["identity_type", "identity_number", "name", "updated_revision"])
        // The practitioner's id is looked up by identity; a missing one is NULL, which the NOT NULL
        // column refuses (a join would drop the row without a word).
        registrations = SQLBulkInsert(
            db,
            head: """
                INSERT INTO registrations (registration_number, practitioner_id, uscc, registration_type, updated_revision)
                SELECT v.column1, (SELECT p.id FROM practitioners p WHERE p.identity_type = v.column2
                    AND p.identity_number = v.column3), v.column4, v.column5, v.column6 FROM (
                """, columns: 6, tail: ") AS v")
        projects = SQLBulkInsert(db, into: "projects", ["project_number", "name", "region", "updated_revision"])
        participants = SQLBulkInsert(
            db, into: "project_participants", ["project_number", "uscc", "role", "contract_amount", "completion_date"])
        awards = SQLBulkInsert(db, into: "awards", ["project_number", "name"])
        records = SQLBulkInsert(
            db, into: "credit_records",
            [
                "record_number", "uscc", "kind", "behaviour_code", "project_number", "decision_number", "authority",
                "authority_level", "decision_date", "publication_months", "published_from", "published_until",
                "summary", "status", "version", "updated_revision",
            ])
        cards = SQLBulkInsert(
            db, into: "cards",
            ["serial", "profile", "state", "uscc", "current_document", "updated_at", "updated_revision", "region"])
        documents = SQLBulkInsert(
            db, into: "documents",
            [
                "document_number", "card_serial", "uscc", "office_region", "view_revision", "issued_at", "expires_on",
                "state", "sha256",
            ])
    }

    /// Writes what was added, parents before the rows that refer to them.
    func flush() throws {
        for table in [
            enterprises, aliases, qualifications, practitioners, registrations, projects, participants, awards,
            records, cards, documents,
        ] {
            try table.flush()
        }
    }

    /// Adds one enterprise's rows; returns its number of credit records.
    func add(_ demo: DemoEnterprise, index: Int, revision: Int64, now: Int64) throws -> Int {
        let uscc = demo.enterprise.uscc.value
        try enterprises.add([
            uscc, demo.enterprise.name, demo.enterprise.legalRepresentative, demo.enterprise.registeredRegion.code,
            revision,
        ])
        if let code = demo.enterprise.organizationCode {
            try aliases.add(["organization-code", code.value, uscc])
        }
        if let number = demo.enterprise.registrationNumber {
            try aliases.add(["registration-number", number.value, uscc])
        }
        for item in demo.qualifications {
            try qualifications.add([
                item.certificateNumber, item.category, uscc, item.grade, item.validFrom.description,
                item.validUntil.description, item.issuingAuthority, revision,
            ])
        }
        for item in demo.practitioners {
            try practitioners.add([item.identity.type.rawValue, item.identity.number, item.name, revision])
            try registrations.add([
                item.registrationNumber, item.identity.type.rawValue, item.identity.number, uscc,
                item.registrationType, revision,
            ])
        }
        for item in demo.projects {
            try projects.add([item.number.value, item.name, item.region.code, revision])
            try participants.add([
                item.number.value, uscc, Int(item.role.rawValue), Int64(clamping: item.contractAmount),
                item.completionDate?.description,
            ])
            for name in item.awards { try awards.add([item.number.value, name]) }
        }
        for item in demo.records {
            let months =
                (item.record.publishedUntil.year - item.record.publishedFrom.year) * 12
                + item.record.publishedUntil.month - item.record.publishedFrom.month
            let stored = StoredRecord(
                recordNumber: item.record.recordNumber, uscc: demo.enterprise.uscc, kind: item.record.kind,
                behaviourCode: item.record.behaviourCode, projectNumber: nil,
                decisionNumber: item.record.decisionNumber,
                authority: item.record.authority, authorityLevel: item.record.authorityLevel,
                decisionDate: item.record.decisionDate, publicationMonths: months,
                publishedFrom: item.record.publishedFrom, publishedUntil: item.record.publishedUntil,
                summary: item.record.summary, status: item.withdrawn ? .withdrawn : .published, version: 1)
            let arguments = SQLCreditStore.recordArguments(stored, revision: UInt64(clamping: revision))
            try records.add(values: arguments.positional)
        }
        let document = try DocumentNumber(region: demo.province, serial: UInt64(clamping: index) + 1)
        try cards.add([
            demo.card.description, "handbook-32k", "issued", uscc, document.value, now, revision,
            demo.enterprise.registeredRegion.code,
        ])
        try documents.add([
            document.value, demo.card.description, uscc, demo.province.code, revision, now,
            try CardDate(secondsSince1970: now).adding(months: 12).description, "current",
            Data(Digest.sha256.hash(Array(document.value.utf8))),
        ])
        return demo.records.count
    }
}

extension DemoDataset {
    /// Writes enterprises `range` as import files (Docs/IMPORT-FORMAT.md): for each province, one
    /// file per entity type, named `<province>-<entity>.jsonl`. Returns the files in the order to
    /// import them.
    public func writeImportFiles(to directory: URL, range: Range<Int>? = nil) throws -> [URL] {
        try PrivateFile.folder(directory)
        let provinces = ["310000", "320000", "330000"]
        var writers: [String: FileHandle] = [:]
        var urls: [URL] = []
        for entity in ImportEntity.allCases {
            for province in provinces {
                let url = directory.appendingPathComponent("\(province)-\(entity.rawValue).jsonl")
                try PrivateFile.prepare(url.path)
                let handle = try FileHandle(forWritingTo: url)
                try handle.truncate(atOffset: 0)
                let header: [String: Any] = [
                    "format": "credit-handbook-import", "version": 2, "entity": entity.rawValue, "region": province,
                    "source": "demo data, seed \(seed)",
                ]
                try handle.write(contentsOf: Self.line(header))
                writers["\(province)/\(entity.rawValue)"] = handle
                urls.append(url)
            }
        }
        defer { for handle in writers.values { try? handle.close() } }
        var rows: [String: Int] = [:]
        for index in range ?? 0..<count {
            let demo = try enterprise(index)
            let province = demo.province.code
            // A row goes to the file of the province it belongs to: an enterprise's own, except a
            // project, which is its county's province's (the enterprise may work elsewhere).
            func write(_ entity: ImportEntity, _ object: [String: Any], province: String = province) throws {
                let key = "\(province)/\(entity.rawValue)"
                guard let writer = writers[key] else { return }
                try writer.write(contentsOf: Self.line(object))
                rows[key, default: 0] += 1
            }
            var enterprise: [String: Any] = [
                "uscc": demo.enterprise.uscc.value, "name": demo.enterprise.name,
                "legalRepresentative": demo.enterprise.legalRepresentative,
                "registeredRegion": demo.enterprise.registeredRegion.code,
            ]
            enterprise["organizationCode"] = demo.enterprise.organizationCode?.description
            enterprise["registrationNumber"] = demo.enterprise.registrationNumber?.value
            try write(.enterprises, enterprise)
            for item in demo.qualifications {
                try write(
                    .qualifications,
                    [
                        "uscc": demo.enterprise.uscc.value, "category": item.category, "grade": item.grade,
                        "certificateNumber": item.certificateNumber, "validFrom": item.validFrom.description,
                        "validUntil": item.validUntil.description, "issuingAuthority": item.issuingAuthority,
                    ])
            }
            for item in demo.practitioners {
                try write(
                    .practitioners,
                    [
                        "identityType": item.identity.type.rawValue, "identityNumber": item.identity.number,
                        "name": item.name,
                        "registrations": [
                            [
                                "registrationNumber": item.registrationNumber,
                                "registrationType": item.registrationType,
                                "uscc": demo.enterprise.uscc.value,
                            ]
                        ],
                    ])
            }
            for item in demo.projects {
                var participant: [String: Any] = [
                    "uscc": demo.enterprise.uscc.value, "role": item.role.name,
                    "contractAmount": item.contractAmount,
                ]
                participant["completionDate"] = item.completionDate?.description
                try write(
                    .projects,
                    [
                        "projectNumber": item.number.value, "name": item.name, "region": item.region.code,
                        "participants": [participant], "awards": item.awards.map { ["name": $0] },
                    ], province: item.region.provinceCode.code)
            }
            for item in demo.records {
                let record = item.record
                var row: [String: Any] = [
                    "recordNumber": record.recordNumber.value, "uscc": demo.enterprise.uscc.value,
                    "kind": record.kind.name,
                    "decisionNumber": record.decisionNumber, "authority": record.authority,
                    "authorityLevel": record.authorityLevel.name, "decisionDate": record.decisionDate.description,
                    "publishedFrom": record.publishedFrom.description,
                    "publishedUntil": record.publishedUntil.description, "summary": record.summary,
                    "status": item.withdrawn ? "withdrawn" : "published",
                ]
                row["behaviourCode"] = record.behaviourCode?.code
                try write(.records, row)
            }
        }
        // Each file ends with the line that says how many rows it has.
        for (key, writer) in writers {
            try writer.write(contentsOf: Self.line(["end": true, "rows": rows[key] ?? 0]))
        }
        return urls
    }

    static func line(_ object: [String: Any]) throws -> Data {
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        return data
    }
}
