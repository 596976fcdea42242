import CodedErrors
import Foundation
import HandbookCodec
import HandbookConfiguration
import HandbookCrypto

// An import in two steps, so that a large file never holds the database's write lock for long:
//
// 1. Check (no write lock): on a connection of its own, inside one read transaction, every line is
//    decoded, validated, authorised and compared with the database as of that snapshot; what would
//    change is written into staging tables of the connection's temporary database (`temp.stage_*`),
//    which readers and writers of the database never see and which take no lock on it.
// 2. Apply (one short write transaction): if nothing the file touches changed since the snapshot,
//    the staged rows are copied into the database with a handful of INSERT … SELECT statements, with
//    one revision and one audit entry; otherwise the check runs again once.
//
// Readers see the file applied whole or not at all; the service's writes wait at most for step 2
// (the busy timeout), never for the reading and checking of the file. Imports of one database run
// one at a time (an advisory lock beside the file), so only the workflow can change what an import
// checked; a record the workflow touched is a conflict the import reports.

extension SQLCreditStore {
    public func importFile(
        at url: URL, by actor: Account, progress: (@Sendable (ImportProgress) -> Void)?
    ) async throws(StoreError) -> ImportSummary {
        try actor.require(.importData)
        // File reading, JSON decoding and SQLite on a connection of the import's own: blocking work,
        // on a thread of its own rather than one of the cooperative pool's.
        return try await BlockingThread.run { () throws(StoreError) -> ImportSummary in
            try self.importBlocking(url, by: actor, progress: progress)
        }
    }

    func importBlocking(_ url: URL, by actor: Account, progress: (@Sendable (ImportProgress) -> Void)?)
        throws(StoreError) -> ImportSummary
    {
        try engine.withImportConnection { connection throws -> ImportSummary in
            for _ in 0..<2 {
                let plan = try self.check(url, on: connection, by: actor, progress: progress)
                if let summary = try self.apply(plan, on: connection, by: actor) { return summary }
            }
            throw StoreError(
                .conflict,
                "\(url.lastPathComponent): the database changed twice where the file applies while it was being checked; import it again"
            )
        }
    }

    /// Step 1: reads and checks the whole file into the staging tables, at one snapshot.
    func check(
        _ url: URL, on connection: any SQLConnection, by actor: Account,
        progress: (@Sendable (ImportProgress) -> Void)?
    ) throws -> ImportPlan {
        let name = url.lastPathComponent
        let handle: FileHandle
        let size: Int
        do {
            handle = try FileHandle(forReadingFrom: url)
            size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        } catch {
            throw StoreError(.fileUnreadable, "cannot read \(url.path): \((error as NSError).localizedDescription)")
        }
        defer { try? handle.close() }
        try connection.execute(sql: dialect == .postgres ? ImportStaging.postgresSchema : ImportStaging.schema)
        // The staged rows are committed with the read transaction: they live in the connection's
        // temporary tables, so the commit writes nothing else.
        return try connection.transaction(.read) { db in
            try self.stageFile(db, reader: handle, size: size, name: name, by: actor, progress: progress)
        }
    }

