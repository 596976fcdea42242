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

struct RecordWithHistory: Codable, Sendable {
    var record: StoredRecord
    var history: [RecordHistoryEntry]
}

let kinds: [String: RecordKind] = ["good": .good, "bad": .bad, "blacklist": .blacklist]
let levels = Dictionary(uniqueKeysWithValues: AuthorityLevel.allCases.map { ($0.importName, $0) })

func choice<T>(_ name: String, _ value: String, _ options: [String: T]) throws -> T {
    guard let found = options[value] else {
        throw ServiceError(
            .unprocessableContent, "INVALID_FIELD",
            "\(name): \"\(value.prefix(40))\" is not one of \(options.keys.sorted().joined(separator: ", "))")
    }
    return found
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
            kind: try choice("kind", kind, kinds),
            behaviourCode: try behaviourCode.map { code in try field("behaviourCode") { try BehaviourCode(code) } },
            projectNumber: try projectNumber.map { number in try field("projectNumber") { try ProjectNumber(number) } },
            decisionNumber: decisionNumber, authority: authority,
            authorityLevel: try choice("authorityLevel", authorityLevel, levels),
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
            authorityLevel: try authorityLevel.map { try choice("authorityLevel", $0, levels) },
            decisionDate: try decisionDate.map { try parseDate($0, "decisionDate") }, summary: summary)
    }
}

struct CheckBody: Codable, Sendable {
    var checkedAt: String
    var cardSerial: String
    var documentNumber: String?
    var verdict: String
    var comparedRevision: UInt64?
    var detail: String?

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

extension CardTimestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SSZ`.
    init(iso text: String) throws(CardDateError) {
        let digits = text.filter(\.isNumber)
        guard text.utf8.count == 20, text.hasSuffix("Z"), digits.count == 14 else {
            throw CardDateError(reason: "\"\(text.prefix(30))\" is not YYYY-MM-DDTHH:MM:SSZ")
        }
        try self.init(digits: digits)
    }
}
