import Foundation
import HandbookCodec
import HandbookCrypto
import ServiceTestSupport
import TestSupport
import Testing
import Verifier

@Suite("verdicts: the order of checks of Docs/ARCHITECTURE.md §8")
struct VerdictTests {
    static let serial = try! CardSerial(hex: "8656000012345678")

    func verify(_ bytes: [UInt8], at time: Date = SampleDocument.checkTime) throws -> DocumentVerification {
        HandbookVerifier.verify(bytes, trustStore: try TestKeys.trustStore(), at: time, cardSerial: Self.serial)
    }

    func reference(
        _ sample: SampleDocument, view: HandbookView? = nil, card: CardState = .issued,
        document: DocumentState = .current
    ) -> Reference {
        Reference(
            source: "test", revision: 2_000,
            card: PackageCard(
                serial: Self.serial, state: card, uscc: sample.view.enterprise.uscc,
                document: sample.issue.documentNumber),
            document: PackageDocument(
                number: sample.issue.documentNumber, card: Self.serial, uscc: sample.view.enterprise.uscc,
                state: document,
                viewRevision: 1_234),
            view: view ?? sample.view)
    }

    @Test("every verdict with its exit code", arguments: SignatureAlgorithm.allCases)
    func verdicts(algorithm: SignatureAlgorithm) throws {
        let sample = try SampleDocument.make(algorithm)
        let checked = try verify(sample.bytes)

        let current = CardVerdict.decide(checked, cardAuthenticated: true, reference: reference(sample))
        #expect(current.verdict == .current, "\(current.reasons)")
        #expect(current.verdict.exitCode == 0)
        #expect(current.comparedRevision == 2_000)

        // The database moved on: a new bad record.
        var moved = sample.view
        var rng = SeededGenerator(seed: 31)
        let bad = try SyntheticData.view(
            qualifications: 0, practitioners: 0, projects: 0, goodRecords: 0, badRecords: 1, using: &rng
        ).creditRecords[0]
        moved.creditRecords.append(bad)
        let outdated = CardVerdict.decide(checked, cardAuthenticated: true, reference: reference(sample, view: moved))
        #expect(outdated.verdict == .outdated)
        #expect(outdated.verdict.exitCode == 1)
        #expect(outdated.reconciliation?.unfavourable.map(\.key) == [bad.recordNumber.value])
        let superseded = CardVerdict.decide(
            checked, cardAuthenticated: true, reference: reference(sample, document: .superseded))
        #expect(superseded.verdict == .outdated)
        #expect(superseded.reasons.first?.contains("superseded") == true)

        let revoked = CardVerdict.decide(checked, cardAuthenticated: true, reference: reference(sample, card: .revoked))
        #expect(revoked.verdict == .revoked)
        #expect(revoked.verdict.exitCode == 3)
        let documentRevoked = CardVerdict.decide(
            checked, cardAuthenticated: true, reference: reference(sample, document: .revoked))
        #expect(documentRevoked.verdict == .revoked)

        // Offline without a package; an image file (no card authentication) is still judged.
        let unknown = CardVerdict.decide(checked, cardAuthenticated: nil, reference: nil)
        #expect(unknown.verdict == .freshnessUnknown)
        #expect(unknown.verdict.exitCode == 7)

        // A clone: the files copied, the key not.
        let clone = CardVerdict.decide(checked, cardAuthenticated: false, reference: reference(sample))
        #expect(clone.verdict == .invalid)
        #expect(clone.reasons.first?.contains("INTERNAL AUTHENTICATE") == true)

        // One byte of the content changed: invalid, whatever the reference says.
        var tampered = sample.bytes
        tampered[40] ^= 0x01
        let invalid = CardVerdict.decide(try verify(tampered), cardAuthenticated: true, reference: reference(sample))
        #expect(invalid.verdict == .invalid)
        #expect(invalid.verdict.exitCode == 5)

        // Another card's document: the binding fails.
        let elsewhere = HandbookVerifier.verify(
            sample.bytes, trustStore: try TestKeys.trustStore(), at: SampleDocument.checkTime,
            cardSerial: try CardSerial(hex: "8656000099999999"))
        #expect(
            CardVerdict.decide(elsewhere, cardAuthenticated: true, reference: reference(sample)).verdict == .invalid)

        // Past its expiry (2027-05-31), checked on 2027-06-01.
        let late = try verify(sample.bytes, at: ISO8601DateFormatter().date(from: "2027-06-01T08:00:00Z")!)
        let expired = CardVerdict.decide(late, cardAuthenticated: true, reference: reference(sample))
        #expect(expired.verdict == .expired, "\(expired.reasons)")
        #expect(expired.verdict.exitCode == 2)

        #expect(CardVerdict.unreadable("torn", incompleteIssuance: true).verdict.exitCode == 4)
        #expect(CardVerdict.unreadable("no card", incompleteIssuance: false).verdict.exitCode == 6)
        #expect(Set(Verdict.allCases.map(\.exitCode)).count == Verdict.allCases.count)
    }
}
