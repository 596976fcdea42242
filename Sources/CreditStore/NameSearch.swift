import GRDB

/// Substring search of names in Chinese (and any script), through an FTS5 index.
///
/// SQLite's trigram tokenizer finds nothing for a query of one or two characters — and two
/// characters (华东, 苏州) are what people type. So each name is indexed as its characters, one token
/// each (the `unicode61` tokenizer on the characters joined by spaces), and a query becomes the
/// phrase of its characters: a phrase matches consecutive tokens, which is a substring of the name,
/// whatever its length. Only letters and digits are kept on both sides, so punctuation, `%`, `_`,
/// quotes and FTS5 operators in a query are never syntax: `华东 OR 苏州` looks for those characters
/// in that order, nothing else.
public enum NameSearch {
    /// The longest query looked up, in characters.
    public static let maximumQueryLength = 50

    /// The name as indexed: its letters and digits, lower-cased, one per token.
    public static func characters(_ text: String) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(text.count)
        for character in text where character.unicodeScalars.allSatisfy(isWordScalar) {
            tokens.append(character.lowercased())
        }
        return tokens.joined(separator: " ")
    }

    /// The FTS5 query matching names that contain `text`; nil when `text` holds nothing to search.
    public static func phrase(_ text: String) -> String? {
        let tokens = characters(String(text.prefix(maximumQueryLength)))
        return tokens.isEmpty ? nil : "\"" + tokens + "\""
    }

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// `search_characters(text)`, which the index's triggers call: every connection that writes
    /// names registers it.
    static let function = DatabaseFunction("search_characters", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(characters)
    }

    /// Schema version 5: the name indexes of enterprises, practitioners and projects, kept by
    /// triggers, and the indexes the public site's lists read in order.
    static let schema = searchSchema + orderedIndexes

    /// The FTS5 indexes and the triggers that keep them.
    static let searchSchema = """
        CREATE TABLE enterprise_search_ids (id INTEGER PRIMARY KEY, uscc TEXT NOT NULL UNIQUE);
        CREATE VIRTUAL TABLE enterprise_names USING fts5(characters, tokenize = 'unicode61');
        INSERT INTO enterprise_search_ids (uscc) SELECT uscc FROM enterprises ORDER BY uscc;
        INSERT INTO enterprise_names (rowid, characters)
            SELECT i.id, search_characters(e.name) FROM enterprise_search_ids i JOIN enterprises e ON e.uscc = i.uscc;
        CREATE TRIGGER enterprises_search_insert AFTER INSERT ON enterprises BEGIN
            INSERT INTO enterprise_search_ids (uscc) VALUES (new.uscc);
            INSERT INTO enterprise_names (rowid, characters)
                VALUES ((SELECT id FROM enterprise_search_ids WHERE uscc = new.uscc), search_characters(new.name));
        END;
        CREATE TRIGGER enterprises_search_update AFTER UPDATE OF name ON enterprises
        WHEN old.name IS NOT new.name BEGIN
            DELETE FROM enterprise_names WHERE rowid = (SELECT id FROM enterprise_search_ids WHERE uscc = old.uscc);
            INSERT INTO enterprise_names (rowid, characters)
                VALUES ((SELECT id FROM enterprise_search_ids WHERE uscc = new.uscc), search_characters(new.name));
        END;
        CREATE TRIGGER enterprises_search_delete AFTER DELETE ON enterprises BEGIN
            DELETE FROM enterprise_names WHERE rowid = (SELECT id FROM enterprise_search_ids WHERE uscc = old.uscc);
            DELETE FROM enterprise_search_ids WHERE uscc = old.uscc;
        END;

        CREATE VIRTUAL TABLE practitioner_names USING fts5(characters, tokenize = 'unicode61');
        INSERT INTO practitioner_names (rowid, characters) SELECT id, search_characters(name) FROM practitioners;
        CREATE TRIGGER practitioners_search_insert AFTER INSERT ON practitioners BEGIN
            INSERT INTO practitioner_names (rowid, characters) VALUES (new.id, search_characters(new.name));
        END;
        CREATE TRIGGER practitioners_search_update AFTER UPDATE OF name ON practitioners
        WHEN old.name IS NOT new.name BEGIN
            DELETE FROM practitioner_names WHERE rowid = old.id;
            INSERT INTO practitioner_names (rowid, characters) VALUES (new.id, search_characters(new.name));
        END;
        CREATE TRIGGER practitioners_search_delete AFTER DELETE ON practitioners BEGIN
            DELETE FROM practitioner_names WHERE rowid = old.id;
        END;

        CREATE TABLE project_search_ids (id INTEGER PRIMARY KEY, project_number TEXT NOT NULL UNIQUE);
        CREATE VIRTUAL TABLE project_names USING fts5(characters, tokenize = 'unicode61');
        INSERT INTO project_search_ids (project_number) SELECT project_number FROM projects ORDER BY project_number;
        INSERT INTO project_names (rowid, characters)
            SELECT i.id, search_characters(p.name) FROM project_search_ids i
            JOIN projects p ON p.project_number = i.project_number;
        CREATE TRIGGER projects_search_insert AFTER INSERT ON projects BEGIN
            INSERT INTO project_search_ids (project_number) VALUES (new.project_number);
            INSERT INTO project_names (rowid, characters) VALUES (
                (SELECT id FROM project_search_ids WHERE project_number = new.project_number),
                search_characters(new.name));
        END;
        CREATE TRIGGER projects_search_update AFTER UPDATE OF name ON projects
        WHEN old.name IS NOT new.name BEGIN
            DELETE FROM project_names
                WHERE rowid = (SELECT id FROM project_search_ids WHERE project_number = old.project_number);
            INSERT INTO project_names (rowid, characters) VALUES (
                (SELECT id FROM project_search_ids WHERE project_number = new.project_number),
                search_characters(new.name));
        END;

        """

    /// The indexes the public site's lists read in order (on PostgreSQL too).
    static let orderedIndexes = """
        CREATE INDEX awards_name ON awards (name);
        CREATE INDEX qualifications_category ON qualifications (category, grade);
        CREATE INDEX qualifications_grade ON qualifications (grade);
        CREATE INDEX registrations_type ON registrations (registration_type);
        CREATE INDEX project_participants_project ON project_participants (project_number);
        CREATE INDEX credit_records_public ON credit_records (status, decision_date);
        CREATE INDEX credit_records_project ON credit_records (project_number) WHERE project_number IS NOT NULL;
        """
}
