import GRDB
import HandbookCodec

/// The schema of the credit database, as numbered migrations. A database is migrated on open;
/// a database from a newer program is refused rather than guessed at.
///
/// The SQL keeps to what PostgreSQL also accepts, apart from `WITHOUT ROWID` and the triggers' syntax.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-credit-database") { db in try db.execute(sql: version1) }
        migrator.registerMigration("v2-checks-and-name-search") { db in try db.execute(sql: version2) }
        migrator.registerMigration("v3-journal-documents") { db in try db.execute(sql: version3) }
        migrator.registerMigration("v4-regions-of-cards-and-audit") { db in try db.execute(sql: version4) }
        migrator.registerMigration("v5-name-search") { db in try db.execute(sql: NameSearch.schema) }
        migrator.registerMigration("v6-work-lists") { db in try db.execute(sql: WorkListSchema.version6) }
        return migrator
    }

    /// `column IN ('a', 'b')` written as comparisons: SQLite evaluates an IN list in a CHECK
    /// constraint or an index condition through an ephemeral table, opened and closed on every
    /// INSERT, which costs more than the insert itself.
    static func oneOf(_ column: String, _ values: [String]) -> String {
        "(" + values.map { "\(column) = '\($0)'" }.joined(separator: " OR ") + ")"
    }

    /// The store's tables (both engines have them): what row counts and the migration compare.
    static let tables = [
        "meta", "accounts", "offices", "enterprises", "enterprise_aliases", "qualifications", "practitioners",
        "registrations", "projects", "project_participants", "awards", "credit_records", "credit_record_history",
        "shortening_requests", "record_serials", "cards", "documents", "revocations", "issuance_journal", "imports",
        "audit_log", "checks",
    ]

    /// The names of the migrations, oldest first.
    static var versions: [String] { migrator.migrations }

    static let version1: String = """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY NOT NULL,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('revision', 0);

        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (\(oneOf("role", ["recorder", "approver", "issuer", "inspector", "auditor", "admin"]))),
            regions TEXT NOT NULL,
            password_hash TEXT,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE offices (
            region TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            next_document_serial INTEGER NOT NULL DEFAULT 1
        ) WITHOUT ROWID;

        CREATE TABLE enterprises (
            uscc TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            legal_representative TEXT NOT NULL,
            registered_region TEXT NOT NULL,
            updated_revision INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX enterprises_region ON enterprises (registered_region);

        -- Organisation codes and registration numbers from before 2015 (三证合一) lead to the USCC.
        CREATE TABLE enterprise_aliases (
            kind TEXT NOT NULL CHECK (\(oneOf("kind", ["organization-code", "registration-number"]))),
            value TEXT NOT NULL,
            uscc TEXT NOT NULL REFERENCES enterprises (uscc),
            PRIMARY KEY (kind, value)
        ) WITHOUT ROWID;
        CREATE INDEX enterprise_aliases_uscc ON enterprise_aliases (uscc);

        CREATE TABLE qualifications (
            certificate_number TEXT NOT NULL,
            category TEXT NOT NULL,
            uscc TEXT NOT NULL REFERENCES enterprises (uscc),
            grade TEXT NOT NULL,
            valid_from TEXT NOT NULL,
            valid_until TEXT NOT NULL,
            issuing_authority TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'valid' CHECK (\(oneOf("status", ["valid", "suspended", "revoked"]))),
            updated_revision INTEGER NOT NULL,
            PRIMARY KEY (certificate_number, category)
        ) WITHOUT ROWID;
        CREATE INDEX qualifications_uscc ON qualifications (uscc);

        CREATE TABLE practitioners (
            id INTEGER PRIMARY KEY,
            identity_type TEXT NOT NULL,
            identity_number TEXT NOT NULL,
            name TEXT NOT NULL,
            updated_revision INTEGER NOT NULL,
            UNIQUE (identity_type, identity_number)
        );

        CREATE TABLE registrations (
            registration_number TEXT PRIMARY KEY NOT NULL,
            practitioner_id INTEGER NOT NULL REFERENCES practitioners (id),
            uscc TEXT NOT NULL REFERENCES enterprises (uscc),
            registration_type TEXT NOT NULL,
            valid_until TEXT,
            status TEXT NOT NULL DEFAULT 'active' CHECK (\(oneOf("status", ["active", "cancelled"]))),
            updated_revision INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX registrations_uscc ON registrations (uscc);
        CREATE INDEX registrations_practitioner ON registrations (practitioner_id);

        CREATE TABLE projects (
            project_number TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            region TEXT NOT NULL,
            updated_revision INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- The roles enterprises played in projects.
        CREATE TABLE project_participants (
            project_number TEXT NOT NULL REFERENCES projects (project_number),
            uscc TEXT NOT NULL REFERENCES enterprises (uscc),
            role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 7),
            contract_amount INTEGER NOT NULL CHECK (contract_amount >= 0),
            completion_date TEXT,
            PRIMARY KEY (project_number, uscc, role)
        ) WITHOUT ROWID;
        CREATE INDEX project_participants_uscc ON project_participants (uscc);

        CREATE TABLE awards (
            project_number TEXT NOT NULL REFERENCES projects (project_number),
            name TEXT NOT NULL,
            awarded_on TEXT,
            PRIMARY KEY (project_number, name)
        ) WITHOUT ROWID;

        CREATE TABLE credit_records (
            record_number TEXT PRIMARY KEY NOT NULL,
            uscc TEXT NOT NULL REFERENCES enterprises (uscc),
            kind TEXT NOT NULL CHECK (\(oneOf("kind", RecordKind.allCases.map(\.name)))),
            behaviour_code TEXT,
            project_number TEXT,
            decision_number TEXT NOT NULL,
            authority TEXT NOT NULL,
            authority_level INTEGER NOT NULL CHECK (authority_level BETWEEN 0 AND 3),
            decision_date TEXT NOT NULL,
            publication_months INTEGER NOT NULL,
            published_from TEXT,
            published_until TEXT,
            summary TEXT NOT NULL,
            status TEXT NOT NULL CHECK (\(oneOf("status", ["recorded", "approved", "published", "rejected", "withdrawn"]))),
            version INTEGER NOT NULL,
            updated_revision INTEGER NOT NULL,
            CHECK (kind = 'good' OR behaviour_code IS NOT NULL)
        ) WITHOUT ROWID;
        CREATE INDEX credit_records_uscc ON credit_records (uscc, status);
        CREATE INDEX credit_records_pending ON credit_records (status) WHERE \(oneOf("status", ["recorded", "approved"]));

        -- Every version of every record: withdrawn and amended records keep their history.
        CREATE TABLE credit_record_history (
            record_number TEXT NOT NULL REFERENCES credit_records (record_number),
            version INTEGER NOT NULL,
            action TEXT NOT NULL,
            account TEXT NOT NULL,
            at INTEGER NOT NULL,
            reason TEXT,
            revision INTEGER NOT NULL,
            snapshot TEXT NOT NULL,
            PRIMARY KEY (record_number, version)
        ) WITHOUT ROWID;

        CREATE TABLE shortening_requests (
            id INTEGER PRIMARY KEY,
            record_number TEXT NOT NULL REFERENCES credit_records (record_number),
            requested_until TEXT NOT NULL,
            reason TEXT NOT NULL,
            status TEXT NOT NULL CHECK (\(oneOf("status", ["pending", "approved", "rejected"]))),
            requested_by TEXT NOT NULL,
            decided_by TEXT,
            requested_at INTEGER NOT NULL,
            decided_at INTEGER
        );

        -- The next serial of each recording region's record numbers.
        CREATE TABLE record_serials (
            region TEXT PRIMARY KEY NOT NULL,
            next_serial INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE cards (
            serial TEXT PRIMARY KEY NOT NULL,
            profile TEXT NOT NULL,
            state TEXT NOT NULL CHECK (\(oneOf("state", ["blank", "personalised", "issued", "revoked"]))),
            uscc TEXT REFERENCES enterprises (uscc),
            current_document TEXT,
            updated_at INTEGER NOT NULL,
            updated_revision INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX cards_uscc ON cards (uscc);

        CREATE TABLE documents (
            document_number TEXT PRIMARY KEY NOT NULL,
            card_serial TEXT NOT NULL REFERENCES cards (serial),
            uscc TEXT NOT NULL REFERENCES enterprises (uscc),
            office_region TEXT NOT NULL,
            view_revision INTEGER NOT NULL,
            issued_at INTEGER NOT NULL,
            expires_on TEXT NOT NULL,
            state TEXT NOT NULL CHECK (\(oneOf("state", ["current", "superseded", "revoked"]))),
            sha256 BLOB NOT NULL,
            bytes BLOB
        ) WITHOUT ROWID;
        CREATE INDEX documents_card ON documents (card_serial);
        CREATE INDEX documents_uscc ON documents (uscc);

        CREATE TABLE revocations (
            id INTEGER PRIMARY KEY,
            target_kind TEXT NOT NULL CHECK (\(oneOf("target_kind", ["card", "document"]))),
            target TEXT NOT NULL,
            reason TEXT NOT NULL,
            revoked_at INTEGER NOT NULL,
            account TEXT NOT NULL,
            revision INTEGER NOT NULL
        );

        -- Issuance writes an entry before touching the card and closes it after the database commit.
        CREATE TABLE issuance_journal (
            id INTEGER PRIMARY KEY,
            card_serial TEXT NOT NULL,
            uscc TEXT NOT NULL,
            document_number TEXT,
            reader TEXT,
            state TEXT NOT NULL CHECK (\(oneOf("state", ["open", "committed", "abandoned", "attention"]))),
            step TEXT NOT NULL,
            account TEXT NOT NULL,
            opened_at INTEGER NOT NULL,
            closed_at INTEGER,
            note TEXT
        );
        -- At most one open issuance per card.
        CREATE UNIQUE INDEX issuance_journal_open_card ON issuance_journal (card_serial) WHERE state = 'open';

        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            file_name TEXT NOT NULL,
            sha256 BLOB NOT NULL,
            entity TEXT NOT NULL,
            rows INTEGER NOT NULL,
            inserted INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            unchanged INTEGER NOT NULL,
            account TEXT NOT NULL,
            at INTEGER NOT NULL,
            revision INTEGER NOT NULL
        );

        -- Append-only and hash-chained: hash = SHA-256(previous_hash || the entry's fields).
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            account TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            detail TEXT NOT NULL,
            revision INTEGER NOT NULL,
            previous_hash BLOB NOT NULL,
            hash BLOB NOT NULL
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """

    /// Proof-of-check records that verifiers send (issues 6 and 7), and a name index for search.
    static let version2 = """
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            checked_at INTEGER NOT NULL,
            card_serial TEXT NOT NULL,
            document_number TEXT,
            verdict TEXT NOT NULL,
            compared_revision INTEGER,
            account TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            detail TEXT
        );
        CREATE INDEX checks_card ON checks (card_serial);
        CREATE INDEX enterprises_name ON enterprises (name);
        """

    /// The journal keeps what an issuance writes, so that recovery can tell it on the card.
    static let version3 = """
        ALTER TABLE issuance_journal ADD COLUMN card_profile TEXT;
        ALTER TABLE issuance_journal ADD COLUMN view_revision INTEGER;
        ALTER TABLE issuance_journal ADD COLUMN expires_on TEXT;
        ALTER TABLE issuance_journal ADD COLUMN document BLOB;
        ALTER TABLE issuance_journal ADD COLUMN document_sha256 BLOB;
        CREATE INDEX issuance_journal_document ON issuance_journal (document_number);
        """

    /// Every card and audit entry says which region it belongs to, so that an account of one
    /// province neither reads nor acts on another's (a card with no enterprise yet, an audit entry).
    static let version4 = """
        ALTER TABLE cards ADD COLUMN region TEXT;
        UPDATE cards SET region = (SELECT registered_region FROM enterprises WHERE enterprises.uscc = cards.uscc)
            WHERE uscc IS NOT NULL;
        ALTER TABLE audit_log ADD COLUMN region TEXT;
        ALTER TABLE shortening_requests ADD COLUMN decision_reason TEXT;
        """
}
