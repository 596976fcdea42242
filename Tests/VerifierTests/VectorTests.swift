import Foundation
import HandbookCodec
import HandbookCrypto
import ServiceTestSupport
import TestSupport
import Testing
import Verifier

/// The conformance vectors of `Cards/vectors/` (Cards/FORMAT.md, appendix A), run as another
/// implementation would run them: every document against the TEST trust store at its time of
/// checking, bound to its card serial, and every EF.Status record through the record decoder.
@Suite("conformance vectors (Cards/vectors)")
struct VectorTests {
    static let folder = TestKeys.folder.deletingLastPathComponent().appendingPathComponent("Cards/vectors")

    static func lines(_ name: String) throws -> [[String: Any]] {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }

    @Test("every document vector gives its expected outcome: all checks passed, or its check failed, saying why")
    func documents() throws {
        let vectors = try Self.lines("documents.jsonl")
        #expect(vectors.count >= 30)
        let trust = try TestKeys.trustStore()
        let formatter = ISO8601DateFormatter()
        var rules = Set<String>()
        for vector in vectors {
            let name = try #require(vector["name"] as? String)
            let expect = try #require(vector["expect"] as? [String: Any])
            let checkedAt = try #require(vector["checkedAt"] as? String)
            let time = try #require(formatter.date(from: checkedAt))
            let serialText = try #require(vector["cardSerial"] as? String)
            let serial = try CardSerial(hex: serialText)
            let hex = try #require(vector["document"] as? String)
            let result = HandbookVerifier.verify(Self.bytes(hex), trustStore: trust, at: time, cardSerial: serial)
            rules.insert(String((vector["rule"] as? String ?? "").prefix(4)))
            if expect["outcome"] as? String == "passed" {
                #expect(result.firstFailure == nil, "\(name): \(String(describing: result.firstFailure))")
            } else {
                let failure = result.firstFailure
                #expect(failure?.name.rawValue == expect["check"] as? String, "\(name): \(result.checks)")
                var reason = ""
                if case .failed(let text)? = failure?.outcome { reason = text }
                #expect(reason.contains(expect["reason"] as? String ?? "?"), "\(name): \(reason)")
            }
        }
    }

    @Test("EF.Status records: the element, then 00 padding; a stray byte after it is refused")
    func statusRecords() throws {
        for vector in try Self.lines("status-records.jsonl") {
            let name = try #require(vector["name"] as? String)
            let hex = try #require(vector["record"] as? String)
            let record = Self.bytes(hex)
            if vector["accepted"] as? Bool == true {
                _ = try CommitRecord.decode(record: record)
            } else {
                let error = #expect(throws: HandbookFormatError.self, "\(name)") {
                    _ = try CommitRecord.decode(record: record)
                }
                #expect(error?.detail.contains(vector["reason"] as? String ?? "?") == true, "\(name)")
            }
        }
    }
}
