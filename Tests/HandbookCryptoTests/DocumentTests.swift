import Foundation
import HandbookCodec
import HandbookCrypto
import TestSupport
import Testing

/// A signed sample document and what it was made from.
@Suite("signed documents")
struct DocumentTests {
    @Test(
        "a signed document verifies with every check passed, with both algorithms",
        arguments: SignatureAlgorithm.allCases)
    func signAndVerify(algorithm: SignatureAlgorithm) throws {
        let sample = try SampleDocument.make(algorithm)
        let result = HandbookVerifier.verify(
            sample.bytes, trustStore: try TestKeys.trustStore(), at: SampleDocument.checkTime,
            cardSerial: sample.issue.cardSerial)
        #expect(result.isValid, "\(result.checks)")
        #expect(result.checks.map(\.name) == DocumentVerification.CheckName.allCases)
        let content = try #require(result.document?.content)
        #expect(content.enterprise == sample.view.enterprise)
        #expect(Set(content.qualifications) == Set(sample.view.qualifications))
        #expect(Set(content.creditRecords) == Set(sample.view.creditRecords))
        #expect(content.omitted.isComplete)
        #expect(content.header.cardPublicKey == sample.cardKey.publicKey.spkiDER)
        #expect(content.header.databaseRevision == 1234)
        #expect(content.practitioners.allSatisfy { $0.maskedIdentityNumber.contains("**********") })
    }

    @Test("binding, expiry and issuer are checked")
    func bindingExpiryIssuer() throws {
        let sample = try SampleDocument.make(.ecdsaP256SHA256)
        let store = try TestKeys.trustStore()
        let otherCard = HandbookVerifier.verify(
            sample.bytes, trustStore: store, at: SampleDocument.checkTime,
            cardSerial: try CardSerial(hex: "0000000000000001"))
        #expect(otherCard.firstFailure?.name == .binding)
        let late = HandbookVerifier.verify(
            sample.bytes, trustStore: store, at: date("2027-06-01T00:00:00Z"), cardSerial: sample.issue.cardSerial)
        #expect(late.firstFailure?.name == .documentExpiry)
        let early = HandbookVerifier.verify(
            sample.bytes, trustStore: store, at: date("2026-05-01T00:00:00Z"), cardSerial: sample.issue.cardSerial)
        guard case .failed = early.outcome(of: .documentExpiry) else {
            Issue.record("a document checked before its issue time must fail documentExpiry")
            return
        }
        let unbound = HandbookVerifier.verify(
            sample.bytes, trustStore: store, at: SampleDocument.checkTime, cardSerial: nil)
        #expect(unbound.outcome(of: .binding) != .passed && unbound.firstFailure == nil)
    }

