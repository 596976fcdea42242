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
    public var order: Int { Self.allCases.firstIndex(of: self)! }
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

    mutating func required(_ value: String?, _ field: String) -> String? {
        guard let value else {
            issue(field, "missing")
            return nil
        }
        return value
    }

    /// Text for a card: non-empty, no control characters, at most `maximum` characters.
    mutating func text(_ value: String?, _ field: String, maximum: Int = 200, optional: Bool = false) -> String? {
        guard let value else {
            if !optional { issue(field, "missing") }
            return nil
        }
        if value.trimmingCharacters(in: .whitespaces).isEmpty {
            issue(field, "empty")
            return nil
        }
        if value.count > maximum {
            issue(field, "longer than \(maximum) characters")
            return nil
        }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            issue(field, "contains control characters")
            return nil
        }
        return value
    }

    mutating func identifier<T>(
        _ value: String?, _ field: String, optional: Bool = false, _ make: (String) throws(IdentifierError) -> T
    ) -> T? {
        guard let value else {
            if !optional { issue(field, "missing") }
            return nil
        }
        do {
            return try make(value)
        } catch {
            issue(field, "\"\(value)\": \(error)")
            return nil
        }
    }

    mutating func date(_ value: String?, _ field: String, optional: Bool = false) -> CardDate? {
        guard let value else {
            if !optional { issue(field, "missing") }
            return nil
        }
        guard value.utf8.count == 10, value.utf8.enumerated().allSatisfy({ ($0 == 4 || $0 == 7) == ($1 == 0x2D) })
        else {
            issue(field, "\"\(value)\" is not a date YYYY-MM-DD")
            return nil
        }
        do {
            return try CardDate(yyyymmdd: value.filter { $0 != "-" })
        } catch {
            issue(field, "\"\(value)\": \(error.reason)")
            return nil
        }
    }

    mutating func choice<T>(_ value: String?, _ field: String, _ options: [String: T], optional: Bool = false) -> T? {
        guard let value else {
            if !optional { issue(field, "missing") }
            return nil
        }
        guard let choice = options[value] else {
            issue(field, "\"\(value)\" is not one of \(options.keys.sorted().joined(separator: ", "))")
            return nil
        }
        return choice
    }
}
