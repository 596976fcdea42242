import Foundation
import HandbookCodec
import HandbookCrypto
import Hummingbird
import HummingbirdTesting
import ServiceTestSupport
import Synchronization
import TestSupport
import Testing
import Verifier
import VirtualCard

/// `handbook-verify` on card image files: no reader, no card to challenge.
@Suite("handbook-verify on card image files")
struct VerifierImageTests {
    func verify(_ image: URL) async throws -> (code: Int32, report: [String: Any]) {
        try await runVerifier(["verify", "--image", image.path, "--json"])
    }

    /// A copy of a sample image with its committed document changed by `change` and, if `rehash`, the
    /// commit record made to match again (what someone editing the file would do).
    func tampered(_ sample: String, rehash: Bool, in folder: URL, _ change: (inout [UInt8]) -> Void) throws -> URL {
        let image = try CardImage.load(from: Repository.root.appendingPathComponent("Cards/samples/\(sample)"))
        let out = folder.appendingPathComponent("tampered-\(UUID().uuidString).json")
        let copy = image.tampered(rewritingCommitRecord: rehash, change)
        try #require(copy).save(to: out)
        return out
    }

    @Test(
        "an issued image verifies (freshness unknown offline, card authentication not done); edited or torn, it does not"
    )
    func images() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for sample in ["issued-handbook-32k-p256.json", "issued-handbook-8k-sm2.json"] {
            let genuine = try await verify(Repository.root.appendingPathComponent("Cards/samples/\(sample)"))
            #expect(genuine.code == 7, "\(sample): \(genuine.report)")
            #expect(genuine.report["cardAuthentication"] as? String == "not-done")
            let checks = genuine.report["checks"] as? [[String: Any]] ?? []
            #expect(checks.filter { $0["outcome"] as? String == "passed" }.count == checks.count, "\(checks)")

            // One byte of the signed content changed and the commit record re-hashed: invalid.
            let edited = try tampered(sample, rehash: true, in: folder) { $0[$0.count / 3] ^= 0x01 }
            let invalid = try await verify(edited)
            #expect(invalid.code == 5, "\(sample): \(invalid.report)")
            #expect(invalid.report["verdict"] as? String == "invalid")

            // Changed without fixing the commit record: the card reads as a torn issuance.
            let torn = try tampered(sample, rehash: false, in: folder) { $0[$0.count / 3] ^= 0x01 }
            #expect(try await verify(torn).code == 4)
        }
        let blank = try await verify(Repository.root.appendingPathComponent("Cards/samples/blank-handbook-32k.json"))
        #expect(blank.code == 6)
    }
}

/// The schema is a real check: reports that break it are caught.
@Suite("handbook-verify's JSON schema")
struct ReportSchemaTests {
    @Test("a report that breaks the schema is refused: wrong exit code, unknown field, bad serial, missing part")
    func refusesBrokenReports() async throws {
        let sample = Repository.root.appendingPathComponent("Cards/samples/issued-handbook-32k-p256.json").path
        let (code, report) = try await runVerifier(["verify", "--image", sample, "--json"])
        #expect(code == 7)
        #expect(try ReportSchema.problems(in: JSONSerialization.data(withJSONObject: report)).isEmpty)
        let breakages: [(String, (inout [String: Any]) -> Void)] = [
            ("exitCode", { $0["exitCode"] = 0 }),  // freshness-unknown is 7
            ("unknown field", { $0["verdictText"] = "ok" }),
            ("cardSerial", { $0["cardSerial"] = "8656-not-hex" }),
            ("timings", { $0["timings"] = nil }),
            ("verdict", { $0["verdict"] = "fine" }),
            ("checks", { $0["checks"] = [["name": "signature", "outcome": "failed"]] }),  // a failure needs its reason
        ]
        for (what, breakage) in breakages {
            var broken = report
            breakage(&broken)
            let problems = try ReportSchema.problems(in: JSONSerialization.data(withJSONObject: broken))
            #expect(!problems.isEmpty, "\(what): accepted")
        }
    }
}

