import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec

// The request and response bodies of the API (Docs/API.md). Requests carry identifiers as strings
// and are validated field by field, so an error names the field.

struct Health: Codable, Sendable {
    var status: String
    var revision: UInt64
}

struct LoginBody: Codable, Sendable {
    var name: String
    var password: String
}

struct AccountView: Codable, Sendable {
    var name: String
    var role: String
    var regions: [String]
    var disabled: Bool

    init(_ account: Account) {
        name = account.name
        role = account.role.rawValue
        regions = account.scope.regions.map(\.code)
        disabled = account.disabled
    }
}

struct LoginResult: Codable, Sendable {
    var token: String
    var expiresAt: String
    var account: AccountView
}

struct ReasonBody: Codable, Sendable {
    var reason: String
}

struct PublishBody: Codable, Sendable {
    var on: String?
}

struct ShorteningBody: Codable, Sendable {
    var until: String
    var reason: String
}

struct IssuanceBody: Codable, Sendable {
    var uscc: String
    var reader: String
}

struct NewAccountBody: Codable, Sendable {
    var name: String
    var role: String
    var regions: [String]
    var password: String
}

struct AccountChangeBody: Codable, Sendable {
    var role: String?
    var regions: [String]?
}

struct PasswordBody: Codable, Sendable {
    var password: String
}

/// A role by its name, 422 naming the field otherwise.
func role(_ name: String) throws -> Role {
    try choice("role", name, Role.allCases, \.rawValue)
}

/// Region codes given as a list, 422 naming the field when one is not a code or the list is empty or long.
func scope(_ codes: [String]) throws -> RegionScope {
    guard (1...64).contains(codes.count) else {
        throw ServiceError(.invalidInput, "INVALID_FIELD", "regions: 1–64 region codes expected")
    }
    return RegionScope(try codes.map { code in try field("regions") { try RegionCode(code) } })
}

struct RecordWithHistory: Codable, Sendable {
    var record: StoredRecord
    var history: [RecordHistoryEntry]
    var shortenings: [ShorteningRequest]
}

struct RecordBody: Codable, Sendable {
    var region: String
    var uscc: String
    var kind: String
    var behaviourCode: String?
    var projectNumber: String?
    var decisionNumber: String
    var authority: String
    var authorityLevel: String
    var decisionDate: String
    var publicationMonths: Int
    var summary: String

    func draft() throws -> RecordDraft {
        RecordDraft(
            region: try field("region") { try RegionCode(region) },
            uscc: try field("uscc") { try USCC(uscc, mode: .lenient) },
            kind: try choice("kind", kind, RecordKind.allCases, \.name),
            behaviourCode: try behaviourCode.map { code in try field("behaviourCode") { try BehaviourCode(code) } },
            projectNumber: try projectNumber.map { number in try field("projectNumber") { try ProjectNumber(number) } },
            decisionNumber: decisionNumber, authority: authority,
            authorityLevel: try choice("authorityLevel", authorityLevel, AuthorityLevel.allCases, \.name),
            decisionDate: try parseDate(decisionDate, "decisionDate"), publicationMonths: publicationMonths,
            summary: summary)
    }
}

struct AmendBody: Codable, Sendable {
    var reason: String
    var behaviourCode: String?
    var decisionNumber: String?
    var authority: String?
    var authorityLevel: String?
    var decisionDate: String?
    var summary: String?

    func amendment() throws -> RecordAmendment {
        RecordAmendment(
            behaviourCode: try behaviourCode.map { code in try field("behaviourCode") { try BehaviourCode(code) } },
            decisionNumber: decisionNumber, authority: authority,
            authorityLevel: try authorityLevel.map {
                try choice("authorityLevel", $0, AuthorityLevel.allCases, \.name)
            },
            decisionDate: try decisionDate.map { try parseDate($0, "decisionDate") }, summary: summary)
    }
}

extension CheckProof {
    /// The proof as the store keeps it, each field checked and named when it is wrong.
    func record() throws -> CheckRecord {
        CheckRecord(
            checkedAt: try field("checkedAt") { try CardTimestamp(iso: checkedAt) },
            cardSerial: try field("cardSerial") { try CardSerial(hex: cardSerial) },
            documentNumber: try documentNumber.map { number in
                try field("documentNumber") { try DocumentNumber(number) }
            },
            verdict: verdict, comparedRevision: comparedRevision, detail: detail)
    }
}