    @Test("an office cannot sign for another region")
    func signerRegion() throws {
        #expect(throws: SigningError.self) {
            var rng = SeededGenerator(seed: 1)
            let view = try SyntheticData.view(
                qualifications: 1, practitioners: 0, projects: 0, goodRecords: 0, badRecords: 0, using: &rng)
            let key = try PrivateKey.generate(.ecdsaP256SHA256)
            let issue = DocumentIssue(
                documentNumber: try DocumentNumber(region: try RegionCode("310000"), serial: 1),
                cardSerial: try CardSerial(hex: "0102030405060708"),
                cardPublicKey: key.publicKey, issuedAt: SampleDocument.issueTime,
                expiresOn: try CardDate(year: 2027, month: 1, day: 1),
                issuingOffice: IssuingOffice(region: try RegionCode("310000"), name: "上海"), databaseRevision: 1,
                slotSize: 3584)
            _ = try HandbookSigner.sign(
                view: view, issue: issue, officeKey: try TestKeys.privateKey("p256/office-330000.key.pem"),
                officeCertificate: try TestKeys.certificate("p256/office-330000.pem"))
        }
    }

    @Test(
        "signers that are expired, revoked, foreign or of the wrong algorithm fail their named check",
        arguments: [
            ("p256", "office-expired", DocumentVerification.CheckName.validityPeriod),
            ("p256", "office-revoked", .revocation),
            ("sm2", "office-revoked", .revocation),
            ("foreign", "office-310000", .chain),
        ])
    func badSigners(folder: String, office: String, failing: DocumentVerification.CheckName) throws {
        let algorithm: SignatureAlgorithm = folder == "sm2" ? .sm2SM3 : .ecdsaP256SHA256
        let certificate = try TestKeys.certificate("\(folder)/\(office).pem")
        var rng = SeededGenerator(seed: 3)
        let view = try SyntheticData.view(
            qualifications: 1, practitioners: 1, projects: 1, goodRecords: 1, badRecords: 1, using: &rng)
        let region = try RegionCode(certificate.regionCode!)
        let issue = DocumentIssue(
            documentNumber: try DocumentNumber(region: region, serial: 9),
            cardSerial: try CardSerial(hex: "0102030405060708"),
            cardPublicKey: try PrivateKey.generate(algorithm).publicKey, issuedAt: SampleDocument.issueTime,
            // Never past the certificate's end (the signer refuses that).
            expiresOn: min(try CardDate(year: 2027, month: 1, day: 1), certificate.lastDocumentDay),
            issuingOffice: IssuingOffice(region: region, name: "发证窗口"),
            databaseRevision: 1, slotSize: 15360)
        let bytes = try HandbookSigner.sign(
            view: view, issue: issue, officeKey: try TestKeys.privateKey("\(folder)/\(office).key.pem"),
            officeCertificate: certificate)
        let result = HandbookVerifier.verify(
            bytes, trustStore: try TestKeys.trustStore(), at: SampleDocument.checkTime, cardSerial: issue.cardSerial)
        #expect(result.firstFailure?.name == failing, "\(result.checks)")
        #expect(result.outcome(of: .signature) == .passed)
    }

    @Test("a document whose algorithm OID does not match its signer's key fails the signature check")
    func algorithmMismatch() throws {
        let sample = try SampleDocument.make(.ecdsaP256SHA256)
        let document = try HandbookDocument(decoding: sample.bytes)
        let forged = HandbookDocument.assemble(
            content: Array(document.signedBytes),
            signature: HandbookSignature(
                algorithm: SignatureAlgorithm.sm2SM3.oid, certificate: document.signature.certificate,
                value: document.signature.value))
        let result = HandbookVerifier.verify(
            forged, trustStore: try TestKeys.trustStore(), at: SampleDocument.checkTime, cardSerial: nil)
        #expect(result.firstFailure?.name == .signature)
    }

    @Test("every single-bit flip of a signed document fails verification with a named check")
    func everyBitFlip() async throws {
        let sample = try SampleDocument.make(.ecdsaP256SHA256, counts: (1, 1, 1, 1, 1))
        let store = try TestKeys.trustStore()
        let bytes = sample.bytes
        let serial = sample.issue.cardSerial
        let bitCount = bytes.count * 8
        let undetected = await withTaskGroup(of: [Int].self) { group in
            let workers = 4
            for worker in 0..<workers {
                group.addTask {
                    var missed: [Int] = []
                    for bit in stride(from: worker, to: bitCount, by: workers) {
                        var flipped = bytes
                        flipped[bit / 8] ^= UInt8(1 << (bit % 8))
                        let result = HandbookVerifier.verify(
                            flipped, trustStore: store, at: SampleDocument.checkTime, cardSerial: serial)
                        if result.isValid || result.firstFailure == nil { missed.append(bit) }
                    }
                    return missed
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(undetected.isEmpty, "bits whose flip went unnoticed: \(undetected.prefix(20)) of \(bitCount)")
    }
}

@Suite("documents and the openssl command line")
struct DocumentInteropTests {
    @Test("a document signed in Swift verifies with openssl dgst", arguments: SignatureAlgorithm.allCases)
    func swiftDocumentVerifiesWithCLI(algorithm: SignatureAlgorithm) throws {
        let sample = try SampleDocument.make(algorithm)
        let document = try HandbookDocument(decoding: sample.bytes)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        try Data(document.signedBytes).write(to: URL(fileURLWithPath: path("content.bin")))
        try Data(document.signature.value).write(to: URL(fileURLWithPath: path("signature.der")))
        try Data(document.signature.certificate).write(to: URL(fileURLWithPath: path("signer.der")))
        let extracted = try openssl([
            "x509", "-inform", "DER", "-in", path("signer.der"), "-pubkey", "-noout", "-out", path("signer.pub.pem"),
        ])
        #expect(extracted.status == 0, "\(extracted.output)")
        var arguments = [
            "dgst", algorithm == .sm2SM3 ? "-sm3" : "-sha256", "-verify", path("signer.pub.pem"), "-signature",
            path("signature.der"),
        ]
        if algorithm == .sm2SM3 { arguments += ["-sigopt", "distid:1234567812345678"] }
        let verified = try openssl(arguments + [path("content.bin")])
        #expect(verified.status == 0 && verified.output.contains("Verified OK"), "\(verified.output)")
    }

    @Test("content signed by openssl dgst verifies as a document in Swift", arguments: SignatureAlgorithm.allCases)
    func cliSignatureVerifiesInSwift(algorithm: SignatureAlgorithm) throws {
        let sample = try SampleDocument.make(algorithm)
        let document = try HandbookDocument(decoding: sample.bytes)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        try Data(document.signedBytes).write(to: URL(fileURLWithPath: path("content.bin")))
        let key = TestKeys.folder.appendingPathComponent("\(TestKeys.folderName(algorithm))/office-310000.key.pem").path
        var arguments = ["dgst", algorithm == .sm2SM3 ? "-sm3" : "-sha256", "-sign", key]
        if algorithm == .sm2SM3 { arguments += ["-sigopt", "distid:1234567812345678"] }
        let signed = try openssl(arguments + ["-out", path("signature.der"), path("content.bin")])
        #expect(signed.status == 0, "\(signed.output)")
        let signature = Array(try Data(contentsOf: URL(fileURLWithPath: path("signature.der"))))
        let bytes = HandbookDocument.assemble(
            content: Array(document.signedBytes),
            signature: HandbookSignature(
                algorithm: algorithm.oid, certificate: document.signature.certificate, value: signature))
        let result = HandbookVerifier.verify(
            bytes, trustStore: try TestKeys.trustStore(), at: SampleDocument.checkTime,
            cardSerial: sample.issue.cardSerial)
        #expect(result.isValid, "\(result.checks)")
    }
}

@Suite("the worked example of Cards/FORMAT.md")
struct FormatExampleTests {
    @Test("the example document verifies, and its decoding matches the specification's annotations")
    func example() throws {
        let url = TestKeys.folder.deletingLastPathComponent().appendingPathComponent("Cards/samples/format-example.bin")
        let bytes = Array(try Data(contentsOf: url))
        let result = HandbookVerifier.verify(
            bytes, trustStore: try TestKeys.trustStore(), at: SampleDocument.checkTime,
            cardSerial: try CardSerial(hex: "8656000000000001"))
        #expect(result.isValid, "\(result.checks)")
        let content = try #require(result.document?.content)
        #expect(content.header.documentNumber.value == "3100000000000001")
        #expect(content.header.databaseRevision == 1024)
        #expect(content.performance.totalContractAmount == 128_000_000)
        #expect(content.practitioners.first?.maskedIdentityNumber == "3101**********0018")
        #expect(result.document?.signedBytes.count == 711)
    }
}
