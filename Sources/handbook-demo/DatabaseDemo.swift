import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto

/// The credit database's part of the demo: the signed data package checked as an offline verifier
/// would, an enterprise's current view taken from the database and issued to a card through pcscd,
/// and the card's content compared with the package's view.
func runDatabaseDemo(database: String, package packagePath: String) async throws {
    func load(_ path: String) throws -> String { try String(contentsOfFile: "Keys/" + path, encoding: .utf8) }
    let trust = TrustStore(
        roots: [try Certificate(pemEncoded: try load("p256/root-ca.pem"))],
        revocationLists: [try CertificateRevocationList(pemEncoded: try load("p256/crl.pem"))])

    section("The signed data package (Cards/DATA-PACKAGE.md)")
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: packagePath)))
    let package = try DataPackageVerifier.verify(bytes, trustStore: trust, maximumAge: 7 * 86_400)
    let header = package.contents.header
    print(
        "  \(packagePath): \(bytes.count) bytes, region \(header.region.code) \(header.region.name), revision \(header.databaseRevision), "
            + "\(package.contents.views.count) views, \(package.contents.cards.count) cards — signature and signer ✓ (\(package.signer.commonName ?? ""))"
    )
    var tampered = bytes
    tampered[bytes.count / 2] ^= 0x01
    do {
        _ = try DataPackageVerifier.verify(tampered, trustStore: trust, maximumAge: 7 * 86_400)
        print("  a package with one bit changed was accepted — this must not happen")
        exit(1)
    } catch {
        print("  the same package with one bit changed → \(error)")
    }

    section("The credit database (\(database))")
    let store = try SQLCreditStore.open(database)
    let admin = try require(try await store.account(named: "admin"), "the database's admin account")
    let uscc = try require(package.contents.views.keys.sorted().first, "an enterprise in the package")
    let current = try require(try await store.currentView(of: uscc, on: CardDate(Date()), by: admin))
    let view = current.view
    let unfavourable = view.creditRecords.filter { $0.kind.isUnfavourable }.count
    print(
        "  \(view.enterprise.name) (\(view.enterprise.uscc)), registered in \(view.enterprise.registeredRegion.name): "
            + "\(view.qualifications.count) qualifications, \(view.practitioners.count) practitioners, \(view.projects.count) projects, "
            + "\(view.creditRecords.count) published records (\(unfavourable) unfavourable) at revision \(current.revision)"
    )
    let audit = try await store.verifyAuditChain(by: admin)
    print(
        "  audit log: \(audit.entries) entries, chain \(audit.isIntact ? "intact ✓" : "BROKEN ✗"), head \(audit.head.prefix(16))…"
    )

    section("Its handbook issued to a card through pcscd (vpcd virtual reader)")
    guard
        let content = try runCardDemo(
            profile: try require(CardProfile.named("handbook-32k"), "the 32 KB profile"), algorithm: .ecdsaP256SHA256,
            keepImagesIn: nil, view: view,
            revision: current.revision)
    else {
        print("  the card's document did not decode")
        exit(1)
    }
    let packaged = try require(package.contents.views[uscc])
    let same =
        Set(content.creditRecords) == Set(packaged.creditRecords)
        && Set(content.qualifications) == Set(packaged.qualifications)
    print(
        "  card ↔ package: \(content.creditRecords.count) records, \(content.qualifications.count) qualifications — \(same ? "the same ✓" : "different ✗")"
    )
    if !same { exit(1) }
}

struct Missing: Error, CustomStringConvertible {
    let description: String
}

func require<T>(_ value: T?, _ what: String = "a value") throws -> T {
    guard let value else { throw Missing(description: "expected \(what)") }
    return value
}