    /// Reads, checks and stages every line of the file, inside the caller's read transaction.
    private func stageFile(
        _ db: any SQLSession, reader handle: FileHandle, size: Int, name: String, by actor: Account,
        progress: (@Sendable (ImportProgress) -> Void)?
    ) throws -> ImportPlan {
        try self.requireCurrent(actor, db)
        let snapshot = try Self.currentRevision(db)
        var session = ImportSession(db: db, file: name, actor: actor, now: self.now)
        let digest = DigestStream(.sha256)
        var reader = LineReader(
            handle: handle, maximumLineLength: ImportLimits.maximumLineLength,
            onChunk: { digest.update($0) })
        var lastReport = 0
        while !session.stopReading, session.issues.count < ImportLimits.maximumIssues,
            let line = try reader.next()
        {
            switch line {
            case .tooLong(let number):
                session.issue(number, "", "the line is longer than \(ImportLimits.maximumLineLength) bytes")
            case .line(let number, let bytes):
                try session.handle(line: number, bytes: bytes)
            }
            if let progress, session.rows - lastReport >= 2_000 {
                lastReport = session.rows
                progress(
                    ImportProgress(
                        file: name, bytesRead: reader.bytesRead, totalBytes: size, rows: session.rows,
                        finishedReading: false))
            }
        }
        session.finish(lines: reader.lineNumber)
        guard session.issues.isEmpty, let entity = session.entity, let region = session.region else {
            let shown =
                session.issues.count >= ImportLimits.maximumIssues
                ? " (the first \(ImportLimits.maximumIssues))" : ""
            throw StoreError(
                .importRejected,
                "\(name): \(session.issues.count) problem(s)\(shown); nothing of the file was applied — correct it and import it again",
                issues: session.issues)
        }
        progress?(
            ImportProgress(
                file: name, bytesRead: reader.bytesRead, totalBytes: size, rows: session.rows,
                finishedReading: true))
        return ImportPlan(
            file: name, entity: entity, region: region, snapshot: snapshot, rows: session.rows,
            inserted: session.inserted, updated: session.updated, unchanged: session.unchanged,
            sha256: AuditChain.hex(digest.finish()))
    }

