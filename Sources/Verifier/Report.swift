import Foundation
import HandbookCodec
import HandbookCrypto

/// The result of one check, as `verify --json` prints it and `watch --json` prints it per card:
/// schema `handbook-verify/2`, documented in `Docs/handbook-verify.schema.json`.
public struct VerifyReport: Codable, Sendable {
    public struct Check: Codable, Sendable {
        public var name: String
        /// `passed`, `failed` or `not-checked`.
        public var outcome: String
        public var reason: String?
    }

    public var schema = "handbook-verify/2"
    public var checkedAt = ""
    public var verdict: String
    public var exitCode: Int32
    public var reasons: [String]
    public var reader: String?
    public var cardSerial: String?
    public var documentNumber: String?
    public var enterprise: String?
    public var enterpriseName: String?
    /// `passed`, `failed` or `not-done` (an image, or a document that could not be read).
    public var cardAuthentication: String
    public var checks: [Check]
    public var comparedWith: String?
    public var comparedRevision: UInt64?
    public var differences: [Reconciliation.Difference]
    /// Whether the service acknowledged the proof of check (false offline).
    public var sentToService = false
    /// How the service's answer travelled, when the card was compared online: `tls` or `plain`.
    public var onlineTransport: String?
    public var timings = CheckTimings()

    init(
        _ verdict: CardVerdict, reader: String? = nil, serial: CardSerial? = nil, document: HandbookContent? = nil,
        authenticated: Bool? = nil, checks: [DocumentVerification.Check] = [], source: String? = nil
    ) {
        self.verdict = verdict.verdict.rawValue
        exitCode = verdict.verdict.exitCode
        reasons = verdict.reasons
        self.reader = reader
        cardSerial = serial?.description
        documentNumber = document?.header.documentNumber.value
        enterprise = document?.enterprise.uscc.value
        enterpriseName = document?.enterprise.name
        cardAuthentication = authenticated.map { $0 ? "passed" : "failed" } ?? "not-done"
        self.checks = checks.map { check in
            switch check.outcome {
            case .passed: return Check(name: check.name.rawValue, outcome: "passed", reason: nil)
            case .failed(let reason): return Check(name: check.name.rawValue, outcome: "failed", reason: reason)
            case .notChecked(let reason):
                return Check(name: check.name.rawValue, outcome: "not-checked", reason: reason)
            }
        }
        comparedWith = source
        comparedRevision = verdict.comparedRevision
        differences = verdict.reconciliation?.differences ?? []
    }

    public var verdictValue: Verdict { Verdict(rawValue: verdict) ?? .unreadable }

    var logEntry: CheckLog.Entry {
        CheckLog.Entry(
            checkedAt: checkedAt, reader: reader, cardSerial: cardSerial, documentNumber: documentNumber,
            enterprise: enterprise, verdict: verdict, comparedWith: comparedWith, comparedRevision: comparedRevision,
            sentToService: sentToService)
    }

    /// The JSON form (pretty for `verify`, one line for `watch`).
    public func json(pretty: Bool) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The verdict line: 中文 / ENGLISH — enterprise, document, card.
    public var headline: String {
        "\(verdictValue.chineseName) / \(verdict.uppercased())"
            + (enterpriseName.map { " — \($0) (\(enterprise ?? ""))" } ?? "")
            + (documentNumber.map { ", 文档 document \($0)" } ?? "") + (cardSerial.map { ", 卡 card \($0)" } ?? "")
    }

    /// The whole human form: the verdict line, the reasons, the differences.
    public var humanText: String {
        var lines = [headline]
        lines += reasons.map { "  · \($0)" }
        for difference in differences { lines.append("  \(difference)") }
        return lines.joined(separator: "\n")
    }

    /// One line for `watch`: time, reader, verdict, and the first reason.
    public var oneLine: String {
        let time = checkedAt.split(separator: "T").last.map(String.init) ?? checkedAt
        return "\(time) [\(reader ?? "-")] \(headline)" + (reasons.first.map { " · \($0)" } ?? "")
    }
}
