import CodedErrors

/// A kind of card the handbook can be issued on (`Cards/card-profiles.tsv`).
public struct CardProfile: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `handbook-8k`, `handbook-32k`, `handbook-64k`.
    public let name: String
    /// The file system's capacity in bytes.
    public let capacity: Int
    /// The size of each of the two document slots: the largest document the card holds.
    public let slotSize: Int
    /// The most data bytes one command APDU carries.
    public let maxCommandData: Int
    /// The most data bytes one response APDU carries.
    public let maxResponseData: Int
    /// Whether commands use extended-length APDUs.
    public let extendedLength: Bool
    /// Whether the card speaks T=0 (short APDUs, 61xx and 6Cxx answers) rather than T=1.
    public let isT0: Bool

    /// Every supported profile, smallest slot first.
    public static let all: [CardProfile] = ResourceFile.rows(PackageResources.card_profiles_tsv, columns: 7).map {
        fields in
        guard let capacity = Int(fields[1]), let slot = Int(fields[2]), let command = Int(fields[3]),
            let response = Int(fields[4]),
            ["yes", "no"].contains(fields[5]), ["T=0", "T=1"].contains(fields[6])
        else { preconditionFailure("Cards/card-profiles.tsv: bad row \(fields)") }
        return CardProfile(
            name: fields[0], capacity: capacity, slotSize: slot, maxCommandData: command, maxResponseData: response,
            extendedLength: fields[5] == "yes", isT0: fields[6] == "T=0")
    }.sorted { $0.slotSize < $1.slotSize }

    /// The profile called `name`.
    public static func named(_ name: String) -> CardProfile? { all.first { $0.name == name } }

    public var description: String { name }
}

/// The mandatory part of a handbook (enterprise, every qualification, every unfavourable record)
/// does not fit the card.
public struct CapacityError: CodedError, Hashable {
    /// The bytes the smallest possible document needs, signature included.
    public let requiredBytes: Int
    /// The slot size that was offered.
    public let slotSize: Int
    /// The smallest supported card that holds it, if any does.
    public let smallestSufficientProfile: CardProfile?

    public var code: String { "CAPACITY_MANDATORY_PART_TOO_LARGE" }
    public var errorCode: String { code }
    public var kind: ErrorKind { .invalidInput }
    public var message: String {
        let advice =
            smallestSufficientProfile.map { "issue it on a \($0.name) card (slot \($0.slotSize) bytes)" }
            ?? "no supported card holds it (the largest slot is \(CardProfile.all.last?.slotSize ?? 0) bytes)"
        return
            "the qualifications and unfavourable records alone need \(requiredBytes) bytes, more than the slot's \(slotSize): \(advice)"
    }

    public var description: String {
        let advice =
            smallestSufficientProfile.map { "issue it on a \($0.name) card (slot \($0.slotSize) bytes)" }
            ?? "no supported card holds it (the largest slot is \(CardProfile.all.last?.slotSize ?? 0) bytes)"
        return
            "the qualifications and unfavourable records alone need \(requiredBytes) bytes, more than the slot's \(slotSize): \(advice) [\(code)]"
    }
}

