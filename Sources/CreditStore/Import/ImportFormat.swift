import CodedErrors
import Foundation
import HandbookCodec

/// The entity types of the import format (Docs/IMPORT-FORMAT.md), one per file.
public enum ImportEntity: String, Sendable, Hashable, CaseIterable, Codable {
    case enterprises
    case qualifications
    case practitioners
    case projects
    case records

    /// The order in which files of several types are applied: what a row refers to comes first.
    public var order: Int { Self.allCases.firstIndex(of: self) ?? Self.allCases.count }
}

/// Limits that keep an import's memory bounded on any input.
public enum ImportLimits {
    /// The longest line accepted, in bytes.
    public static let maximumLineLength = 1 << 20
    /// Problems reported before the import stops looking.
    public static let maximumIssues = 100
    /// Items in one row's nested lists (registrations, participants, awards).
    public static let maximumNestedItems = 1_000
}

/// The first line of an import file.
struct ImportHeader: Decodable {
    var format: String?
    var version: Int?
    var entity: String?
    var region: String?
    var source: String?

    static let formatName = "credit-handbook-import"
    /// Version 2: version 1 and a last line that says how many rows the file has, so that a file
    /// cut short at a line's end is refused, not applied in part.
    static let version = 2
}

/// The last line of an import file: `{"end":true,"rows":N}`.
struct ImportEnd: Decodable {
    var end: Bool?
    var rows: Int?
}

// The rows as they come: every field optional, so a missing one is reported by name with the others.

struct EnterpriseRow: Decodable {
    var uscc: String?
    var name: String?
    var legalRepresentative: String?
    var registeredRegion: String?
    var organizationCode: String?
    var registrationNumber: String?
}

struct QualificationRow: Decodable {
    var uscc: String?
    var category: String?
    var grade: String?
    var certificateNumber: String?
    var validFrom: String?
    var validUntil: String?
    var issuingAuthority: String?
    var status: String?
}

struct RegistrationRow: Decodable {
    var registrationNumber: String?
    var registrationType: String?
    var uscc: String?
    var validUntil: String?
    var status: String?
}

struct PractitionerRow: Decodable {
    var identityType: String?
    var identityNumber: String?
    var name: String?
    var registrations: [RegistrationRow]?
}

struct ParticipantRow: Decodable {
    var uscc: String?
    var role: String?
    var contractAmount: Int64?
    var completionDate: String?
}

struct AwardRow: Decodable {
    var name: String?
    var awardedOn: String?
}

struct ProjectRow: Decodable {
    var projectNumber: String?
    var name: String?
    var region: String?
    var participants: [ParticipantRow]?
    var awards: [AwardRow]?
}

struct RecordRow: Decodable {
    var recordNumber: String?
    var uscc: String?
    var kind: String?
    var behaviourCode: String?
    var projectNumber: String?
    var decisionNumber: String?
    var authority: String?
    var authorityLevel: String?
    var decisionDate: String?
    var publishedFrom: String?
    var publishedUntil: String?
    var summary: String?
    var status: String?
}

/// Validates one row's fields, collecting a problem per bad field.
struct RowValidator {
    let file: String
    let line: Int
    var issues: [ImportIssue] = []

    mutating func issue(_ field: String, _ message: String) {
        issues.append(ImportIssue(file: file, line: line, field: field, message: message))
    }

    /// Text for a card: the handbook's text rule, at most `maximum` characters.
    mutating func text(_ value: String?, _ field: String, maximum: Int = 200, optional: Bool = false) -> String? {
        guard let value else {
            if !optional { issue(field, "missing") }
            return nil
        }
        if let problem = TextRule.problem(value, maximumCharacters: maximum) {
            issue(field, problem)
            return nil
        }
        return value
    }

    /// An identifier; the value is quoted in the message unless it is personal data (`secret`),
    /// whose message shows it masked.
    mutating func identifier<T>(
        _ value: String?, _ field: String, optional: Bool = false, secret: Bool = false,
        _ make: (String) throws(IdentifierError) -> T
    ) -> T? {
        guard let value else {
            if !optional { issue(field, "missing") }
            return nil
        }
        do {
            return try make(value)
        } catch {
            let shown = secret ? PersonIdentifier.mask(value) : LogText.escaped(value, limit: 40)
            issue(field, "\"\(shown)\": \(error.message)")
            return nil
        }
    }

    /// A date `YYYY-MM-DD` within `range`.
    mutating func date(
        _ value: String?, _ field: String, optional: Bool = false, in range: ClosedRange<CardDate> = ImportDates.any
    ) -> CardDate? {
        guard let value else {
            if !optional { issue(field, "missing") }
            return nil
        }
        do {
            let date = try CardDate(iso: value)
            guard range.contains(date) else {
                issue(field, "\(date) is outside \(range.lowerBound)…\(range.upperBound)")
                return nil
            }
            return date
        } catch {
            issue(field, "\"\(LogText.escaped(value, limit: 20))\": \(error.reason)")
            return nil
        }
    }

    mutating func choice<T>(_ value: String?, _ field: String, _ options: [String: T], optional: Bool = false) -> T? {
        guard let value else {
            if !optional { issue(field, "missing") }
            return nil
        }
        guard let choice = options[value] else {
            issue(
                field,
                "\"\(LogText.escaped(value, limit: 40))\" is not one of \(options.keys.sorted().joined(separator: ", "))"
            )
            return nil
        }
        return choice
    }
}

/// The dates an import accepts: every date a real platform holds, and nothing that could run a
/// window past the years a card can store.
enum ImportDates {
    static let earliest = CardDate.platformStart
    /// Validity periods of certificates and registrations reach back before the platform began.
    static let earliestValidity = (try? CardDate(year: 1980, month: 1, day: 1)) ?? CardDate.platformStart
    static let latest = (try? CardDate(year: 2100, month: 12, day: 31)) ?? CardDate.platformStart
    static var any: ClosedRange<CardDate> { earliestValidity...latest }
}
