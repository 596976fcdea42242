import HandbookCodec
import Testing

@Suite("reconciling a card's content with the current view")
struct ReconciliationTests {
    static func header() throws -> DocumentHeader {
        DocumentHeader(
            documentNumber: try DocumentNumber("3200000000000001"), cardSerial: try CardSerial(hex: "8656000000000001"),
            issuedAt: CardTimestamp(secondsSince1970: 1_795_000_000), expiresOn: try CardDate(yyyymmdd: "20271130"),
            issuingOffice: IssuingOffice(region: try RegionCode("320000"), name: "江苏省住房和城乡建设厅"), databaseRevision: 7,
            cardPublicKey: Array(repeating: 0x30, count: 91))
    }

    /// A view and the content a card issued from it carries (planned for a 32 KB slot: complete).
    static func pair(seed: UInt64 = 5, slot: Int = 15_360) throws -> (HandbookView, HandbookContent) {
        var rng = SeededGenerator(seed: seed)
        let view = try SyntheticData.view(
            qualifications: 3, practitioners: 5, projects: 6, goodRecords: 4, badRecords: 2, using: &rng)
        let content = try CapacityPlanner.plan(
            view: view, header: try header(), slotSize: slot,
            signatureLength: CapacityPlanner.signatureLength(certificateLength: 600))
        return (view, content)
    }

    @Test("a card issued from the view is current")
    func current() throws {
        let (view, content) = try Self.pair()
        #expect(Reconciliation(card: content, view: view).isCurrent)
    }

    @Test("a new bad record, a lost qualification and a withdrawn bad record, unfavourable first")
    func changes() throws {
        var (view, content) = try Self.pair()
        var rng = SeededGenerator(seed: 99)
        let extra = try SyntheticData.view(
            qualifications: 0, practitioners: 0, projects: 0, goodRecords: 0, badRecords: 1, using: &rng
        ).creditRecords[0]
        view.creditRecords.append(extra)
        let lost = view.qualifications.removeFirst()
        let withdrawn = try #require(view.creditRecords.first { $0.kind == .bad && $0 != extra })
        view.creditRecords.removeAll { $0 == withdrawn }
        view.enterprise.legalRepresentative = "新法人"
        let result = Reconciliation(card: content, view: view)
        #expect(!result.isCurrent)
        let summary = result.differences.map {
            "\($0.section.rawValue) \($0.key) \($0.change.rawValue) \($0.unfavourable)"
        }
        #expect(
            summary == [
                "creditRecords \(extra.recordNumber) added true",
                "qualifications \(lost.naturalKey) removed true",
                "enterprise \(view.enterprise.uscc) changed false",
                "creditRecords \(withdrawn.recordNumber) removed false",
            ])
        #expect(result.unfavourable.count == 2)
        let added = result.differences[0]
        #expect(added.fields.first { $0.name == "behaviourCode" }?.current == extra.behaviourCode?.code)
        #expect(added.fields.allSatisfy { $0.card == nil })
        #expect(
            result.differences[2].fields == [
                Reconciliation.Field(
                    name: "legalRepresentative", card: content.enterprise.legalRepresentative, current: "新法人")
            ])
    }

    @Test("a changed field is reported with both values; an extended bad record is unfavourable")
    func fieldChanges() throws {
        var (view, content) = try Self.pair()
        let index = try #require(view.creditRecords.firstIndex { $0.kind == .bad })
        let old = view.creditRecords[index].publishedUntil
        view.creditRecords[index].publishedUntil = try old.adding(months: 6)
        view.qualifications[0].issuingAuthority = "住房和城乡建设部"
        let result = Reconciliation(card: content, view: view)
        #expect(result.differences.count == 2)
        let extended = result.differences[0]
        #expect(extended.unfavourable)
        #expect(extended.change == .changed)
        #expect(
            try extended.fields == [
                Reconciliation.Field(
                    name: "publishedUntil", card: old.description, current: (try old.adding(months: 6)).description)
            ])
        #expect(!result.differences[1].unfavourable)
        #expect(result.differences[1].section == .qualifications)
    }

    @Test("on a summary card, favourable items it left out are not differences; unfavourable ones always are")
    func summaries() throws {
        var rng = SeededGenerator(seed: 8)
        var view = try SyntheticData.view(
            qualifications: 2, practitioners: 60, projects: 80, goodRecords: 40, badRecords: 2, using: &rng)
        let content = try CapacityPlanner.plan(
            view: view, header: try Self.header(), slotSize: 3_584,
            signatureLength: CapacityPlanner.signatureLength(certificateLength: 600))
        #expect(!content.omitted.isComplete)
        #expect(Reconciliation(card: content, view: view).isCurrent)
        // A further good record: could be among those left out. A further bad record: never left out.
        var more = SeededGenerator(seed: 9)
        let extra = try SyntheticData.view(
            qualifications: 0, practitioners: 0, projects: 0, goodRecords: 1, badRecords: 1, using: &more
        ).creditRecords
        view.creditRecords += extra
        let result = Reconciliation(card: content, view: view)
        #expect(extra.map(\.kind) == [.good, .bad])
        #expect(result.differences.map(\.key) == [extra[1].recordNumber.value])
        #expect(result.differences.first?.unfavourable == true)
    }
}