/// Chooses what of an enterprise's view goes on a card of a given slot size (Docs/ARCHITECTURE.md §3).
///
/// Every qualification and every unfavourable record (bad, blacklist) is always kept; when they
/// alone do not fit, planning fails with a ``CapacityError`` naming the smallest card that would
/// hold them. Then practitioners, favourable records (newest first) and projects (newest and
/// largest first) are added in turn, one of each at a time, as long as they fit; how many of each
/// were left out is recorded in the document.
public enum CapacityPlanner {
    /// Plans the content of a document for a slot of `slotSize` bytes whose signature element takes
    /// at most `signatureLength` bytes.
    public static func plan(
        view: HandbookView, header: DocumentHeader, slotSize: Int, signatureLength: Int
    ) throws(CapacityError) -> HandbookContent {
        let budget = slotSize - signatureLength
        let unfavourable = view.creditRecords.filter { $0.kind.isUnfavourable }.sorted(by: newestRecordFirst)
        let favourable = view.creditRecords.filter { !$0.kind.isUnfavourable }.sorted(by: newestRecordFirst)
        let practitioners = view.practitioners.sorted { $0.registrationNumber < $1.registrationNumber }
        let projects = view.projects.sorted(by: mostRelevantProjectFirst)

        var content = HandbookContent(
            header: header, enterprise: view.enterprise, qualifications: view.qualifications, practitioners: [],
            performance: view.performance, projects: [], creditRecords: unfavourable,
            omitted: OmittedCounts(
                practitioners: UInt32(clamping: practitioners.count), projects: UInt32(clamping: projects.count),
                goodRecords: UInt32(clamping: favourable.count)))
        let mandatory = HandbookFormat.encode(content).count
        guard mandatory <= budget else {
            let required = mandatory + signatureLength
            throw CapacityError(
                requiredBytes: required, slotSize: slotSize,
                smallestSufficientProfile: CardProfile.all.first { $0.slotSize >= required })
        }

        // Items are measured one by one; the enclosing lengths can each grow by at most two bytes
        // as lists fill, which the slack covers. The exact size is checked at the end.
        let slack = 16
        var used = mandatory
        var chosenPractitioners: [Practitioner] = []
        var chosenRecords: [CreditRecord] = []
        var chosenProjects: [Project] = []
        var queues: [(kind: Int, sizes: [Int], next: Int)] = [
            (0, practitioners.map { size(of: $0) }, 0),
            (1, favourable.map { size(of: $0) }, 0),
            (2, projects.map { size(of: $0) }, 0),
        ]
        var progressing = true
        while progressing {
            progressing = false
            for index in queues.indices {
                let queue = queues[index]
                guard queue.next < queue.sizes.count, used + queue.sizes[queue.next] + slack <= budget else { continue }
                used += queue.sizes[queue.next]
                switch queue.kind {
                case 0: chosenPractitioners.append(practitioners[queue.next])
                case 1: chosenRecords.append(favourable[queue.next])
                default: chosenProjects.append(projects[queue.next])
                }
                queues[index].next += 1
                progressing = true
            }
        }
        // Once a section's next item does not fit it is closed, so what a card holds of each
        // section is always that section's most relevant items.
        func assemble() -> HandbookContent {
            var result = content
            result.practitioners = chosenPractitioners
            result.projects = chosenProjects
            result.creditRecords = (unfavourable + chosenRecords).sorted(by: newestRecordFirst)
            result.omitted = OmittedCounts(
                practitioners: UInt32(clamping: practitioners.count - chosenPractitioners.count),
                projects: UInt32(clamping: projects.count - chosenProjects.count),
                goodRecords: UInt32(clamping: favourable.count - chosenRecords.count))
            return result
        }
        content = assemble()
        // The estimate is conservative; should it ever not be, drop optional items until it fits.
        while HandbookFormat.encode(content).count > budget {
            if !chosenProjects.isEmpty {
                chosenProjects.removeLast()
            } else if !chosenRecords.isEmpty {
                chosenRecords.removeLast()
            } else {
                chosenPractitioners.removeLast()
            }
            content = assemble()
        }
        return content
    }

    /// The size of the signature element for a certificate of `certificateLength` bytes and the
    /// longest DER signature of either algorithm (72 bytes).
    public static func signatureLength(certificateLength: Int) -> Int {
        let oid = 2 + 10
        let certificate = 1 + TLVWriter.lengthFieldSize(certificateLength) + certificateLength
        let value = 2 + 72
        let inner = oid + certificate + value
        return 1 + TLVWriter.lengthFieldSize(inner) + inner
    }

    static func newestRecordFirst(_ a: CreditRecord, _ b: CreditRecord) -> Bool {
        a.decisionDate != b.decisionDate ? a.decisionDate > b.decisionDate : a.recordNumber < b.recordNumber
    }

    /// Ongoing projects first, then by completion date (newest first), then by contract amount.
    static func mostRelevantProjectFirst(_ a: Project, _ b: Project) -> Bool {
        switch (a.completionDate, b.completionDate) {
        case (nil, .some): return true
        case (.some, nil): return false
        case (.some(let x), .some(let y)) where x != y: return x > y
        default:
            return a.contractAmount != b.contractAmount
                ? a.contractAmount > b.contractAmount : a.projectNumber < b.projectNumber
        }
    }

    private static func size(of item: Practitioner) -> Int {
        var writer = TLVWriter()
        HandbookFormat.encode(item, into: &writer)
        return writer.bytes.count
    }

    private static func size(of item: CreditRecord) -> Int {
        var writer = TLVWriter()
        HandbookFormat.encode(item, into: &writer)
        return writer.bytes.count
    }

    private static func size(of item: Project) -> Int {
        var writer = TLVWriter()
        HandbookFormat.encode(item, into: &writer)
        return writer.bytes.count
    }
}
