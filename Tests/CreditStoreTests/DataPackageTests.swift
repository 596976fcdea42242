import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto
import TestSupport
import Testing

@Suite("signed data packages: export, verify, tamper")
struct DataPackageTests {
    struct Signer {
        let key: PrivateKey
        let certificate: Certificate
        let trust: TrustStore
        let crl: CertificateRevocationList

        init(_ folder: String, key: String = "package-signer") throws {
            self.key = try PrivateKey(pemEncoded: try Repository.text("Keys/\(folder)/\(key).key.pem"))
            certificate = try Certificate(pemEncoded: try Repository.text("Keys/\(folder)/\(key).pem"))
            let root = folder == "foreign" ? "p256" : folder
            crl = try CertificateRevocationList(pemEncoded: try Repository.text("Keys/\(root)/crl.pem"))
            trust = TrustStore(
                roots: [try Certificate(pemEncoded: try Repository.text("Keys/\(root)/root-ca.pem"))],
                revocationLists: [crl])
        }
    }

    func export(_ t: TestStore, _ signer: Signer, region code: String = "320000") async throws -> (
        URL, PackageExportSummary
    ) {
        let url = t.scratch.url.appendingPathComponent("package-\(code).jsonl")
        let summary = try await PackageExport.export(
            from: t.store, region: region(code), on: testToday, at: testNow, by: t.admin, key: signer.key,
            certificate: signer.certificate, revocationLists: [signer.crl], to: url)
        return (url, summary)
    }

