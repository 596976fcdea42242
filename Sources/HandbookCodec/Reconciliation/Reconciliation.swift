/// What changed between the handbook a card carries and the enterprise's current view (Docs/ARCHITECTURE.md
/// §8): a field-level difference keyed by natural keys — certificate number + category,
/// registration number, project number, record number — with the changes that tell against the
/// enterprise flagged and listed first.
///
/// A card is a summary when the capacity planner left items out (its omitted counts): an item of a
/// summarised section that is in the view but not on the card is then not a difference, because it
/// may be one of those left out. Unfavourable records and qualifications are never left out, so
/// their absence always counts.
public struct Reconciliation: Sendable, Hashable, Codable {
    /// The sections of the handbook, in the order differences are reported within a flag.
    public enum Section: String, Sendable, Hashable, Codable, CaseIterable {
        case enterprise, creditRecords, qualifications, practitioners, projects, performance
    }

    public enum Change: String, Sendable, Hashable, Codable {
        /// In the current view, not on the card.
        case added
        /// On the card, no longer in the current view.
        case removed
        /// On both, with different fields.
        case changed
    }

    /// One field's two values, as text.
    public struct Field: Sendable, Hashable, Codable {
        public var name: String
        public var card: String?
        public var current: String?

        public init(name: String, card: String?, current: String?) {
            self.name = name
            self.card = card
            self.current = current
        }
    }

    /// One item that differs.
    public struct Difference: Sendable, Hashable, Codable, CustomStringConvertible {
        public var section: Section
        /// The natural key: `D232000001/建筑工程施工总承包`, `3205000000000001`, …
        public var key: String
        public var change: Change
        /// Whether the change tells against the enterprise (a new bad record, a lost qualification…).
        public var unfavourable: Bool
        public var fields: [Field]

        public var description: String {
            let detail = fields.map { "\($0.name): \($0.card ?? "—") → \($0.current ?? "—")" }.joined(separator: "; ")
            return "\(unfavourable ? "! " : "")\(section.rawValue) \(key) \(change.rawValue)"
                + (detail.isEmpty ? "" : " (\(detail))")
        }
    }

    /// Unfavourable differences first, then by section and key.
    public let differences: [Difference]

    /// Whether the card says what the database says now.
    public var isCurrent: Bool { differences.isEmpty }

    /// The differences that tell against the enterprise.
    public var unfavourable: [Difference] { differences.filter(\.unfavourable) }

    /// Compares the content of a card with the current view.
    public init(card: HandbookContent, view: HandbookView) {
        var found: [Difference] = []
        found += Self.enterprise(card.enterprise, view.enterprise)
        found += Self.records(card.creditRecords, view.creditRecords, omittedGood: card.omitted.goodRecords > 0)
        found += Self.compare(
            .qualifications, card.qualifications, view.qualifications, key: \.naturalKey,
            removedIsUnfavourable: { _ in true }, addedIsUnfavourable: { _ in false },
            fields: Self.qualificationFields,
            changeIsUnfavourable: { card, current in
                current.validUntil < card.validUntil || current.grade != card.grade
            })
        found += Self.compare(
            .practitioners, card.practitioners, view.practitioners, key: \.registrationNumber,
            skipAdded: { _ in card.omitted.practitioners > 0 }, removedIsUnfavourable: { _ in true },
            addedIsUnfavourable: { _ in false }, fields: Self.practitionerFields,
            changeIsUnfavourable: { _, _ in false })
        found += Self.compare(
            .projects, card.projects, view.projects, key: \.projectNumber.value,
            skipAdded: { _ in card.omitted.projects > 0 },
            removedIsUnfavourable: { _ in false }, addedIsUnfavourable: { _ in false }, fields: Self.projectFields,
            changeIsUnfavourable: { _, _ in false })
        let performance = view.performance
        var totals: [Field] = []
        if card.performance.projectCount != performance.projectCount {
            totals.append(
                Field(
                    name: "projectCount", card: String(card.performance.projectCount),
                    current: String(performance.projectCount)))
        }
        if card.performance.totalContractAmount != performance.totalContractAmount {
            totals.append(
                Field(
                    name: "totalContractAmount", card: String(card.performance.totalContractAmount),
                    current: String(performance.totalContractAmount)))
        }
        if !totals.isEmpty {
            found.append(
                Difference(section: .performance, key: "totals", change: .changed, unfavourable: false, fields: totals))
        }
        func rank(_ section: Section) -> Int { Section.allCases.firstIndex(of: section) ?? 0 }
        differences = found.sorted {
            ($0.unfavourable ? 0 : 1, rank($0.section), $0.key) < ($1.unfavourable ? 0 : 1, rank($1.section), $1.key)
        }
    }

