import Foundation
import HandbookCodec
import HandbookCrypto

/// A document signed with a TEST office key over a synthetic view, for a fixed card.
public struct SampleDocument {
    public let view: HandbookView
    public let issue: DocumentIssue
    public let bytes: [UInt8]
    public let cardKey: PrivateKey

    public static let issueTime = date("2026-06-01T08:30:00Z")
    public static let checkTime = date("2026-12-01T00:00:00Z")

    public static func make(
        _ algorithm: SignatureAlgorithm, office: String = "office-310000", seed: UInt64 = 7, slotSize: Int = 15360,
        counts: (Int, Int, Int, Int, Int) = (2, 2, 2, 1, 1)
    ) throws -> SampleDocument {
        var rng = SeededGenerator(seed: seed)
        let view = try SyntheticData.view(
            qualifications: counts.0, practitioners: counts.1, projects: counts.2, goodRecords: counts.3,
            badRecords: counts.4, using: &rng)
        let folder = TestKeys.folderName(algorithm)
        let certificate = try TestKeys.certificate("\(folder)/\(office).pem")
        let region = try RegionCode(certificate.regionCode ?? "310000")
        let cardKey = try PrivateKey.generate(algorithm)
        let issue = DocumentIssue(
            documentNumber: try DocumentNumber(region: region, serial: 42),
            cardSerial: try CardSerial(hex: "8656000012345678"),
            cardPublicKey: cardKey.publicKey, issuedAt: issueTime,
            expiresOn: try CardDate(year: 2027, month: 5, day: 31),
            issuingOffice: IssuingOffice(region: region, name: "上海市建筑市场信用手册发证窗口"), databaseRevision: 1234,
            slotSize: slotSize)
        let bytes = try HandbookSigner.sign(
            view: view, issue: issue, officeKey: try TestKeys.privateKey("\(folder)/\(office).key.pem"),
            officeCertificate: certificate)
        return SampleDocument(view: view, issue: issue, bytes: bytes, cardKey: cardKey)
    }
}
