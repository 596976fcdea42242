import CardReader
import CreditStore
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816
import IssuanceService
import ServiceTestSupport
import Synchronization
import TestSupport
import Testing
import Verifier
import VirtualCard

/// `handbook-verify watch` as an inspector runs it, through pcscd and the virtual card: cards come
/// and go, one is pulled out mid-read, and pcscd is stopped and started again (its readers vanish
/// and come back). `scripts/test.sh` runs this suite alone, since it restarts the pcscd that every
/// other card test uses.
@Suite("handbook-verify watch", .serialized)
struct WatchTests {
    /// The lines a running `watch` printed, collected as they come.
    final class Watching: Sendable {
        let process = Process()
        final class Lines: Sendable {
            let list = Mutex<[String]>([])
        }
        private let lines = Lines()

        init(_ arguments: [String]) throws {
            process.executableURL = Repository.executable("handbook-verify")
            process.arguments = arguments
            process.currentDirectoryURL = Repository.root
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let lines = self.lines
            Thread.detachNewThread {
                var pending = Data()
                while true {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { return }
                    pending.append(chunk)
                    while let end = pending.firstIndex(of: 0x0A) {
                        let line = String(decoding: pending[pending.startIndex..<end], as: UTF8.self)
                        pending.removeSubrange(pending.startIndex...end)
                        lines.list.withLock { $0.append(line) }
                    }
                }
            }
        }

        var all: [String] { lines.list.withLock { $0 } }

        /// The JSON objects printed so far.
        var objects: [[String: Any]] {
            all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        /// Waits until `count` lines satisfy `predicate`; returns the last of them.
        @discardableResult
        func wait(
            for what: String, count: Int = 1, timeout: Duration = .seconds(20),
            _ predicate: ([String: Any]) -> Bool
        ) async throws -> [String: Any] {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let matching = objects.filter(predicate)
                if matching.count >= count { return matching[count - 1] }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("watch did not print \(what) within \(timeout); it printed:\n\(all.joined(separator: "\n"))")
            throw CancellationError()
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    /// Runs `scripts/pcscd.sh start` without waiting for the script: pcscd, started in its
    /// background, keeps a descriptor that makes Foundation's `waitUntilExit` wait for pcscd too.
    static func launchPCSCD() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Repository.path("scripts/pcscd.sh"), "start"]
        process.currentDirectoryURL = Repository.root
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// Starts pcscd again and waits until it answers.
    static func startPCSCD() async throws {
        try launchPCSCD()
        for _ in 0..<100 {
            if (try? PCSCContext()) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("pcscd did not start within 10 s; see .build/pcscd.log")
    }

    static func stopPCSCD() throws {
        let kill = Process()
        kill.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
        kill.arguments = ["-x", "pcscd"]
        try kill.run()
        kill.waitUntilExit()
        for _ in 0..<100 {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
            check.arguments = ["-x", "pcscd"]
            check.standardOutput = FileHandle.nullDevice
            try check.run()
            check.waitUntilExit()
            if check.terminationStatus != 0 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("pcscd did not stop")
    }

    @Test(
        "watch checks each card once, reports a card pulled mid-read as unreadable, and survives pcscd stopping and its readers coming back"
    )
    func survives() async throws {
        let t = try await TestService()
        defer { t.remove() }
        let card = try await TestSlot(slot: 0, profile: "handbook-32k", serial: "8656B00000000201", in: t.directory)
        try card.insert()
        let issuer = try #require(try await t.store.account(named: "issuer-in"))
        let issued = try await CardIssuer(store: t.store, credentials: try jiangsuCredentials()).issue(
            uscc: t.jiangsu.enterprise.uscc, reader: card.reader, by: issuer)
        try await card.remove()
        let package = try await t.exportPackage("p")
        let log = t.directory.appendingPathComponent("checks.jsonl")

        let watch = try Watching([
            "watch", "--json", "--readers", card.reader, "--package", package.path, "--log", log.path, "--count", "4",
        ])
        defer {
            watch.stop()
            // Whatever happened, leave a pcscd running for what follows.
            if (try? PCSCContext()) == nil { try? Self.launchPCSCD() }
        }
        try await watch.wait(for: "the reader") { $0["event"] as? String == "reader-attached" }
        func verdicts() -> [String] { watch.objects.compactMap { $0["verdict"] as? String } }

        // 1. A card tapped: one line, current; the card left in the reader is not checked again.
        try card.insert()
        let first = try await watch.wait(for: "a verdict") { $0["verdict"] != nil }
        #expect(first["verdict"] as? String == "current", "\(first)")
        #expect(first["documentNumber"] as? String == issued.document.value)
        try await Task.sleep(for: .seconds(2))
        #expect(verdicts() == ["current"])
        try await card.remove()

        // 2. Pulled out while its slot is read: unreadable, and watch goes on.
        try card.insert(faults: FaultPlan(removalAtCommand: 3))
        let pulled = try await watch.wait(for: "the pulled card", count: 2) { $0["verdict"] != nil }
        #expect(pulled["verdict"] as? String == "unreadable", "\(pulled)")
        try await card.remove()
        try card.insert()
        let again = try await watch.wait(for: "the card tapped again", count: 3) { $0["verdict"] != nil }
        #expect(again["verdict"] as? String == "current", "\(again)")

        // 3. pcscd stops: the reader disappears, watch says so and waits.
        try Self.stopPCSCD()
        try await watch.wait(for: "pcscd gone") { $0["event"] as? String == "pcsc-unavailable" }
        try await watch.wait(for: "the reader gone") {
            $0["event"] as? String == "reader-removed" && $0["reader"] as? String == card.reader
        }
        #expect(watch.process.isRunning)

        // 4. pcscd back: the reader returns, and the next card is checked.
        try await Self.startPCSCD()
        try await watch.wait(for: "pcscd back") { $0["event"] as? String == "pcsc-available" }
        try await watch.wait(for: "the reader back", count: 2) { $0["event"] as? String == "reader-attached" }
        try card.renewContext()
        try await card.remove()  // the card went with the old pcscd
        try card.insert()
        let back = try await watch.wait(for: "a verdict after the restart", count: 4) { $0["verdict"] != nil }
        #expect(back["verdict"] as? String == "current", "\(back)")

        // --count 4: watch ends by itself after the fourth card.
        for _ in 0..<100 where watch.process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!watch.process.isRunning)
        #expect(watch.process.terminationStatus == 0)
        #expect(verdicts() == ["current", "unreadable", "current", "current"])

        // Every check line conforms to the schema; every check is in the local log.
        let checkLines = watch.all.filter { $0.contains("\"schema\"") }
        #expect(try ReportSchema.problems(in: Data(checkLines.joined(separator: "\n").utf8)).isEmpty)
        let logged = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(logged.count == 4)
        try await card.remove()
    }
}