/// A service that answers too much is refused as the bytes arrive, and the check degrades to offline.
/// The fake services run in the test process, whose threads the other suites keep busy: the
/// verifier gets a minute per request, so that only a wrong answer, never a slow machine, fails.
@Suite("handbook-verify against a misbehaving service")
struct MisbehavingServiceTests {
    @Test("an answer larger than 4 MiB is refused; the verdict is freshness unknown, saying why")
    func oversizedAnswer() async throws {
        let router = Router()
        router.post("/v1/login") { _, _ in #"{"token":"t","expiresAt":"2030-01-01T00:00:00Z"}"# }
        router.get("/v1/cards/:serial/reference") { _, _ in String(repeating: "x", count: 8 << 20) }
        let app = Application(router: router)
        try await app.test(.live) { client in
            let service = "http://127.0.0.1:\(try #require(client.port))"
            let sample = Repository.path("Cards/samples/issued-handbook-32k-p256.json")
            let result = try await runVerifier(
                ["verify", "--image", sample, "--json", "--service", service, "--timeout", "60"],
                environment: ["HANDBOOK_PASSWORD": "x"])
            #expect(result.code == 7, "\(result.report)")
            let reasons = (result.report["reasons"] as? [String] ?? []).joined(separator: " | ")
            #expect(reasons.contains("more than 4194304 bytes"), "\(reasons)")
            #expect(reasons.contains("degraded to offline"), "\(reasons)")
        }
    }

    @Test(
        "online, one reference request per card: the card's state, document and view from one answer; the proof is a CheckProof"
    )
    func oneRoundTrip() async throws {
        let seen = RequestLog()
        let router = Router()
        router.post("/v1/login") { _, _ in #"{"token":"t","expiresAt":"2030-01-01T00:00:00Z"}"# }
        router.get("/v1/cards/:serial/reference") { request, _ in
            seen.add("GET \(request.uri)")
            let serial = try CardSerial(hex: "8656000000000032")
            let reference = CardReference(
                revision: 41, asOf: CardDate(Date()),
                card: PackageCard(serial: serial, state: .revoked, uscc: nil, document: nil),
                document: nil, view: nil)
            return String(decoding: try JSONEncoder().encode(reference), as: UTF8.self)
        }
        router.get("/v1/cards/:serial") { request, _ in
            seen.add("GET \(request.uri)")
            return "{}"
        }
        router.get("/v1/enterprises/:key/view") { request, _ in
            seen.add("GET \(request.uri)")
            return "{}"
        }
        router.post("/v1/checks") { request, context in
            let body = try await request.body.collect(upTo: 1 << 16)
            let proof = try JSONDecoder().decode(CheckProof.self, from: Data(body.readableBytesView))
            seen.add("POST /v1/checks \(proof.verdict) \(proof.comparedRevision.map(String.init) ?? "-")")
            return Response(status: .created)
        }
        let app = Application(router: router)
        try await app.test(.live) { client in
            let service = "http://127.0.0.1:\(try #require(client.port))"
            let sample = Repository.path("Cards/samples/issued-handbook-32k-p256.json")
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("checks-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: log) }
            let result = try await runVerifier(
                ["verify", "--image", sample, "--json", "--service", service, "--timeout", "60", "--log", log.path],
                environment: ["HANDBOOK_PASSWORD": "x"])
            #expect(result.code == Verdict.revoked.exitCode, "\(result.report)")
            #expect(
                seen.entries == [
                    "GET /v1/cards/8656000000000032/reference?document=3100000000000001", "POST /v1/checks revoked 41",
                ], "\(seen.entries)")
        }
    }
}

/// The requests a test service saw, in order.
final class RequestLog: Sendable {
    private let lock = Mutex<[String]>([])
    func add(_ entry: String) { lock.withLock { $0.append(entry) } }
    var entries: [String] { lock.withLock { $0 } }
}
