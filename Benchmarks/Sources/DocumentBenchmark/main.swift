import BenchmarkSupport
import Foundation
import HandbookCodec
import HandbookCrypto

// Documents verified per second (decode + chain + signature + revocation), side by side in the same
// run with the raw OpenSSL verification of the same two signatures a document rests on: the
// document's own signature and the issuing root's signature on the office certificate.
// Run from the repository root (make bench), which holds Keys/.

_ = BenchmarkOptions(
    usage:
        "usage: DocumentBenchmark\n  Documents verified per second beside raw OpenSSL verification (run from the repository root)."
)

func load(_ path: String) -> String { try! String(contentsOfFile: "Keys/" + path, encoding: .utf8) }

let checkTime = ISO8601DateFormatter().date(from: "2026-12-01T00:00:00Z")!
let store = TrustStore(
    roots: [
        try Certificate(pemEncoded: load("p256/root-ca.pem")), try Certificate(pemEncoded: load("sm2/root-ca.pem")),
    ],
    revocationLists: [
        try CertificateRevocationList(pemEncoded: load("p256/crl.pem")),
        try CertificateRevocationList(pemEncoded: load("sm2/crl.pem")),
    ])

print("Document verification (release build, median of 9 interleaved trials)")
print(
    pad("algorithm", 20) + pad("document size", 15) + pad("documents/s", 14) + pad("raw 2 signatures/s", 20)
        + "ratio (raw / ours)")
for (algorithm, folder) in [(SignatureAlgorithm.ecdsaP256SHA256, "p256"), (.sm2SM3, "sm2")] {
    var rng = SeededGenerator(seed: 11)
    let view = try SyntheticData.view(
        qualifications: 4, practitioners: 10, projects: 12, goodRecords: 3, badRecords: 2, using: &rng)
    let certificate = try Certificate(pemEncoded: load("\(folder)/office-310000.pem"))
    let root = try Certificate(pemEncoded: load("\(folder)/root-ca.pem"))
    let region = try RegionCode("310000")
    let serial = try CardSerial(hex: "8656000012345678")
    let issue = DocumentIssue(
        documentNumber: try DocumentNumber(region: region, serial: 1), cardSerial: serial,
        cardPublicKey: try PrivateKey.generate(algorithm).publicKey,
        issuedAt: ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z")!,
        expiresOn: try CardDate(year: 2027, month: 6, day: 1),
        issuingOffice: IssuingOffice(region: region, name: "上海市发证窗口"),
        databaseRevision: 1, slotSize: 15360)
    let bytes = try HandbookSigner.sign(
        view: view, issue: issue, officeKey: try PrivateKey(pemEncoded: load("\(folder)/office-310000.key.pem")),
        officeCertificate: certificate)
    let check = HandbookVerifier.verify(bytes, trustStore: store, at: checkTime, cardSerial: serial)
    precondition(check.isValid, "the benchmark document does not verify: \(check.checks)")

    // The same two signatures, verified raw: the document's, and the root's on the certificate.
    let document = try HandbookDocument(decoding: bytes)
    let certificateParts = try TLVTree(decoding: certificate.derEncoded).root.children.map { $0 }
    let tbs = Array(certificateParts[0].encoded)
    let certificateSignature = Array(certificateParts[2].value.dropFirst())  // BIT STRING: skip the unused-bits byte
    let certificateVerifies = try root.publicKey.isValidSignature(certificateSignature, for: tbs, algorithm: algorithm)
    precondition(certificateVerifies, "could not isolate the certificate signature")
    let content = Array(document.signedBytes)

    let (ours, raw) = measurePair(
        (
            "verify",
            { blackHole(HandbookVerifier.verify(bytes, trustStore: store, at: checkTime, cardSerial: serial).isValid) }
        ),
        (
            "raw",
            {
                let a = try! certificate.publicKey.isValidSignature(
                    document.signature.value, for: content, algorithm: algorithm)
                let b = try! root.publicKey.isValidSignature(certificateSignature, for: tbs, algorithm: algorithm)
                blackHole(a && b)
            }
        ), bytes: bytes.count)
    print(
        pad(algorithm.rawValue, 20) + pad("\(bytes.count) B", 15) + pad(format(ours.perSecond, decimals: 0), 14)
            + pad(format(raw.perSecond, decimals: 0), 20) + format(ours.medianSeconds / raw.medianSeconds, decimals: 2)
            + "×")
}
