import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto
import ServiceTestSupport
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The public site of a real `handbook-issuer serve --public-listen` process, walked in a real
/// headless Chromium (Tests/browser/site_walk.py through Selenium and chromedriver): search by
/// one, two and three characters, the enterprise page with a record published through the
/// service, the language switch, paging, the handbook check; screenshots under
/// `.build/test-output/public-site/`.
@Suite("the public site in a real browser")
struct PublicSiteBrowserTests {
    @Test("search, the enterprise page, English, paging and the handbook check in headless Chromium")
    func walk() async throws {
        let folder = try await ServiceFolder(enterprises: 300)
        defer { folder.remove() }
        let dataset = DemoDataset(seed: 2007, count: 300)
        let jiangsu = try (0..<300).map { try dataset.enterprise($0) }.filter { $0.province.code == "320000" }
        let target = jiangsu[2]
        let server = try ServiceProcess(config: folder.config, arguments: ["--public-listen", "127.0.0.1:0"])
        defer { server.stop() }
        let publicPort = try #require(server.publicPort, "the service did not announce its public site")

        // A bad record recorded, approved and published through the service's API.
        let recorder = try await server.login("recorder")
        let recorded = try #require(
            await server.request(
                "POST", "/v1/records", token: recorder,
                body: [
                    "region": "320500", "uscc": target.enterprise.uscc.value, "kind": "bad", "behaviourCode": "D1-3-01",
                    "decisionNumber": "苏住建罚〔2026〕88号", "authority": "苏州市住房和城乡建设局", "authorityLevel": "city",
                    "decisionDate": CardDate(Date()).description, "publicationMonths": 6, "summary": "偷工减料",
                ]))
        #expect(recorded.0 == 201, "\(recorded.1)")
        let number = try #require(
            (try JSONSerialization.jsonObject(with: Data(recorded.1.utf8)) as? [String: Any])?["recordNumber"]
                as? String)
        let approver = try await server.login("approver")
        #expect(await server.request("POST", "/v1/records/\(number)/approve", token: approver)?.0 == 200)
        #expect(await server.request("POST", "/v1/records/\(number)/publish", token: approver, body: [:])?.0 == 200)

        // Documents current, superseded and revoked, made through the store.
        let store = try SQLCreditStore(path: folder.database)
        let issuer = try #require(try await store.account(named: "issuer"))
        let admin = try #require(try await store.account(named: "admin"))
        let current = try #require(try await store.cardStatus(jiangsu[0].card, by: admin)?.document)
        let superseded = try #require(try await store.cardStatus(jiangsu[1].card, by: admin)?.document)
        let entry = try await store.openIssuance(
            card: jiangsu[1].card, profile: "handbook-32k", uscc: jiangsu[1].enterprise.uscc,
            office: try RegionCode("320000"), reader: nil, by: issuer)
        _ = try await store.advanceIssuance(
            entry.id, to: .writing, document: [0x61, 0x00], viewRevision: try await store.revision(),
            expiresOn: try CardDate(Date()).adding(months: 12))
        _ = try await store.advanceIssuance(entry.id, to: .committing, document: nil, viewRevision: nil, expiresOn: nil)
        _ = try await store.commitIssuance(entry.id)
        let revoked = try #require(try await store.cardStatus(jiangsu[3].card, by: admin)?.document)
        try await store.revokeDocument(revoked, reason: "遗失", by: issuer)

        let output = Repository.root.appendingPathComponent(".build/test-output/public-site")
        try? FileManager.default.removeItem(at: output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let expectations = folder.url.appendingPathComponent("expect.json")
        try JSONSerialization.data(withJSONObject: [
            "name": target.enterprise.name, "uscc": target.enterprise.uscc.value, "record": number,
            "current": current.value, "superseded": superseded.value, "revoked": revoked.value,
        ]).write(to: expectations)
        let run = try await runProgram(
            "/usr/bin/python3",
            [
                Repository.path("Tests/browser/site_walk.py"), "--site", "http://127.0.0.1:\(publicPort)", "--out",
                output.path, "--expect", expectations.path,
            ])
        #expect(run.status == 0, "\(run.errors)")

        // Bulk: the region's signed data package from the site, as the service builds it.
        let (bytes, response) = try await URLSession.shared.data(
            from: try #require(URL(string: "http://127.0.0.1:\(publicPort)/packages/320000")))
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let package = try DataPackageVerifier.verify(
            Array(bytes), trustStore: try Repository.trustStore(), now: Date(), maximumAge: 3_600)
        #expect(package.contents.views[target.enterprise.uscc] != nil)
        for name in ["home", "search-two-characters", "enterprise", "enterprise-en", "records-page-2", "check-revoked"]
        {
            let size =
                (try? FileManager.default.attributesOfItem(atPath: output.appendingPathComponent("\(name).png").path)[
                    .size])
                as? Int ?? 0
            #expect(size > 10_000, "screenshot \(name).png: \(size) bytes")
        }
    }
}
