import Foundation
import HandbookCrypto
import TestSupport
import Testing

@Suite("X.509 chains and CRLs")
struct ChainTests {
    let issueTime = date("2026-06-01T00:00:00Z")
    let now = date("2026-12-01T00:00:00Z")

    @Test("office certificates of both algorithms chain to their pinned root", arguments: SignatureAlgorithm.allCases)
    func validChains(algorithm: SignatureAlgorithm) throws {
        let store = try TestKeys.trustStore()
        for region in ["310000", "320000", "330000"] {
            let signer = try TestKeys.certificate("\(TestKeys.folderName(algorithm))/office-\(region).pem")
            #expect(signer.regionCode == region)
            #expect(signer.signatureAlgorithm == algorithm)
            let result = store.verify(signer: signer, validAt: issueTime, revocationAt: now)
            #expect(result.isTrusted, "\(result)")
            #expect(result.chain.count == 2)
        }
    }

    @Test("an expired signer fails the validity period, not the path", arguments: SignatureAlgorithm.allCases)
    func expired(algorithm: SignatureAlgorithm) throws {
        let signer = try TestKeys.certificate("\(TestKeys.folderName(algorithm))/office-expired.pem")
        let result = try TestKeys.trustStore().verify(signer: signer, validAt: issueTime, revocationAt: now)
        #expect(result.path == .passed)
        guard case .expired = result.validity else {
            Issue.record("expected expired, got \(result.validity)")
            return
        }
        // Signed while it was valid, the same certificate passes.
        #expect(
            try TestKeys.trustStore().verify(signer: signer, validAt: date("2024-06-01T00:00:00Z"), revocationAt: now)
                .isTrusted)
    }

    @Test(
        "a revoked signer is found in its root's CRL, SM2-signed CRLs included", arguments: SignatureAlgorithm.allCases)
    func revoked(algorithm: SignatureAlgorithm) throws {
        let signer = try TestKeys.certificate("\(TestKeys.folderName(algorithm))/office-revoked.pem")
        let result = try TestKeys.trustStore().verify(signer: signer, validAt: issueTime, revocationAt: now)
        #expect(result.path == .passed && result.validity == .valid)
        guard case .revoked = result.revocation else {
            Issue.record("expected revoked, got \(result.revocation)")
            return
        }
        let crl = try TestKeys.crl("\(TestKeys.folderName(algorithm))/crl.pem")
        #expect(crl.isIssued(by: try TestKeys.certificate("\(TestKeys.folderName(algorithm))/root-ca.pem")))
        #expect(crl.revocationDate(of: signer) != nil)
        #expect(
            crl.revocationDate(of: try TestKeys.certificate("\(TestKeys.folderName(algorithm))/office-310000.pem"))
                == nil)
    }

    @Test("without a CRL, revocation is unknown rather than good")
    func noCRL() throws {
        let store = TrustStore(roots: [try TestKeys.certificate("p256/root-ca.pem")])
        let result = store.verify(
            signer: try TestKeys.certificate("p256/office-310000.pem"), validAt: issueTime, revocationAt: now)
        guard case .unknown = result.revocation else {
            Issue.record("expected unknown, got \(result.revocation)")
            return
        }
        #expect(!result.isTrusted)
    }

    @Test("a CRL is only accepted from the issuer that signed it")
    func crlIssuer() throws {
        let crl = try TestKeys.crl("p256/crl.pem")
        #expect(!crl.isIssued(by: try TestKeys.certificate("sm2/root-ca.pem")))
        #expect(!crl.isIssued(by: try TestKeys.certificate("foreign/root-ca.pem")))
    }

    @Test("a signer under an unknown root is not trusted")
    func unknownRoot() throws {
        let signer = try TestKeys.certificate("foreign/office-310000.pem")
        let result = try TestKeys.trustStore().verify(signer: signer, validAt: issueTime, revocationAt: now)
        guard case .failed(let failure) = result.path else {
            Issue.record("expected a path failure, got \(result.path)")
            return
        }
        #expect(failure.code == .untrustedRoot)
    }

    @Test("a P-256 office certificate does not chain to the SM2 root alone")
    func crossAlgorithm() throws {
        let store = TrustStore(
            roots: [try TestKeys.certificate("sm2/root-ca.pem")], revocationLists: [try TestKeys.crl("sm2/crl.pem")])
        let result = store.verify(
            signer: try TestKeys.certificate("p256/office-310000.pem"), validAt: issueTime, revocationAt: now)
        #expect(!result.isTrusted)
    }

    @Test("a root certificate is not a document signer")
    func rootIsNotASigner() throws {
        let root = try TestKeys.certificate("p256/root-ca.pem")
        let result = try TestKeys.trustStore().verify(signer: root, validAt: issueTime, revocationAt: now)
        guard case .failed(let failure) = result.path else {
            Issue.record("expected a path failure")
            return
        }
        #expect(failure.code == .notASigningCertificate)
    }

    @Test("certificates read their subject, region and dates")
    func fields() throws {
        let certificate = try TestKeys.certificate("p256/office-330000.pem")
        #expect(certificate.subject.contains("浙江省"))
        #expect(certificate.commonName == "Zhejiang Licensing Office P-256 (TEST)")
        #expect(certificate.notBefore == date("2025-01-01T00:00:00Z"))
        #expect(certificate.notAfter == date("2035-12-31T23:59:59Z"))
        #expect(!certificate.isCertificateAuthority)
        #expect(certificate.mayVerifyDocuments)
        #expect(throws: CryptoError.self) { try Certificate(derEncoded: certificate.derEncoded + [0]) }
        #expect(throws: CryptoError.self) { try Certificate(derEncoded: Array(certificate.derEncoded.dropLast())) }
    }
}
