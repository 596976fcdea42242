import Foundation
import HandbookCodec
import HandbookCrypto

/// What the card is compared with: the service's answer or a verified data package.
public struct Reference: Sendable {
    /// Where it came from, for the report: `online https://…`, `package 320000 of 2026-11-29T…`.
    public var source: String
    /// The database revision it was read at.
    public var revision: UInt64
    /// What the database says of the card, if it knows the card.
    public var card: PackageCard?
    /// What it says of the document on the card, if it knows it.
    public var document: PackageDocument?
    /// The enterprise's current view, if the reference holds it.
    public var view: HandbookView?

    public init(
        source: String, revision: UInt64, card: PackageCard?, document: PackageDocument?, view: HandbookView?
    ) {
        self.source = source
        self.revision = revision
        self.card = card
        self.document = document
        self.view = view
    }

    /// The reference a verified package gives for a card and its document.
    public init(package: VerifiedDataPackage, card serial: CardSerial, document: HandbookContent) {
        let contents = package.contents
        self.init(
            source: "package \(contents.header.region.code) of \(contents.header.createdAt)",
            revision: contents.header.databaseRevision, card: contents.cards[serial],
            document: contents.documents[document.header.documentNumber],
            view: contents.views[document.enterprise.uscc])
    }
}

/// A verdict with the reasons for it and what was compared.
public struct CardVerdict: Sendable {
    public var verdict: Verdict
    /// Why, most important first.
    public var reasons: [String]
    /// The differences with the reference, when the card was compared.
    public var reconciliation: Reconciliation?
    /// The revision compared against.
    public var comparedRevision: UInt64?

    /// Decides the verdict from the document's checks, the card's answer to INTERNAL AUTHENTICATE
    /// (nil when not done: a card image), and the reference (nil offline without a package), in
    /// The order of Docs/ARCHITECTURE.md §8: format → signature → chain and revocation → card authentication →
    /// card and document status → freshness.
    public static func decide(
        _ verification: DocumentVerification, cardAuthenticated: Bool?, reference: Reference?
    ) -> CardVerdict {
        guard let document = verification.document else {
            return CardVerdict(verdict: .invalid, reasons: failures(verification))
        }
        let integrity: [DocumentVerification.CheckName] = [
            .signature, .chain, .validityPeriod, .revocation, .issuer, .binding,
        ]
        let broken = verification.checks.filter {
            guard integrity.contains($0.name), case .failed = $0.outcome else { return false }
            return true
        }
        if !broken.isEmpty {
            return CardVerdict(verdict: .invalid, reasons: broken.map(describe))
        }
        if cardAuthenticated == false {
            return CardVerdict(
                verdict: .invalid,
                reasons: ["the card does not hold the key its document names (INTERNAL AUTHENTICATE failed): a copy"])
        }
        if !verification.outcome(of: .documentExpiry).passed {
            return CardVerdict(
                verdict: .expired, reasons: verification.checks.filter { $0.name == .documentExpiry }.map(describe))
        }
        guard let reference else {
            return CardVerdict(
                verdict: .freshnessUnknown,
                reasons: ["nothing to compare the card with: no service reachable and no usable data package"])
        }
        let content = document.content
        if reference.card?.state == .revoked {
            return CardVerdict(
                verdict: .revoked, reasons: ["card \(content.header.cardSerial) is revoked (\(reference.source))"],
                comparedRevision: reference.revision)
        }
        if reference.document?.state == .revoked {
            return CardVerdict(
                verdict: .revoked,
                reasons: ["document \(content.header.documentNumber) is revoked (\(reference.source))"],
                comparedRevision: reference.revision)
        }
        guard let view = reference.view else {
            return CardVerdict(
                verdict: .freshnessUnknown,
                reasons: ["\(reference.source) holds no view of \(content.enterprise.uscc)"],
                comparedRevision: reference.revision)
        }
        let reconciliation = Reconciliation(card: content, view: view)
        var reasons: [String] = []
        if reference.document?.state == .superseded {
            reasons.append("document \(content.header.documentNumber) was superseded by a later one")
        }
        if let current = reference.card?.document, current != content.header.documentNumber {
            reasons.append("the database says card \(content.header.cardSerial) carries document \(current)")
        }
        if !reconciliation.isCurrent {
            let unfavourable = reconciliation.unfavourable.count
            reasons.append(
                "\(reconciliation.differences.count) difference(s) with revision \(reference.revision), \(unfavourable) unfavourable"
            )
        }
        return CardVerdict(
            verdict: reasons.isEmpty ? .current : .outdated, reasons: reasons, reconciliation: reconciliation,
            comparedRevision: reference.revision)
    }

    /// The verdict for a card that could not be read as a document.
    public static func unreadable(_ reason: String, incompleteIssuance: Bool) -> CardVerdict {
        CardVerdict(verdict: incompleteIssuance ? .incompleteIssuance : .unreadable, reasons: [reason])
    }

    private static func failures(_ verification: DocumentVerification) -> [String] {
        verification.checks.filter { !$0.outcome.passed }.map(describe)
    }

    private static func describe(_ check: DocumentVerification.Check) -> String {
        switch check.outcome {
        case .passed: return "\(check.name.rawValue): passed"
        case .failed(let reason): return "\(check.name.rawValue): \(reason)"
        case .notChecked(let reason): return "\(check.name.rawValue): not checked (\(reason))"
        }
    }
}