    @Test(
        "a region's package carries its current views, cards and documents, and verifies", arguments: ["p256", "sm2"])
    func roundTrip(algorithm: String) async throws {
        let t = try await TestStore(enterprises: 30)
        defer { t.remove() }
        let signer = try Signer(algorithm)
        let (url, summary) = try await export(t, signer)
        let bytes = [UInt8](try Data(contentsOf: url))
        let package = try DataPackageVerifier.verify(
            bytes, trustStore: signer.trust, now: testNow.addingTimeInterval(3_600), maximumAge: 86_400)
        let contents = package.contents
        let jiangsu = try (0..<30).map { try t.dataset.enterprise($0) }.filter { $0.province.code == "320000" }
        #expect(!jiangsu.isEmpty)
        #expect(summary.views == jiangsu.count)
        #expect(contents.views.count == jiangsu.count)
        #expect(contents.cards.count == jiangsu.count)
        #expect(contents.documents.count == jiangsu.count)
        #expect(contents.revocationLists.count == 1)
        #expect(contents.header.region.code == "320000")
        #expect(contents.header.asOf == testToday)
        #expect(contents.header.databaseRevision == (try await t.store.revision()))
        #expect(contents.header.auditHead == (try await t.store.verifyAuditChain(by: t.admin).head))
        #expect(package.signer == signer.certificate)
        for demo in jiangsu {
            let view = try await t.store.currentView(of: demo.enterprise.uscc, on: testToday, by: t.admin)?.view
            #expect(contents.views[demo.enterprise.uscc] == view)
            #expect(contents.cards[demo.card]?.state == .issued)
            #expect(contents.cards[demo.card]?.uscc == demo.enterprise.uscc)
        }
        // No temporary file is left beside the package.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: t.scratch.url.path).filter { $0.hasSuffix(".partial") }
                .isEmpty)
    }

    @Test("the package's signature verifies with the openssl command line over the bytes before the last line")
    func opensslInterop() async throws {
        let t = try await TestStore(enterprises: 10)
        defer { t.remove() }
        let signer = try Signer("p256")
        let (url, _) = try await export(t, signer)
        let bytes = [UInt8](try Data(contentsOf: url))
        let contents = try DataPackageContents(parsing: bytes)
        let content = t.scratch.url.appendingPathComponent("signed-part")
        let signature = t.scratch.url.appendingPathComponent("signature.der")
        try Data(bytes[0..<contents.signedLength]).write(to: content)
        try contents.signature.value.write(to: signature)
        // openssl dgst -verify wants a public key: extract it from the certificate first.
        let publicKey = t.scratch.url.appendingPathComponent("signer.pub.pem")
        try run([
            "openssl", "x509", "-in", Repository.root.appendingPathComponent("Keys/p256/package-signer.pem").path,
            "-pubkey", "-noout", "-out", publicKey.path,
        ])
        let output = try run([
            "openssl", "dgst", "-sha256", "-verify", publicKey.path, "-signature", signature.path, content.path,
        ])
        #expect(output.contains("Verified OK"))
    }

    @Test("a tampered, truncated, extended, foreign-signed or too old package is refused with the reason")
    func refusals() async throws {
        let t = try await TestStore(enterprises: 20)
        defer { t.remove() }
        let signer = try Signer("p256")
        let (url, _) = try await export(t, signer)
        let bytes = [UInt8](try Data(contentsOf: url))
        let later = testNow.addingTimeInterval(3_600)
        func refusal(_ bytes: [UInt8], trust: TrustStore? = nil, now: Date = later, maximumAge: TimeInterval = 86_400)
            -> DataPackageError?
        {
            do {
                _ = try DataPackageVerifier.verify(
                    bytes, trustStore: trust ?? signer.trust, now: now, maximumAge: maximumAge)
                return nil
            } catch {
                return error
            }
        }
        #expect(refusal(bytes) == nil)

        // One digit of a view changed (a contract amount): the signature no longer matches.
        var tampered = bytes
        let text = String(decoding: bytes, as: UTF8.self)
        let amount = try #require(text.range(of: "\"contractAmount\":"))
        let offset = text.utf8.distance(from: text.startIndex, to: amount.upperBound)
        tampered[offset] = tampered[offset] == 0x31 ? 0x32 : 0x31
        #expect(refusal(tampered)?.code == .badSignature)

        // The signature line dropped.
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        let truncated = Array(lines.dropLast().joined(separator: [0x0A])) + [0x0A]
        #expect(refusal(truncated)?.code == .malformed)
        #expect(refusal(truncated)?.reason.contains("no signature line") == true)
        // Cut in the middle of a line.
        #expect(refusal(Array(bytes.prefix(bytes.count / 2)))?.code == .malformed)
        // A line after the signature.
        let extended = bytes + Array(#"{"type":"crl","crl":""}"#.utf8) + [0x0A]
        #expect(refusal(extended)?.reason.contains("follows the signature") == true)

        // Signed by a certificate of a hierarchy nobody trusts.
        let foreign = try Signer("foreign", key: "package-signer")
        let foreignURL = t.scratch.url.appendingPathComponent("foreign.jsonl")
        _ = try await PackageExport.export(
            from: t.store, region: region("320000"), on: testToday, at: testNow, by: t.admin, key: foreign.key,
            certificate: foreign.certificate, revocationLists: [], to: foreignURL)
        #expect(refusal([UInt8](try Data(contentsOf: foreignURL)))?.code == .untrustedSigner)

        // An office certificate, trusted but for signing documents, does not sign packages: the writer
        // refuses it and writes nothing.
        let office = try Signer("p256", key: "office-320000")
        let officeURL = t.scratch.url.appendingPathComponent("office.jsonl")
        do {
            _ = try await PackageExport.export(
                from: t.store, region: region("320000"), on: testToday, at: testNow, by: t.admin, key: office.key,
                certificate: office.certificate, revocationLists: [], to: officeURL)
            Issue.record("an office certificate signed a package")
        } catch {
            #expect("\(error)".contains("data package signing"))
        }
        #expect(!FileManager.default.fileExists(atPath: officeURL.path))

        // Too old for the verifier's setting, or dated in the future.
        let old = refusal(bytes, now: testNow.addingTimeInterval(8 * 86_400), maximumAge: 7 * 86_400)
        #expect(old?.code == .tooOld)
        #expect(old?.reason.contains("download a new package") == true)
        #expect(refusal(bytes, now: testNow.addingTimeInterval(-86_400))?.code == .fromTheFuture)
    }

    @Test("only accounts for the region may export its package")
    func exportAuthorisation() async throws {
        let t = try await TestStore(enterprises: 5)
        defer { t.remove() }
        let signer = try Signer("p256")
        await expectCode(.forbidden) {
            _ = try await PackageExport.export(
                from: t.store, region: region("320000"), on: testToday, at: testNow, by: t.zhejiangApprover,
                key: signer.key, certificate: signer.certificate, revocationLists: [],
                to: t.scratch.url.appendingPathComponent("x.jsonl"))
        }
        #expect(!FileManager.default.fileExists(atPath: t.scratch.path("x.jsonl")))
    }
}

@discardableResult
func run(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw StoreError(.database, "\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text)")
    }
    return text
}