    private static func enterprise(_ card: Enterprise, _ current: Enterprise) -> [Difference] {
        var fields: [Field] = []
        func check(_ name: String, _ a: String?, _ b: String?) {
            if a != b { fields.append(Field(name: name, card: a, current: b)) }
        }
        check("uscc", card.uscc.value, current.uscc.value)
        check("name", card.name, current.name)
        check("legalRepresentative", card.legalRepresentative, current.legalRepresentative)
        check("registeredRegion", card.registeredRegion.code, current.registeredRegion.code)
        check("organizationCode", card.organizationCode?.description, current.organizationCode?.description)
        check("registrationNumber", card.registrationNumber?.value, current.registrationNumber?.value)
        guard !fields.isEmpty else { return [] }
        // Another enterprise altogether is the gravest difference there is.
        return [
            Difference(
                section: .enterprise, key: current.uscc.value, change: .changed,
                unfavourable: card.uscc != current.uscc, fields: fields)
        ]
    }

    private static func records(_ card: [CreditRecord], _ current: [CreditRecord], omittedGood: Bool) -> [Difference] {
        compare(
            .creditRecords, card, current, key: \.recordNumber.value,
            // A good record may be among those the card left out.
            skipAdded: { omittedGood && !$0.kind.isUnfavourable },
            removedIsUnfavourable: { !$0.kind.isUnfavourable }, addedIsUnfavourable: { $0.kind.isUnfavourable },
            fields: recordFields,
            changeIsUnfavourable: { card, current in
                current.kind.rawValue > card.kind.rawValue
                    || (current.kind.isUnfavourable && current.publishedUntil > card.publishedUntil)
            })
    }

    private static func compare<Item>(
        _ section: Section, _ card: [Item], _ current: [Item], key: (Item) -> String,
        /// Items of the view the card may have left out (a summarised section) are not "added".
        skipAdded: (Item) -> Bool = { _ in false }, removedIsUnfavourable: (Item) -> Bool,
        addedIsUnfavourable: (Item) -> Bool, fields: (Item) -> [(String, String?)],
        changeIsUnfavourable: (Item, Item) -> Bool
    ) -> [Difference] {
        let onCard = Dictionary(card.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let now = Dictionary(current.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        var differences: [Difference] = []
        for (itemKey, item) in onCard {
            guard let currentItem = now[itemKey] else {
                differences.append(
                    Difference(
                        section: section, key: itemKey, change: .removed, unfavourable: removedIsUnfavourable(item),
                        fields: fields(item).map { Field(name: $0.0, card: $0.1, current: nil) }))
                continue
            }
            let a = fields(item)
            let b = fields(currentItem)
            let changed = zip(a, b).filter { $0.0.1 != $0.1.1 }.map {
                Field(name: $0.0.0, card: $0.0.1, current: $0.1.1)
            }
            if !changed.isEmpty {
                differences.append(
                    Difference(
                        section: section, key: itemKey, change: .changed,
                        unfavourable: changeIsUnfavourable(item, currentItem), fields: changed))
            }
        }
        for (itemKey, item) in now where onCard[itemKey] == nil && !skipAdded(item) {
            differences.append(
                Difference(
                    section: section, key: itemKey, change: .added, unfavourable: addedIsUnfavourable(item),
                    fields: fields(item).map { Field(name: $0.0, card: nil, current: $0.1) }))
        }
        return differences
    }

    private static func qualificationFields(_ item: Qualification) -> [(String, String?)] {
        [
            ("category", item.category), ("grade", item.grade), ("certificateNumber", item.certificateNumber),
            ("validFrom", item.validFrom.description), ("validUntil", item.validUntil.description),
            ("issuingAuthority", item.issuingAuthority),
        ]
    }

    private static func practitionerFields(_ item: Practitioner) -> [(String, String?)] {
        [
            ("name", item.name), ("registrationType", item.registrationType),
            ("registrationNumber", item.registrationNumber), ("identityType", item.identityType.rawValue),
            ("maskedIdentityNumber", item.maskedIdentityNumber),
        ]
    }

    private static func projectFields(_ item: Project) -> [(String, String?)] {
        [
            ("name", item.name), ("role", item.role.chineseName), ("contractAmount", String(item.contractAmount)),
            ("completionDate", item.completionDate?.description), ("awards", item.awards.joined(separator: "、")),
        ]
    }

    private static func recordFields(_ item: CreditRecord) -> [(String, String?)] {
        [
            ("kind", item.kind.chineseName), ("behaviourCode", item.behaviourCode?.code),
            ("decisionNumber", item.decisionNumber), ("authority", item.authority),
            ("authorityLevel", item.authorityLevel.chineseName), ("decisionDate", item.decisionDate.description),
            ("publishedFrom", item.publishedFrom.description), ("publishedUntil", item.publishedUntil.description),
            ("summary", item.summary),
        ]
    }
}
