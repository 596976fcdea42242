import Foundation
import HandbookCodec
import HandbookCrypto
import ServiceTestSupport
import TestSupport
import Testing
import Verifier

/// A document with `content`, signed over it with `key` and `certificate` — whatever the
/// certificate is for: how an attacker holding some key would sign.
func resigned(_ content: HandbookContent, key: PrivateKey, certificate: Certificate) throws -> [UInt8] {
    let bytes = HandbookFormat.encode(content)
    return HandbookDocument.assemble(
        content: bytes,
        signature: HandbookSignature(
            algorithm: key.algorithm.oid, certificate: certificate.derEncoded, value: try key.sign(bytes)))
}

/// The checks a forged or misused document must fail, each guarded against a mutation of the code
/// that would let it pass (Tests/TRUST-CHECKS.md lists them with their tests).
@Suite("trust: purposes, issuers, revocation and CRLs")
struct TrustTests {
    func verify(_ bytes: [UInt8], store: TrustStore? = nil, at time: Date = SampleDocument.checkTime) throws
        -> DocumentVerification
    {
        HandbookVerifier.verify(
            bytes, trustStore: try store ?? TestKeys.trustStore(), at: time,
            cardSerial: try CardSerial(hex: "8656000012345678"))
    }

    func failure(_ result: DocumentVerification, _ name: DocumentVerification.CheckName) -> String? {
        if case .failed(let reason) = result.outcome(of: name) { return reason }
        return nil
    }

