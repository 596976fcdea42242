import CreditStore
import Foundation
import HandbookCodec
import ServiceTestSupport
import TestSupport
import Testing

/// What only the service as its own process can show (issue 12): the requests that once killed
/// it, hostile connections, TLS end to end with the verifier, and the modes of the files it writes.
@Suite("the service as a process: fatal requests, slow clients, TLS, file modes")
struct ServiceProcessTests {
    /// The demo enterprise in Suzhou (Jiangsu) that `seed-demo` creates, with its card.
    static func jiangsu() throws -> DemoEnterprise { try DemoDataset(seed: 2007, count: 12).enterprise(6) }

    @Test("the two requests that killed the service get a 4xx naming the field; so does a bad chunk size")
    func fatalRequests() async throws {
        let folder = try await ServiceFolder()
        defer { folder.remove() }
        let service = try ServiceProcess(config: folder.config)
        defer { service.stop() }
        let demo = try Self.jiangsu()
        let inspector = try await service.login("inspector")
        let recorder = try await service.login("recorder")
        let approver = try await service.login("approver")

        // comparedRevision = 2^63: a trapping Int64(UInt64) conversion once.
        let check = try #require(
            await service.request(
                "POST", "/v1/checks", token: inspector,
                body: [
                    "checkedAt": CardTimestamp(Date()).description, "cardSerial": demo.card.description,
                    "verdict": "current", "comparedRevision": 9_223_372_036_854_775_808.0,
                ]))
        #expect((400..<500).contains(check.0) && check.1.contains("comparedRevision"), "\(check)")

