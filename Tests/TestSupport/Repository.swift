import Foundation
import HandbookCodec
import HandbookCrypto

/// The repository, as the tests find it: the TEST PKI of `Keys/`, the specifications, the built
/// tools. One definition for every test target.
public enum Repository {
    /// The repository root (this file is `Tests/TestSupport/Repository.swift`).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The absolute path of a file of the repository.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The text of a file of the repository.
    public static func text(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    /// A built executable of the package: beside the test bundle, or in the debug build folder.
    public static func executable(_ name: String) -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name)
        return FileManager.default.isExecutableFile(atPath: beside.path)
            ? beside : root.appendingPathComponent(".build/debug/\(name)")
    }

    /// The TEST card-management master key.
    public static func masterKey() throws -> SymmetricKey {
        try SymmetricKey(hex: try text("Keys/issuer-master-key.hex"))
    }

    /// Both TEST roots and their CRLs.
    public static func trustStore() throws -> TrustStore {
        TrustStore(
            roots: [
                try Certificate(pemEncoded: try text("Keys/p256/root-ca.pem")),
                try Certificate(pemEncoded: try text("Keys/sm2/root-ca.pem")),
            ],
            revocationLists: [
                try CertificateRevocationList(pemEncoded: try text("Keys/p256/crl.pem")),
                try CertificateRevocationList(pemEncoded: try text("Keys/sm2/crl.pem")),
            ])
    }
}

/// A signed document for a card, made with the TEST Shanghai office key.
public func signedDocument(
    for serial: CardSerial, cardKey: PublicKey, slotSize: Int, seed: UInt64,
    counts: (Int, Int, Int, Int, Int) = (3, 6, 8, 3, 2)
)
    throws -> [UInt8]
{
    var rng = SeededGenerator(seed: seed)
    let view = try SyntheticData.view(
        qualifications: counts.0, practitioners: counts.1, projects: counts.2, goodRecords: counts.3,
        badRecords: counts.4, using: &rng)
    let folder = cardKey.algorithm == .sm2SM3 ? "sm2" : "p256"
    let region = try RegionCode("310000")
    let issue = DocumentIssue(
        documentNumber: try DocumentNumber(region: region, serial: seed), cardSerial: serial, cardPublicKey: cardKey,
        issuedAt: Date(), expiresOn: CardDate(daysSince1970: Int(Date().timeIntervalSince1970 / 86_400) + 365),
        issuingOffice: IssuingOffice(region: region, name: "上海市发证窗口"), databaseRevision: seed, slotSize: slotSize)
    return try HandbookSigner.sign(
        view: view, issue: issue,
        officeKey: try PrivateKey(pemEncoded: try Repository.text("Keys/\(folder)/office-310000.key.pem")),
        officeCertificate: try Certificate(pemEncoded: try Repository.text("Keys/\(folder)/office-310000.pem")))
}
