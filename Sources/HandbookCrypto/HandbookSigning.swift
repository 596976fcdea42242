import CodedErrors
import Foundation
import HandbookCodec

/// What identifies a new document besides the view it carries.
public struct DocumentIssue: Sendable {
    public var documentNumber: DocumentNumber
    public var cardSerial: CardSerial
    /// The card's authentication public key, as the card generated it.
    public var cardPublicKey: PublicKey
    public var issuedAt: Date
    public var expiresOn: CardDate
    public var issuingOffice: IssuingOffice
    public var databaseRevision: UInt64
    /// The slot size of the card the document is for.
    public var slotSize: Int

    public init(
        documentNumber: DocumentNumber, cardSerial: CardSerial, cardPublicKey: PublicKey, issuedAt: Date,
        expiresOn: CardDate,
        issuingOffice: IssuingOffice, databaseRevision: UInt64, slotSize: Int
    ) {
        self.documentNumber = documentNumber
        self.cardSerial = cardSerial
        self.cardPublicKey = cardPublicKey
        self.issuedAt = issuedAt
        self.expiresOn = expiresOn
        self.issuingOffice = issuingOffice
        self.databaseRevision = databaseRevision
        self.slotSize = slotSize
    }
}

/// Why a document could not be signed.
public enum SigningError: CodedError {
    /// The mandatory part does not fit the card.
    case capacity(CapacityError)
    /// The office key, its certificate or the document's office do not belong together.
    case mismatchedSigner(String)
    /// OpenSSL failed.
    case crypto(CryptoError)

    public var errorCode: String { code }
    public var kind: ErrorKind {
        switch self {
        case .capacity: return .invalidInput
        case .mismatchedSigner: return .internal  // a configuration fault of the service, not the request's
        case .crypto(let error): return error.kind
        }
    }
    public var message: String {
        switch self {
        case .capacity(let error): return error.message
        case .mismatchedSigner(let reason): return reason
        case .crypto(let error): return error.message
        }
    }

    public var code: String {
        switch self {
        case .capacity(let error): return error.code
        case .mismatchedSigner: return "SIGNING_MISMATCHED_SIGNER"
        case .crypto(let error): return error.code.rawValue
        }
    }

    public var description: String {
        switch self {
        case .capacity(let error): return error.description
        case .mismatchedSigner(let reason): return "\(reason) [\(code)]"
        case .crypto(let error): return error.description
        }
    }
}

/// Signs handbook documents.
public enum HandbookSigner {
    /// Plans, encodes and signs the document that carries `view` onto the card of `issue`.
    ///
    /// Returns the document bytes: the content element, then the signature element over its exact bytes.
    public static func sign(
        view: HandbookView, issue: DocumentIssue, officeKey: PrivateKey, officeCertificate: Certificate
    ) throws(SigningError) -> [UInt8] {
        guard officeKey.publicKey == officeCertificate.publicKey else {
            throw .mismatchedSigner(
                "the office key is not the key of the office certificate \(officeCertificate.subject)")
        }
        guard officeCertificate.allows(.handbookDocumentSigning) else {
            throw .mismatchedSigner(
                "\(officeCertificate.subject) is not a certificate for handbook document signing (extended key usage \(CertificatePurpose.handbookDocumentSigning.oid))"
            )
        }
        guard officeCertificate.regionCodes.contains(issue.issuingOffice.region.code) else {
            throw .mismatchedSigner(
                "the certificate is for region \(officeCertificate.regionCode ?? "none"), the document names office region \(issue.issuingOffice.region)"
            )
        }
        // A document may not outlive the key that signs it (Cards/FORMAT.md §2.4, validity period).
        let certificateEnd = officeCertificate.lastDocumentDay
        guard issue.expiresOn <= certificateEnd else {
            throw .mismatchedSigner(
                "the document would be valid until \(issue.expiresOn), past the end of its signer certificate (\(certificateEnd))"
            )
        }
        guard issue.documentNumber.region == issue.issuingOffice.region else {
            throw .mismatchedSigner(
                "document number \(issue.documentNumber) is not of the issuing office's region \(issue.issuingOffice.region)"
            )
        }
        let header = DocumentHeader(
            documentNumber: issue.documentNumber, cardSerial: issue.cardSerial,
            issuedAt: CardTimestamp(issue.issuedAt),
            expiresOn: issue.expiresOn, issuingOffice: issue.issuingOffice, databaseRevision: issue.databaseRevision,
            cardPublicKey: issue.cardPublicKey.spkiDER)
        let content: HandbookContent
        do {
            content = try CapacityPlanner.plan(
                view: view, header: header, slotSize: issue.slotSize,
                signatureLength: CapacityPlanner.signatureLength(certificateLength: officeCertificate.derEncoded.count))
        } catch {
            throw .capacity(error)
        }
        let contentBytes = HandbookFormat.encode(content)
        do {
            let signature = HandbookSignature(
                algorithm: officeKey.algorithm.oid, certificate: officeCertificate.derEncoded,
                value: try officeKey.sign(contentBytes))
            return HandbookDocument.assemble(content: contentBytes, signature: signature)
        } catch {
            throw .crypto(error)
        }
    }
}