    /// Step 2: one write transaction copying the staged rows in; nil when something the file
    /// touches changed since the check's snapshot (the caller checks again).
    func apply(_ plan: ImportPlan, on connection: any SQLConnection, by actor: Account) throws -> ImportSummary? {
        try connection.transaction(.write) { db -> ImportSummary? in
            try self.requireCurrent(actor, db)
            if try ImportStaging.changedSince(plan.snapshot, db) { return nil }
            var revision = try Self.currentRevision(db)
            if plan.inserted + plan.updated > 0 {
                revision = try self.change(
                    db, by: actor.name, "import.\(plan.entity.rawValue)", plan.file, region: plan.region,
                    [
                        "sha256": plan.sha256, "rows": String(plan.rows), "inserted": String(plan.inserted),
                        "updated": String(plan.updated), "unchanged": String(plan.unchanged),
                    ])
                try ImportStaging.copy(
                    db, revision: Int64(clamping: revision), account: actor.name, at: self.now, file: plan.file)
                try db.execute(
                    sql: """
                        INSERT INTO imports (file_name, sha256, entity, rows, inserted, updated, unchanged, account, at, revision)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        plan.file, plan.sha256, plan.entity.rawValue, plan.rows, plan.inserted, plan.updated,
                        plan.unchanged, actor.name, self.now, Int64(clamping: revision),
                    ])
            }
            return ImportSummary(
                file: plan.file, entity: plan.entity, rows: plan.rows, inserted: plan.inserted,
                updated: plan.updated, unchanged: plan.unchanged, revision: revision)
        }
    }
}

/// What the check step found: the counts, and (in the staging tables) the rows to write.
struct ImportPlan: Sendable {
    let file: String
    let entity: ImportEntity
    let region: RegionCode
    /// The revision the file was checked against.
    let snapshot: UInt64
    let rows: Int
    let inserted: Int
    let updated: Int
    let unchanged: Int
    let sha256: String
}

/// One import file being checked, on the import's connection inside its read transaction.
struct ImportSession {
    let db: any SQLSession
    let file: String
    let actor: Account
    let now: Int64
    var entity: ImportEntity?
    /// The region the header names (set with the entity).
    var region: RegionCode?
    /// Set when the header is unusable: further lines are not looked at.
    var stopReading = false
    /// Set by the end line: only blank lines may follow.
    var ended = false
    var issues: [ImportIssue] = []
    var rows = 0
    var inserted = 0
    var updated = 0
    var unchanged = 0
    /// The end line's count, once it was read.
    var declaredRows: Int?
    private let decoder = JSONDecoder()

    init(db: any SQLSession, file: String, actor: Account, now: Int64) {
        self.db = db
        self.file = file
        self.actor = actor
        self.now = now
    }

    /// The region the file's header names, which the account holds: every row is checked against it.
    var fileScope: RegionScope { RegionScope(region.map { [$0] } ?? []) }

    mutating func issue(_ line: Int, _ field: String, _ message: String) {
        issues.append(ImportIssue(file: file, line: line, field: field, message: message))
    }

    /// Notes a row's key; false (and a problem) when an earlier line had it. `shown` is what the
    /// message may say of the key (a masked identity number).
    mutating func firstOccurrence(_ key: String, line: Int, field: String, shown: String? = nil) throws -> Bool {
        if let earlier = try Int.fetchOne(db, sql: "SELECT line FROM temp.stage_keys WHERE key = ?", arguments: [key]) {
            let text = shown ?? String(key.split(separator: "|").last ?? "")
            issue(line, field, "\"\(text)\" is already on line \(earlier) of this file")
            return false
        }
        try db.execute(
            sql: "INSERT INTO temp.stage_keys (key, line) VALUES (?, ?)",
            arguments: [key, line])
        return true
    }

    mutating func handle(line number: Int, bytes: ArraySlice<UInt8>) throws {
        var bytes = bytes
        if number == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        guard let entity else {
            readHeader(line: number, bytes: bytes)
            return
        }
        guard !ended else {
            issue(number, "", "a line after the end line")
            stopReading = true
            return
        }
        let data = Data(bytes)
        if let end = try? decoder.decode(ImportEnd.self, from: data), end.end == true {
            ended = true
            guard let declared = end.rows, declared >= 0 else {
                issue(number, "rows", "the end line must say how many rows the file has: {\"end\":true,\"rows\":N}")
                return
            }
            declaredRows = declared
            return
        }
        rows += 1
        do {
            switch entity {
            case .enterprises: try apply(try decoder.decode(EnterpriseRow.self, from: data), line: number)
            case .qualifications: try apply(try decoder.decode(QualificationRow.self, from: data), line: number)
            case .practitioners: try apply(try decoder.decode(PractitionerRow.self, from: data), line: number)
            case .projects: try apply(try decoder.decode(ProjectRow.self, from: data), line: number)
            case .records: try apply(try decoder.decode(RecordRow.self, from: data), line: number)
            }
        } catch let error as DecodingError {
            issue(number, "", "not a valid \(entity.rawValue) row: \(describe(error))")
        }
    }

    /// After the last line: the file must have had its header and its end line, with the right count.
    mutating func finish(lines: Int) {
        guard issues.isEmpty else { return }
        guard entity != nil else {
            issue(1, "", "the file is empty: the first line must be the header")
            return
        }
        guard let declaredRows else {
            issue(
                lines, "",
                "the file has no end line {\"end\":true,\"rows\":\(rows)}: it may have been cut short, so nothing of it is applied"
            )
            return
        }
        if declaredRows != rows {
            issue(lines, "rows", "the end line says \(declaredRows) rows, the file has \(rows)")
        }
    }

    mutating func readHeader(line: Int, bytes: ArraySlice<UInt8>) {
        let header: ImportHeader
        do {
            header = try decoder.decode(ImportHeader.self, from: Data(bytes))
        } catch let error as DecodingError {
            issue(line, "", "the first line must be the header object: \(describe(error))")
            stopReading = true
            return
        } catch {
            issue(line, "", "the first line must be the header object")
            stopReading = true
            return
        }
        var validator = RowValidator(file: file, line: line)
        if header.format != ImportHeader.formatName {
            validator.issue(
                "format", "\"\(LogText.escaped(header.format ?? "", limit: 40))\" is not \(ImportHeader.formatName)")
        }
        if header.version == 1 {
            validator.issue(
                "version",
                "version 1 files have no end line, so a file cut short cannot be told from a whole one: write it as version \(ImportHeader.version)"
            )
        } else if header.version != ImportHeader.version {
            validator.issue(
                "version",
                "version \(header.version.map(String.init) ?? "none") is not supported (\(ImportHeader.version) is)")
        }
        let entity = validator.choice(
            header.entity, "entity", Dictionary(uniqueKeysWithValues: ImportEntity.allCases.map { ($0.rawValue, $0) }))
        let region = validator.identifier(header.region, "region") { text throws(IdentifierError) in
            try RegionCode(text)
        }
        if let region {
            do {
                try actor.authorise(.importData, in: region)
            } catch {
                validator.issue("region", error.message)
            }
        }
        issues += validator.issues
        guard validator.issues.isEmpty, let entity, let region else {
            // Without a usable header the rows cannot be read; stop at the header's problems.
            stopReading = true
            return
        }
        self.entity = entity
        self.region = region
    }

    // MARK: Staging

    enum Outcome { case inserted, updated, unchanged }

    /// Compares a row keyed by `keys` with what the database holds (`compare` reads the stored
    /// values when they are not the table's own columns); an identical row is left alone, a new or
    /// changed one is staged for the apply step.
    func stage(
        _ table: String, keys: KeyValuePairs<String, (any SQLBindable)?>,
        values: KeyValuePairs<String, (any SQLBindable)?>, revisioned: Bool = true,
        compare: String? = nil
    ) throws -> Outcome {
        let keyClause = keys.map { "\($0.key) = ?" }.joined(separator: " AND ")
        let keyArguments = SQLArguments(values: keys.map { $0.value })
        let columns = values.map(\.key)
        let existing = try SQLRow.fetchOne(
            db,
            sql: compare ?? "SELECT \(columns.joined(separator: ", ")) FROM main.\(table) WHERE \(keyClause)",
            arguments: keyArguments)
        let newValues = values.map { $0.value?.sqlValue ?? .null }
        if let existing, zip(existing.values, newValues).allSatisfy({ $0 == $1 }),
            existing.values.count == newValues.count
        {
            return .unchanged
        }
        let allColumns = keys.map(\.key) + columns
        try db.execute(
            sql:
                "INSERT INTO temp.stage_\(table) (\(allColumns.joined(separator: ", "))) VALUES (\(allColumns.map { _ in "?" }.joined(separator: ", ")))",
            arguments: keyArguments + SQLArguments(values: values.map { $0.value }))
        return existing == nil ? .inserted : .updated
    }

    mutating func count(_ outcomes: [Outcome]) {
        if outcomes.first == .inserted {
            inserted += 1
        } else if outcomes.contains(where: { $0 != .unchanged }) {
            updated += 1
        } else {
            unchanged += 1
        }
    }

    /// Whether the enterprise exists; with `ofThisFile`, also that it is registered inside the
    /// file's region (what the row adds is that enterprise's, and so that region's).
    mutating func requireEnterprise(_ uscc: USCC?, line: Int, field: String, ofThisFile: Bool = false) throws -> Bool {
        guard let uscc else { return false }
        guard
            let registered = try String.fetchOne(
                db, sql: "SELECT registered_region FROM main.enterprises WHERE uscc = ?",
                arguments: [uscc.value])
        else {
            issue(line, field, "enterprise \(uscc) is not in the database: import its enterprises file first")
            return false
        }
        if ofThisFile, !fileScope.covers(try RegionCode(registered)) {
            issue(
                line, field,
                "enterprise \(uscc) is registered in region \(registered), outside this file's region \(fileRegion): this file may not add to it"
            )
            return false
        }
        return true
    }

    static func uscc(_ text: String) throws(IdentifierError) -> USCC { try USCC(text, mode: .lenient) }
}

/// The staging tables of an import (in the connection's temporary database) and the statements that
/// copy them into the credit database.
enum ImportStaging {
    /// The same staging tables on PostgreSQL, which wants each column's type.
    static let postgresSchema = """
        DROP TABLE IF EXISTS pg_temp.stage_keys;
        CREATE TEMP TABLE stage_keys (key TEXT PRIMARY KEY, line BIGINT NOT NULL);
        DROP TABLE IF EXISTS pg_temp.stage_enterprises;
        CREATE TEMP TABLE stage_enterprises (uscc TEXT PRIMARY KEY, name TEXT, legal_representative TEXT,
            registered_region TEXT);
        DROP TABLE IF EXISTS pg_temp.stage_enterprise_aliases;
        CREATE TEMP TABLE stage_enterprise_aliases (kind TEXT, value TEXT, uscc TEXT, PRIMARY KEY (kind, value));
        DROP TABLE IF EXISTS pg_temp.stage_qualifications;
        CREATE TEMP TABLE stage_qualifications (certificate_number TEXT, category TEXT, uscc TEXT, grade TEXT,
            valid_from TEXT, valid_until TEXT, issuing_authority TEXT, status TEXT,
            PRIMARY KEY (certificate_number, category));
        DROP TABLE IF EXISTS pg_temp.stage_practitioners;
        CREATE TEMP TABLE stage_practitioners (identity_type TEXT, identity_number TEXT, name TEXT,
            PRIMARY KEY (identity_type, identity_number));
        DROP TABLE IF EXISTS pg_temp.stage_registrations;
        CREATE TEMP TABLE stage_registrations (registration_number TEXT PRIMARY KEY, identity_type TEXT,
            identity_number TEXT, uscc TEXT, registration_type TEXT, valid_until TEXT, status TEXT);
        DROP TABLE IF EXISTS pg_temp.stage_projects;
        CREATE TEMP TABLE stage_projects (project_number TEXT PRIMARY KEY, name TEXT, region TEXT);
        DROP TABLE IF EXISTS pg_temp.stage_project_participants;
        CREATE TEMP TABLE stage_project_participants (project_number TEXT, uscc TEXT, role BIGINT,
            contract_amount BIGINT, completion_date TEXT, PRIMARY KEY (project_number, uscc, role));
        DROP TABLE IF EXISTS pg_temp.stage_awards;
        CREATE TEMP TABLE stage_awards (project_number TEXT, name TEXT, awarded_on TEXT,
            PRIMARY KEY (project_number, name));
        DROP TABLE IF EXISTS pg_temp.stage_records;
        CREATE TEMP TABLE stage_records (record_number TEXT PRIMARY KEY, uscc TEXT, kind TEXT, behaviour_code TEXT,
            project_number TEXT, decision_number TEXT, authority TEXT, authority_level BIGINT, decision_date TEXT,
            publication_months BIGINT, published_from TEXT, published_until TEXT, summary TEXT, status TEXT,
            version BIGINT, snapshot TEXT, line BIGINT)
        """

    static let schema = """
        DROP TABLE IF EXISTS temp.stage_keys;
        CREATE TEMP TABLE stage_keys (key TEXT PRIMARY KEY, line INTEGER NOT NULL);
        DROP TABLE IF EXISTS temp.stage_enterprises;
        CREATE TEMP TABLE stage_enterprises (uscc TEXT PRIMARY KEY, name, legal_representative, registered_region);
        DROP TABLE IF EXISTS temp.stage_enterprise_aliases;
        CREATE TEMP TABLE stage_enterprise_aliases (kind, value, uscc, PRIMARY KEY (kind, value));
        DROP TABLE IF EXISTS temp.stage_qualifications;
        CREATE TEMP TABLE stage_qualifications (certificate_number, category, uscc, grade, valid_from, valid_until,
            issuing_authority, status, PRIMARY KEY (certificate_number, category));
        DROP TABLE IF EXISTS temp.stage_practitioners;
        CREATE TEMP TABLE stage_practitioners (identity_type, identity_number, name, PRIMARY KEY (identity_type, identity_number));
        DROP TABLE IF EXISTS temp.stage_registrations;
        CREATE TEMP TABLE stage_registrations (registration_number PRIMARY KEY, identity_type, identity_number, uscc,
            registration_type, valid_until, status);
        DROP TABLE IF EXISTS temp.stage_projects;
        CREATE TEMP TABLE stage_projects (project_number PRIMARY KEY, name, region);
        DROP TABLE IF EXISTS temp.stage_project_participants;
        CREATE TEMP TABLE stage_project_participants (project_number, uscc, role, contract_amount, completion_date,
            PRIMARY KEY (project_number, uscc, role));
        DROP TABLE IF EXISTS temp.stage_awards;
        CREATE TEMP TABLE stage_awards (project_number, name, awarded_on, PRIMARY KEY (project_number, name));
        DROP TABLE IF EXISTS temp.stage_records;
        CREATE TEMP TABLE stage_records (record_number PRIMARY KEY, uscc, kind, behaviour_code, project_number,
            decision_number, authority, authority_level, decision_date, publication_months, published_from,
            published_until, summary, status, version, snapshot, line);
        """

    /// The probes of ``changedSince(_:_:)``, the staged rows driving each (CROSS JOIN: SQLite keeps
    /// the left table outside, where it would otherwise scan the whole main table — it has no
    /// statistics of the temp tables — and an import took seconds per file and table at a million
    /// enterprises). PostgreSQL plans it freely.
    static let changeProbes = [
        ("stage_enterprises", "enterprises", "t.uscc = s.uscc"),
        (
            "stage_qualifications", "qualifications",
            "t.certificate_number = s.certificate_number AND t.category = s.category"
        ),
        (
            "stage_practitioners", "practitioners",
            "t.identity_type = s.identity_type AND t.identity_number = s.identity_number"
        ),
        ("stage_registrations", "registrations", "t.registration_number = s.registration_number"),
        ("stage_projects", "projects", "t.project_number = s.project_number"),
        ("stage_records", "credit_records", "t.record_number = s.record_number"),
    ].map { stage, table, match in
        "SELECT 1 FROM temp.\(stage) s CROSS JOIN main.\(table) t WHERE \(match) AND t.updated_revision > ?"
    }

    /// Whether anything the staged rows touch was written after `snapshot` (by the workflow: imports
    /// run one at a time), or a shortening was filed for a staged record.
    static func changedSince(_ snapshot: UInt64, _ db: any SQLSession) throws -> Bool {
        let revision = Int64(clamping: snapshot)
        for probe in changeProbes where try Int.fetchOne(db, sql: probe + " LIMIT 1", arguments: [revision]) != nil {
            return true
        }
        return try Int.fetchOne(
            db,
            sql: "SELECT 1 FROM main.shortening_requests t JOIN temp.stage_records s USING (record_number) LIMIT 1")
            != nil
    }

    /// Copies every staged row into the database, the changed rows carrying `revision`.
    static func copy(_ db: any SQLSession, revision: Int64, account: String, at now: Int64, file: String) throws {
        // One statement at a time: numbered parameters do not carry across statements. A
        // statement takes the revision as ?1; the history's takes the account, time and file too.
        for statement in copyStatements {
            let arguments: SQLArguments =
                statement.contains("?2") ? [revision, account, now, file] : statement.contains("?1") ? [revision] : []
            try db.execute(sql: statement, arguments: arguments)
        }
    }

    static let copyStatements = [
        """
        INSERT INTO main.enterprises (uscc, name, legal_representative, registered_region, updated_revision)
        SELECT uscc, name, legal_representative, registered_region, ?1 FROM temp.stage_enterprises WHERE true
        ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, legal_representative = excluded.legal_representative,
        registered_region = excluded.registered_region, updated_revision = excluded.updated_revision
        """,
        """
        INSERT INTO main.enterprise_aliases (kind, value, uscc)
        SELECT kind, value, uscc FROM temp.stage_enterprise_aliases WHERE true
        ON CONFLICT (kind, value) DO UPDATE SET uscc = excluded.uscc
        """,
        """
        INSERT INTO main.qualifications (certificate_number, category, uscc, grade, valid_from, valid_until,
        issuing_authority, status, updated_revision)
        SELECT certificate_number, category, uscc, grade, valid_from, valid_until, issuing_authority, status, ?1
        FROM temp.stage_qualifications WHERE true
        ON CONFLICT (certificate_number, category) DO UPDATE SET uscc = excluded.uscc, grade = excluded.grade,
        valid_from = excluded.valid_from, valid_until = excluded.valid_until,
        issuing_authority = excluded.issuing_authority, status = excluded.status,
        updated_revision = excluded.updated_revision
        """,
        """
        INSERT INTO main.practitioners (identity_type, identity_number, name, updated_revision)
        SELECT identity_type, identity_number, name, ?1 FROM temp.stage_practitioners WHERE true
        ON CONFLICT (identity_type, identity_number) DO UPDATE SET name = excluded.name,
        updated_revision = excluded.updated_revision
        """,
        """
        INSERT INTO main.registrations (registration_number, practitioner_id, uscc, registration_type, valid_until,
        status, updated_revision)
        SELECT s.registration_number, p.id, s.uscc, s.registration_type, s.valid_until, s.status, ?1
        FROM temp.stage_registrations s
        JOIN main.practitioners p ON p.identity_type = s.identity_type AND p.identity_number = s.identity_number
        WHERE true
        ON CONFLICT (registration_number) DO UPDATE SET practitioner_id = excluded.practitioner_id,
        uscc = excluded.uscc, registration_type = excluded.registration_type,
        valid_until = excluded.valid_until, status = excluded.status,
        updated_revision = excluded.updated_revision
        """,
        """
        INSERT INTO main.projects (project_number, name, region, updated_revision)
        SELECT project_number, name, region, ?1 FROM temp.stage_projects WHERE true
        ON CONFLICT (project_number) DO UPDATE SET name = excluded.name, region = excluded.region,
        updated_revision = excluded.updated_revision
        """,
        """
        INSERT INTO main.project_participants (project_number, uscc, role, contract_amount, completion_date)
        SELECT project_number, uscc, role, contract_amount, completion_date
        FROM temp.stage_project_participants WHERE true
        ON CONFLICT (project_number, uscc, role) DO UPDATE SET contract_amount = excluded.contract_amount,
        completion_date = excluded.completion_date
        """,
        """
        INSERT INTO main.awards (project_number, name, awarded_on)
        SELECT project_number, name, awarded_on FROM temp.stage_awards WHERE true
        ON CONFLICT (project_number, name) DO UPDATE SET awarded_on = excluded.awarded_on
        """,
        """
        INSERT INTO main.credit_records (record_number, uscc, kind, behaviour_code, project_number, decision_number,
        authority, authority_level, decision_date, publication_months, published_from, published_until,
        summary, status, version, updated_revision)
        SELECT record_number, uscc, kind, behaviour_code, project_number, decision_number, authority,
        authority_level, decision_date, publication_months, published_from, published_until, summary, status,
        version, ?1
        FROM temp.stage_records WHERE true
        ON CONFLICT (record_number) DO UPDATE SET uscc = excluded.uscc, kind = excluded.kind,
        behaviour_code = excluded.behaviour_code, project_number = excluded.project_number,
        decision_number = excluded.decision_number, authority = excluded.authority,
        authority_level = excluded.authority_level, decision_date = excluded.decision_date,
        publication_months = excluded.publication_months, published_from = excluded.published_from,
        published_until = excluded.published_until, summary = excluded.summary, status = excluded.status,
        version = excluded.version, updated_revision = excluded.updated_revision
        """,
        """
        INSERT INTO main.credit_record_history (record_number, version, action, account, at, reason, revision, snapshot)
        SELECT record_number, version, 'imported', ?2, ?3, ?4, ?1, snapshot FROM temp.stage_records
        """,
    ]
}

/// The lock that keeps imports of one database one at a time, across processes: an exclusive
/// `flock` on a file beside the database, held for the import and released when it ends (or when
/// the process dies).
struct ImportLock {
    private let descriptor: Int32

    init(path: String) throws(StoreError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, PrivateFile.fileMode)
        guard descriptor >= 0 else {
            throw StoreError(.internal, "cannot open the import lock \(path): \(String(cString: strerror(errno)))")
        }
        // Waits for an import in progress to finish (this runs on the import's own thread).
        guard flock(descriptor, LOCK_EX) == 0 else {
            close(descriptor)
            throw StoreError(.internal, "cannot take the import lock \(path): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Blocking work on a thread of its own, awaited without holding a thread of the cooperative pool.
enum BlockingThread {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                do throws(StoreError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
