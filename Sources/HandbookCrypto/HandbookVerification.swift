import Foundation
import HandbookCodec

/// The result of verifying a document: every check by name, in order, with its outcome.
public struct DocumentVerification: Sendable {
    /// The checks, in the order they are made.
    public enum CheckName: String, Sendable, Hashable, CaseIterable, Codable {
        /// The bytes are a well-formed version-1 document, every field valid.
        case format
        /// The signature verifies over the content's exact bytes with the signer certificate's key.
        case signature
        /// The signer certificate chains to a pinned root.
        case chain
        /// Every certificate of the chain was valid when the document was issued.
        case validityPeriod
        /// No certificate of the chain is revoked now.
        case revocation
        /// The signer certificate belongs to the region of the issuing office and the document number.
        case issuer
        /// The document itself is within its validity (issued, not yet expired).
        case documentExpiry
        /// The document is bound to the card it was read from.
        case binding
    }

    /// How one check went.
    public enum Outcome: Sendable, Hashable {
        case passed
        case failed(String)
        case notChecked(String)

        public var passed: Bool { self == .passed }
    }

    /// One check and its outcome.
    public struct Check: Sendable, Hashable {
        public let name: CheckName
        public let outcome: Outcome
    }

    /// Every check, in order.
    public let checks: [Check]
    /// The decoded document, when the format check passed.
    public let document: HandbookDocument?
    /// The signer's certificate, when it could be read.
    public let signer: Certificate?

    /// The outcome of one check.
    public func outcome(of name: CheckName) -> Outcome {
        checks.first { $0.name == name }?.outcome ?? .notChecked("not run")
    }

    /// The first check that failed.
    public var firstFailure: Check? {
        checks.first { if case .failed = $0.outcome { return true } else { return false } }
    }

    /// Whether every check passed (a binding not checked, for a document read without its card, counts as not passed).
    public var isValid: Bool { checks.allSatisfy(\.outcome.passed) }
}

/// Verifies handbook documents.
public enum HandbookVerifier {
    /// How far a document's "issued at" may lie ahead of the verifier's clock: the clocks of an
    /// office and a reader never agree to the second.
    public static let clockSkew: TimeInterval = 300

    /// Verifies `bytes` against `trustStore` at `time`; when `cardSerial` is given, also that the
    /// document belongs on that card.
    ///
    /// The signature is checked over the content element exactly as read, never a re-encoding.
    public static func verify(_ bytes: [UInt8], trustStore: TrustStore, at time: Date, cardSerial: CardSerial?)
        -> DocumentVerification
    {
        var checks: [DocumentVerification.Check] = []
        func record(_ name: DocumentVerification.CheckName, _ outcome: DocumentVerification.Outcome) {
            checks.append(.init(name: name, outcome: outcome))
        }
        let document: HandbookDocument
        do throws(HandbookFormatError) {
            document = try HandbookDocument(decoding: bytes)
            // The card key's encoding was checked by the decoder; that its point lies on its curve
            // takes the curve arithmetic (a document naming no usable key is malformed, not a copy).
            do {
                _ = try PublicKey(spkiDER: document.content.header.cardPublicKey)
            } catch {
                throw HandbookFormatError(
                    .invalidField, offset: 0, field: "content.cardPublicKey",
                    detail: "the card authentication key is not a point of its curve")
            }
            record(.format, .passed)
        } catch {
            record(.format, .failed(error.description))
            for name in DocumentVerification.CheckName.allCases.dropFirst() {
                record(name, .notChecked("the format check failed"))
            }
            return DocumentVerification(checks: checks, document: nil, signer: nil)
        }
        let header = document.content.header

        // Signature.
        let signer: Certificate?
        do {
            signer = try trustStore.certificate(derEncoded: document.signature.certificate)
        } catch {
            signer = nil
            record(.signature, .failed("the signer certificate cannot be read: \(error)"))
        }
        if let signer {
            if let algorithm = SignatureAlgorithm(oid: document.signature.algorithm) {
                do {
                    let valid = try signer.publicKey.isValidSignature(
                        document.signature.value, for: document.signedBytes, algorithm: algorithm)
                    record(
                        .signature,
                        valid
                            ? .passed : .failed("the \(algorithm.rawValue) signature does not verify over the content"))
                } catch {
                    record(.signature, .failed(error.description))
                }
            } else {
                record(.signature, .failed("unknown signature algorithm \(document.signature.algorithm)"))
            }
        }

        // Chain, validity period, revocation.
        let issuedAt = header.issuedAt.foundationDate
        if let signer {
            let chain = trustStore.verify(
                signer: signer, purpose: .handbookDocumentSigning, validAt: issuedAt, revocationAt: time)
            switch chain.path {
            case .passed: record(.chain, .passed)
            case .failed(let failure): record(.chain, .failed(failure.description))
            }
            let signerEnd = signer.lastDocumentDay
            switch chain.validity {
            case .valid where header.expiresOn > signerEnd:
                // Against back-dating: a document signed with a key that has since expired is
                // already expired itself, whatever "issued at" it claims.
                record(
                    .validityPeriod,
                    .failed(
                        "the document is valid until \(header.expiresOn), past the end of its signer certificate (\(signerEnd))"
                    ))
            case .valid: record(.validityPeriod, .passed)
            case .expired(let subject, let end):
                record(.validityPeriod, .failed("\(subject) expired on \(end), before the document was issued"))
            case .notYetValid(let subject, let start):
                record(.validityPeriod, .failed("\(subject) was not valid until \(start)"))
            case .notChecked: record(.validityPeriod, .notChecked("no chain"))
            }
            switch chain.revocation {
            case .good: record(.revocation, .passed)
            case .revoked(let subject, let date): record(.revocation, .failed("\(subject) was revoked on \(date)"))
            case .unknown(let reason): record(.revocation, .failed("revocation cannot be checked: \(reason)"))
            case .notChecked: record(.revocation, .notChecked("no chain"))
            }
            // Issuer: a Zhejiang office cannot sign a Shanghai document.
            let region = header.issuingOffice.region
            if !signer.regionCodes.contains(region.code) {
                record(
                    .issuer,
                    .failed(
                        "the signer is an office of region \(signer.regionCode ?? "none"), the document names \(region)"
                    ))
            } else if header.documentNumber.region != region {
                record(.issuer, .failed("document number \(header.documentNumber) is not of region \(region)"))
            } else {
                record(.issuer, .passed)
            }
        } else {
            for name in [DocumentVerification.CheckName.chain, .validityPeriod, .revocation, .issuer] {
                record(name, .notChecked("no signer certificate"))
            }
        }

        // The document's own period: issued no later than now (five minutes of clock skew allowed),
        // and today — in China Standard Time — not past its last day.
        let now = CardTimestamp(time)
        let today = CardDate(time)
        if CardTimestamp(time.addingTimeInterval(HandbookVerifier.clockSkew)) < header.issuedAt {
            record(
                .documentExpiry, .failed("issued at \(header.issuedAt), which is after the time of checking \(now)"))
        } else if today > header.expiresOn {
            record(.documentExpiry, .failed("expired on \(header.expiresOn)"))
        } else {
            record(.documentExpiry, .passed)
        }

        // Binding to the card.
        if let cardSerial {
            record(
                .binding,
                cardSerial == header.cardSerial
                    ? .passed
                    : .failed("the document is bound to card \(header.cardSerial), read from card \(cardSerial)"))
        } else {
            record(.binding, .notChecked("no card serial to compare with"))
        }
        return DocumentVerification(checks: checks, document: document, signer: signer)
    }
}