    @Test("a handbook re-signed with the data-package signer's key fails the chain check: wrong purpose")
    func packageKeyOnAHandbook() throws {
        let sample = try SampleDocument.make(.ecdsaP256SHA256)
        let content = try HandbookDocument(decoding: sample.bytes).content
        let forged = try resigned(
            content, key: try TestKeys.privateKey("p256/package-signer.key.pem"),
            certificate: try TestKeys.certificate("p256/package-signer.pem"))
        let result = try verify(forged)
        #expect(result.outcome(of: .signature) == .passed)
        #expect(failure(result, .chain)?.contains("CHAIN_WRONG_PURPOSE") == true, "\(result.checks)")
        #expect(CardVerdict.decide(result, cardAuthenticated: true, reference: nil).verdict == .invalid)
        // A signing certificate of the old kind, with no purpose at all, fails the same way.
        let old = try resigned(
            content, key: try TestKeys.privateKey("p256/office-nopurpose.key.pem"),
            certificate: try TestKeys.certificate("p256/office-nopurpose.pem"))
        #expect(failure(try verify(old), .chain)?.contains("CHAIN_WRONG_PURPOSE") == true)
        // And the signer refuses to make either.
        #expect(throws: SigningError.self) {
            _ = try HandbookSigner.sign(
                view: sample.view, issue: sample.issue,
                officeKey: try TestKeys.privateKey("p256/office-nopurpose.key.pem"),
                officeCertificate: try TestKeys.certificate("p256/office-nopurpose.pem"))
        }
    }

    @Test("a Zhejiang office signing a Shanghai document fails the issuer check, by office and by document number")
    func issuerRegion() throws {
        let sample = try SampleDocument.make(.ecdsaP256SHA256)
        var content = try HandbookDocument(decoding: sample.bytes).content
        let zhejiangKey = try TestKeys.privateKey("p256/office-330000.key.pem")
        let zhejiang = try TestKeys.certificate("p256/office-330000.pem")
        // The document says Shanghai office, Shanghai number; the signer is Zhejiang's.
        let shanghaiDocument = try verify(try resigned(content, key: zhejiangKey, certificate: zhejiang))
        #expect(failure(shanghaiDocument, .issuer)?.contains("330000") == true, "\(shanghaiDocument.checks)")
        // The office is Zhejiang's (matching the signer) but the number is Shanghai's.
        content.header.issuingOffice = IssuingOffice(region: try RegionCode("330000"), name: "浙江省发证窗口")
        let shanghaiNumber = try verify(try resigned(content, key: zhejiangKey, certificate: zhejiang))
        #expect(failure(shanghaiNumber, .issuer)?.contains("document number") == true, "\(shanghaiNumber.checks)")
        for result in [shanghaiDocument, shanghaiNumber] {
            #expect(CardVerdict.decide(result, cardAuthenticated: true, reference: nil).verdict == .invalid)
        }
    }

    @Test("a document signed by a revoked office is invalid, not only flagged")
    func revokedSigner() throws {
        let sample = try SampleDocument.make(.ecdsaP256SHA256, office: "office-revoked")
        let result = try verify(sample.bytes)
        #expect(failure(result, .revocation)?.contains("revoked") == true)
        let verdict = CardVerdict.decide(result, cardAuthenticated: true, reference: nil)
        #expect(verdict.verdict == .invalid)
        #expect(verdict.reasons.contains { $0.hasPrefix("revocation:") })
    }

    @Test("a CRL past its nextUpdate makes revocation unknown, which fails the check")
    func staleCRL() throws {
        let sample = try SampleDocument.make(.ecdsaP256SHA256)
        let store = TrustStore(
            roots: [try TestKeys.certificate("p256/root-ca.pem")],
            revocationLists: [try TestKeys.crl("p256/crl-stale.pem")])
        let result = try verify(sample.bytes, store: store)
        #expect(failure(result, .revocation)?.contains("due for renewal") == true, "\(result.checks)")
        #expect(CardVerdict.decide(result, cardAuthenticated: true, reference: nil).verdict == .invalid)
    }

    @Test("a forged CRL carrying the root's name counts for nothing: it neither un-revokes nor stands alone")
    func forgedCRL() throws {
        let root = try TestKeys.certificate("p256/root-ca.pem")
        let forged = try TestKeys.crl("p256/crl-forged.pem")
        #expect(forged.issuer == root.subject)
        #expect(!forged.isIssued(by: root))
        // Newer than the real CRL and without office-revoked: the revoked office stays revoked.
        let revoked = try SampleDocument.make(.ecdsaP256SHA256, office: "office-revoked")
        let both = TrustStore(roots: [root], revocationLists: [try TestKeys.crl("p256/crl.pem"), forged])
        #expect(failure(try verify(revoked.bytes, store: both), .revocation)?.contains("revoked") == true)
        // Alone, it is no CRL of the root's at all.
        let good = try SampleDocument.make(.ecdsaP256SHA256)
        let alone = TrustStore(roots: [root], revocationLists: [forged])
        #expect(failure(try verify(good.bytes, store: alone), .revocation)?.contains("no CRL") == true)
    }

    @Test("a package signed with an office key, or for a region its signer does not hold, is refused")
    func packagePurposeAndRegion() throws {
        let header = DataPackageHeader(
            region: try RegionCode("320000"), createdAt: CardTimestamp(SampleDocument.checkTime),
            asOf: try CardDate(year: 2026, month: 12, day: 1), databaseRevision: 7,
            auditHead: String(repeating: "0", count: 64),
            source: "test")
        func package(key: String, certificate: String, region: String = "320000", extra: [DataPackageLine] = [])
            throws -> [UInt8]
        {
            var bytes: [UInt8] = []
            var header = header
            header.region = try RegionCode(region)
            let writer = try DataPackageWriter(
                header: header, key: try TestKeys.privateKey(key), certificate: try TestKeys.certificate(certificate),
                sink: { bytes += $0 })
            for line in extra { try writer.write(line) }
            try writer.finish()
            return bytes
        }
        // The writer refuses an office key; a package made anyway (by hand) is refused by the verifier.
        #expect(throws: SigningError.self) {
            _ = try package(key: "p256/office-320000.key.pem", certificate: "p256/office-320000.pem")
        }
        let genuine = try package(key: "p256/package-signer.key.pem", certificate: "p256/package-signer.pem")
        _ = try DataPackageVerifier.verify(
            genuine, trustStore: try TestKeys.trustStore(), now: SampleDocument.checkTime, maximumAge: 86_400)
        let officeSigned = try resignedPackage(
            genuine, key: try TestKeys.privateKey("p256/office-320000.key.pem"),
            certificate: try TestKeys.certificate("p256/office-320000.pem"))
        #expect(throws: DataPackageError.self) {
            _ = try DataPackageVerifier.verify(
                officeSigned, trustStore: try TestKeys.trustStore(), now: SampleDocument.checkTime, maximumAge: 86_400)
        }
        // A card line of an enterprise the package does not hold (how a line made a card "revoked").
        let card = PackageCard(
            serial: try CardSerial(hex: "8656000012345678"), state: .revoked, uscc: try USCC("91310000132209009U"),
            document: nil)
        let stray = try package(
            key: "p256/package-signer.key.pem", certificate: "p256/package-signer.pem", extra: [.card(card)])
        let strayError = #expect(throws: DataPackageError.self) {
            _ = try DataPackageVerifier.verify(
                stray, trustStore: try TestKeys.trustStore(), now: SampleDocument.checkTime, maximumAge: 86_400)
        }
        #expect(strayError?.reason.contains("does not hold") == true)

        // A Shanghai package signer: its own region's packages verify; the writer will not sign
        // Jiangsu's, and a Jiangsu package it signed anyway is refused for its region.
        let shanghai = try package(
            key: "p256/package-signer-310000.key.pem", certificate: "p256/package-signer-310000.pem", region: "310000")
        _ = try DataPackageVerifier.verify(
            shanghai, trustStore: try TestKeys.trustStore(), now: SampleDocument.checkTime, maximumAge: 86_400)
        #expect(throws: SigningError.self) {
            _ = try package(
                key: "p256/package-signer-310000.key.pem", certificate: "p256/package-signer-310000.pem",
                region: "320000")
        }
        let text = String(decoding: shanghai, as: UTF8.self)
        let relabelled = try #require(text.range(of: #""region":"310000""#))
        let jiangsu = try resignedPackage(
            Array(text.replacingCharacters(in: relabelled, with: #""region":"320000""#).utf8),
            key: try TestKeys.privateKey("p256/package-signer-310000.key.pem"),
            certificate: try TestKeys.certificate("p256/package-signer-310000.pem"))
        let regionError = #expect(throws: DataPackageError.self) {
            _ = try DataPackageVerifier.verify(
                jiangsu, trustStore: try TestKeys.trustStore(), now: SampleDocument.checkTime, maximumAge: 86_400)
        }
        #expect(regionError?.reason.contains("signs packages of 310000") == true, "\(String(describing: regionError))")

        // A Jiangsu package holding the view of a Zhejiang enterprise.
        var rng = SeededGenerator(seed: 12)
        var view = try SyntheticData.view(
            qualifications: 1, practitioners: 1, projects: 0, goodRecords: 0, badRecords: 0, using: &rng)
        view.enterprise.registeredRegion = try RegionCode("330200")
        let foreignView = try package(
            key: "p256/package-signer.key.pem", certificate: "p256/package-signer.pem", extra: [.view(view)])
        let viewError = #expect(throws: DataPackageError.self) {
            _ = try DataPackageVerifier.verify(
                foreignView, trustStore: try TestKeys.trustStore(), now: SampleDocument.checkTime, maximumAge: 86_400)
        }
        #expect(viewError?.reason.contains("registered in 330200") == true, "\(String(describing: viewError))")
    }

    @Test("the SM2 openssl recipe of Cards/FORMAT.md §2.3 works: the chain with the signer ID, the CRL in two steps")
    func sm2OpensslRecipe() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let keys = TestKeys.folder.path
        let chain = try openssl([
            "verify", "-vfyopt", "distid:1234567812345678", "-CAfile", "\(keys)/sm2/root-ca.pem",
            "\(keys)/sm2/office-310000.pem",
        ])
        #expect(chain.status == 0 && chain.output.contains("OK"), "\(chain.output)")
        // The CRL's signature over its tbsCertList, as the text says to check it.
        #expect(
            try openssl(["crl", "-in", "\(keys)/sm2/crl.pem", "-outform", "DER", "-out", path("crl.der")]).status == 0)
        let der = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("crl.der"))))
        let tree = try TLVTree(decoding: der, options: TLVDecodingOptions(requireMinimalLength: false))
        let parts = Array(tree.root.children)
        try Data(Array(parts[0].encoded)).write(to: URL(fileURLWithPath: path("tbs.der")))
        try Data(Array(parts[2].value.dropFirst())).write(to: URL(fileURLWithPath: path("crl-signature.der")))
        _ = try openssl(["x509", "-in", "\(keys)/sm2/root-ca.pem", "-pubkey", "-noout", "-out", path("root.pub.pem")])
        let signature = try openssl([
            "dgst", "-sm3", "-verify", path("root.pub.pem"), "-sigopt", "distid:1234567812345678", "-signature",
            path("crl-signature.der"), path("tbs.der"),
        ])
        #expect(signature.output.contains("Verified OK"), "\(signature.output)")
    }

    /// `bytes` (a package) with its signature line replaced by one made with `key`.
    func resignedPackage(_ bytes: [UInt8], key: PrivateKey, certificate: Certificate) throws -> [UInt8] {
        let lines = bytes.split(separator: 0x0A)
        let body: [UInt8] = lines.dropLast().flatMap { Array($0) + [UInt8(0x0A)] }
        let signature = DataPackageLine.signature(
            PackageSignature(
                algorithm: key.algorithm.oid.description, certificate: Data(certificate.derEncoded),
                value: Data(try key.sign(body))))
        return body + (try signature.encoded())
    }
}