        // Publishing on 9999-06-01: a try! in CardDate.adding(months:) once.
        let recorded = try #require(
            await service.request(
                "POST", "/v1/records", token: recorder,
                body: [
                    "region": "320500", "uscc": demo.enterprise.uscc.value, "kind": "bad", "behaviourCode": "D1-3-01",
                    "decisionNumber": "苏住建罚〔2026〕77号", "authority": "苏州市住房和城乡建设局", "authorityLevel": "city",
                    "decisionDate": CardDate(Date()).description, "summary": "偷工减料", "publicationMonths": 12,
                ]))
        #expect(recorded.0 == 201, "\(recorded.1)")
        let number = try #require(
            (try JSONSerialization.jsonObject(with: Data(recorded.1.utf8)) as? [String: Any])?["recordNumber"]
                as? String)
        #expect(await service.request("POST", "/v1/records/\(number)/approve", token: approver)?.0 == 200)
        let publish = try #require(
            await service.request(
                "POST", "/v1/records/\(number)/publish", token: approver, body: ["on": "9999-06-01"]))
        #expect((400..<500).contains(publish.0) && publish.1.contains("on"), "\(publish)")

        // A chunk size that is not hexadecimal: the framing is refused with 400, not a 500.
        let connection = try RawConnection(port: service.port)
        connection.send(
            "POST /v1/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n"
        )
        let answer = connection.receive(waiting: 10)
        #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text)")

        // Alive throughout, and the record still only approved.
        #expect(service.isRunning)
        #expect(await service.request("GET", "/v1/health")?.0 == 200)
        let record = await service.request("GET", "/v1/records/\(number)", token: approver)
        #expect(record?.1.contains(#""status":"approved","summary""#) == true, "\(String(describing: record))")
    }

    @Test("handbook-issuer import of year-9999 rows exits 65 naming the field; the database is unchanged")
    func importOfExtremeDates() async throws {
        let folder = try await ServiceFolder()
        defer { folder.remove() }
        let uscc = try Self.jiangsu().enterprise.uscc.value
        let file = folder.url.appendingPathComponent("records.jsonl")
        let lines = [
            #"{"format":"credit-handbook-import","version":2,"entity":"records","region":"320000"}"#,
            #"{"recordNumber":"3200000000099201","uscc":"\#(uscc)","kind":"bad","behaviourCode":"D1-3-01","decisionNumber":"苏建罚〔2026〕201号","authority":"江苏省住房和城乡建设厅","authorityLevel":"province","decisionDate":"9999-06-01","publishedFrom":"9999-06-08","publishedUntil":"9999-12-31","summary":"偷工减料"}"#,
            #"{"end":true,"rows":1}"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let store = try SQLCreditStore(path: folder.database)
        let revision = try await store.revision()
        let counts = try store.tableCounts()
        let run = try await runTool("handbook-issuer", ["import", "--config", folder.config.path, file.path])
        #expect(run.status == 65, "\(run.errors)")
        #expect(run.errors.contains("decisionDate"), "\(run.errors)")
        #expect(try await store.revision() == revision)
        #expect(try store.tableCounts() == counts)
    }

    @Test("the command line's exit code follows the error's kind: 64 usage, 65 bad input, 66 not found, 77 not allowed")
    func exitCodesByKind() async throws {
        let folder = try await ServiceFolder()
        defer { folder.remove() }
        let config = folder.config.path
        let cases: [(arguments: [String], status: Int32, mentions: String)] = [
            (["card-status", "XYZ", "--config", config], 65, "card serial"),
            (["card-status", "8656B000000FFFFF", "--config", config], 66, "8656B000000FFFFF"),
            (["card-status", "--config", config], 64, "serial"),
            (
                ["export", "--region", "990000", "--key", "k", "--certificate", "c", "-o", "x", "--config", config], 65,
                "990000"
            ),
            (
                ["import", "--config", config, folder.url.appendingPathComponent("absent.jsonl").path], 66,
                "absent.jsonl"
            ),
            (["card-status", "8656B000000FFFFF", "--config", config, "--as", "nobody"], 77, "nobody"),
        ]
        for (arguments, status, mentions) in cases {
            let run = try await runTool("handbook-issuer", arguments, environment: ["HANDBOOK_PASSWORD": testPassword])
            #expect(run.status == status, "handbook-issuer \(arguments.joined(separator: " ")): \(run.errors)")
            #expect(run.errors.contains(mentions), "handbook-issuer \(arguments.joined(separator: " ")): \(run.errors)")
        }
    }

    @Test("silence, a head that never ends and a body that never ends are cut off; others are still served")
    func slowClients() async throws {
        let folder = try await ServiceFolder(
            settings: ["limits": ["idleSeconds": 1, "bodySeconds": 1]], enterprises: 2)
        defer { folder.remove() }
        let service = try ServiceProcess(config: folder.config)
        defer { service.stop() }
        // Each wait is 10 s; the service must close each connection long before.
        let silent = try RawConnection(port: service.port)
        let head = try RawConnection(port: service.port)
        head.send("GET /v1/health HTTP/1.1\r\nHost: local")
        let body = try RawConnection(port: service.port)
        body.send(
            "POST /v1/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":"
        )
        for (name, connection) in [("silent", silent), ("head", head), ("body", body)] {
            let result = connection.receive(waiting: 10)
            #expect(result.closed, "\(name): still open after 10 s")
            #expect(!result.text.contains("200"), "\(name): \(result.text)")
        }
        #expect(await service.request("GET", "/v1/health")?.0 == 200)
    }

    @Test("with TLS: https only, the verifier pins the CA and reports tls; plain http off loopback is refused")
    func tls() async throws {
        let keys = Repository.root.appendingPathComponent("Keys/tls").path
        let folder = try await ServiceFolder(
            settings: ["tls": ["certificate": "\(keys)/server.pem", "key": "\(keys)/server.key.pem"]], enterprises: 2)
        defer { folder.remove() }
        let service = try ServiceProcess(config: folder.config)
        defer { service.stop() }
        #expect(service.scheme == "https")
        let base = "https://127.0.0.1:\(service.port)"

        // curl trusting the test CA gets an answer; without it, the handshake fails.
        let pinned = try await runProgram(
            "/usr/bin/curl",
            ["-sS", "--cacert", "\(keys)/ca.pem", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/v1/health"])
        #expect(pinned.output == "200", "\(pinned.errors)")
        let unpinned = try await runProgram("/usr/bin/curl", ["-sS", "-o", "/dev/null", "\(base)/v1/health"])
        #expect(unpinned.status != 0)
        // Plain HTTP to the TLS port gets no HTTP answer.
        let plain = try RawConnection(port: service.port)
        plain.send("GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(!plain.receive(waiting: 5).text.hasPrefix("HTTP/1.1 200"))

        // (The verifier over TLS with its CA pinned, on a card the service knows: VerifierVerdictTests.)
        let sample = Repository.path("Cards/samples/issued-handbook-32k-p256.json")
        // Without the pin, the service's certificate is not trusted: offline, saying why.
        let untrusted = try await runVerifier(
            ["verify", "--image", sample, "--json", "--service", base, "--account", "inspector", "--timeout", "10"],
            environment: ["HANDBOOK_PASSWORD": testPassword])
        #expect(untrusted.report["onlineTransport"] == nil)
        let why = (untrusted.report["reasons"] as? [String] ?? []).joined(separator: " | ")
        #expect(why.contains("degraded to offline"), "\(why)")

        // Plain HTTP off loopback: refused before anything is sent, unless --insecure.
        let refused = try runVerifierProcess(
            ["verify", "--image", sample, "--service", "http://192.0.2.1:8080", "--account", "inspector"],
            environment: ["HANDBOOK_PASSWORD": testPassword])
        #expect(refused.status == 64, "\(refused.errors)")
        #expect(refused.errors.contains("plain HTTP off loopback"), "\(refused.errors)")

        // The service refuses to listen off loopback without TLS.
        let noTLS = try await ServiceFolder(enterprises: 1)
        defer { noTLS.remove() }
        let open = try await runTool(
            "handbook-issuer", ["serve", "--config", noTLS.config.path, "--listen", "0.0.0.0:0"])
        #expect(open.status == 65, "\(open.errors)")
        #expect(open.errors.contains("TLS only"), "\(open.errors)")
    }

    @Test("the database, its -wal and -shm, package folders and files are the owner's alone")
    func fileModes() async throws {
        let folder = try await ServiceFolder(enterprises: 2)
        defer { folder.remove() }
        let service = try ServiceProcess(config: folder.config)
        defer { service.stop() }
        let token = try await service.login("inspector")
        #expect(await service.request("GET", "/v1/packages/320000", token: token)?.0 == 200)
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        for suffix in ["", "-wal", "-shm"] {
            #expect(try mode(folder.database + suffix) == 0o600, "credit.sqlite\(suffix)")
        }
        let packages = folder.database + ".packages"
        #expect(try mode(packages) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: packages)
        #expect(!files.isEmpty)
        for file in files { #expect(try mode("\(packages)/\(file)") == 0o600, "\(file)") }
    }
}
