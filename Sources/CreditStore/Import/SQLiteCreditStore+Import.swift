import Foundation
import GRDB
import HandbookCodec
import HandbookCrypto

extension SQLiteCreditStore {
    public func importFile(
        at url: URL, by actor: Account, progress: (@Sendable (ImportProgress) -> Void)?
    ) async throws(StoreError) -> ImportSummary {
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
        return try writeBlocking { db in
            try self.requireCurrent(actor, db)
            var session = ImportSession(
                db: db, file: name, actor: actor, revision: try Self.currentRevision(db) + 1, now: self.now)
            let digest = DigestStream(.sha256)
            var reader = LineReader(
                handle: handle, maximumLineLength: ImportLimits.maximumLineLength, onChunk: { digest.update($0) })
            try session.prepare()
            var lastReport = 0
            while !session.stopReading, session.issues.count < ImportLimits.maximumIssues, let line = try reader.next()
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
            if session.entity == nil, session.issues.isEmpty {
                session.issue(1, "", "the file is empty: the first line must be the header")
            }
            guard session.issues.isEmpty else {
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
                    file: name, bytesRead: reader.bytesRead, totalBytes: size, rows: session.rows, finishedReading: true
                ))
            let changed = session.inserted + session.updated
            var revision = session.revision - 1
            if changed > 0 {
                let sha = AuditChain.hex(digest.finish())
                revision = try self.change(
                    db, by: actor.name, "import.\(session.entity!.rawValue)", name, region: session.region,
                    [
                        "sha256": sha, "rows": String(session.rows), "inserted": String(session.inserted),
                        "updated": String(session.updated), "unchanged": String(session.unchanged),
                    ])
                precondition(revision == session.revision)
                try db.execute(
                    sql: """
                        INSERT INTO imports (file_name, sha256, entity, rows, inserted, updated, unchanged, account, at, revision)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        name, sha, session.entity!.rawValue, session.rows, session.inserted, session.updated,
                        session.unchanged, actor.name, self.now, Int64(revision),
                    ])
            }
            return ImportSummary(
                file: name, entity: session.entity!, rows: session.rows, inserted: session.inserted,
                updated: session.updated, unchanged: session.unchanged, revision: revision)
        }
    }
}

/// One import file being applied inside one write transaction.
struct ImportSession {
    let db: Database
    let file: String
    let actor: Account
    /// The revision the import will have if it changes anything; rows written carry it.
    let revision: UInt64
    let now: Int64
    var entity: ImportEntity?
    var region: RegionCode?
    /// Set when the header is unusable: further lines are not looked at.
    var stopReading = false
    var issues: [ImportIssue] = []
    var rows = 0
    var inserted = 0
    var updated = 0
    var unchanged = 0
    private let decoder = JSONDecoder()

    init(db: Database, file: String, actor: Account, revision: UInt64, now: Int64) {
        self.db = db
        self.file = file
        self.actor = actor
        self.revision = revision
        self.now = now
    }

    mutating func issue(_ line: Int, _ field: String, _ message: String) {
        issues.append(ImportIssue(file: file, line: line, field: field, message: message))
    }

    /// A temporary table of the keys seen in this file: duplicates are found without holding every
    /// key in memory.
    func prepare() throws {
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS import_keys (key TEXT PRIMARY KEY, line INTEGER NOT NULL)")
        try db.execute(sql: "DELETE FROM import_keys")
    }

    /// Notes a row's key; false (and a problem) when an earlier line had it.
    mutating func firstOccurrence(_ key: String, line: Int, field: String) throws -> Bool {
        if let earlier = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT line FROM import_keys WHERE key = ?"), arguments: [key])
        {
            issue(line, field, "\"\(key.split(separator: "|").last ?? "")\" is already on line \(earlier) of this file")
            return false
        }
        try db.cachedStatement(sql: "INSERT INTO import_keys (key, line) VALUES (?, ?)").execute(arguments: [key, line])
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
        rows += 1
        let data = Data(bytes)
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
            validator.issue("format", "\"\(header.format ?? "")\" is not \(ImportHeader.formatName)")
        }
        if header.version != 1 {
            validator.issue("version", "version \(header.version.map(String.init) ?? "none") is not supported (1 is)")
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

    // MARK: Generic upsert

    enum Outcome { case inserted, updated, unchanged }

    /// Inserts or updates one row keyed by `keys`; compares `values` with what is stored so an
    /// identical row is left alone. Rows written carry the import's revision when the table has one.
    func upsert(
        _ table: String, keys: KeyValuePairs<String, (any DatabaseValueConvertible)?>,
        values: KeyValuePairs<String, (any DatabaseValueConvertible)?>, revisioned: Bool = true
    ) throws -> Outcome {
        let keyClause = keys.map { "\($0.key) = ?" }.joined(separator: " AND ")
        let keyArguments = StatementArguments(keys.map { $0.value })
        let columns = values.map(\.key)
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE \(keyClause)"),
            arguments: keyArguments)
        let newValues = values.map { $0.value?.databaseValue ?? .null }
        if let existing {
            let same = zip(columns.indices, newValues).allSatisfy { existing[$0.0] as DatabaseValue == $0.1 }
            if same { return .unchanged }
            var assignments = columns.map { "\($0) = ?" }
            var arguments = StatementArguments(values.map { $0.value })
            if revisioned {
                assignments.append("updated_revision = ?")
                arguments += [Int64(revision)]
            }
            try db.cachedStatement(
                sql: "UPDATE \(table) SET \(assignments.joined(separator: ", ")) WHERE \(keyClause)"
            ).execute(arguments: arguments + keyArguments)
            return .updated
        }
        var allColumns = keys.map(\.key) + columns
        var arguments = keyArguments + StatementArguments(values.map { $0.value })
        if revisioned {
            allColumns.append("updated_revision")
            arguments += [Int64(revision)]
        }
        try db.cachedStatement(
            sql:
                "INSERT INTO \(table) (\(allColumns.joined(separator: ", "))) VALUES (\(allColumns.map { _ in "?" }.joined(separator: ", ")))"
        ).execute(arguments: arguments)
        return .inserted
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

    func enterpriseExists(_ uscc: USCC) throws -> Bool {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM enterprises WHERE uscc = ?"), arguments: [uscc.value])
            != nil
    }

    mutating func requireEnterprise(_ uscc: USCC?, line: Int, field: String) throws -> Bool {
        guard let uscc else { return false }
        guard try enterpriseExists(uscc) else {
            issue(line, field, "enterprise \(uscc) is not in the database: import its enterprises file first")
            return false
        }
        return true
    }

    static func uscc(_ text: String) throws(IdentifierError) -> USCC { try USCC(text, mode: .lenient) }
}
