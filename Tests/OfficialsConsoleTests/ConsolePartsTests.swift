import Foundation
import NIOCore
import PropertyBased
import Testing

@testable import OfficialsConsole

/// The console's parts that take outside input or keep time, without a server: forms as a
/// browser (or an attacker) sends them, and session lifetimes on a clock the test moves.
@Suite("console parts")
struct ConsolePartsTests {
    @Test("URL-encoded forms: + and %XX decoded, repeated fields kept, bad encodings and floods refused")
    func urlEncoded() throws {
        let form = try FormFields(urlEncoded: Array("a=1+2&b=%E8%8B%8F&c=&a=3&csrf=ff".utf8))
        #expect(form["a"] == "1 2")
        #expect(form.all("a") == ["1 2", "3"])
        #expect(form["b"] == "苏")
        #expect(form["c"] == "")
        #expect(form.text("c") == nil)
        #expect(form["missing"] == nil)
        #expect(throws: (any Error).self) { try FormFields(urlEncoded: Array("a=%E8%8".utf8)) }
        let flood = (0..<300).map { "f\($0)=1" }.joined(separator: "&")
        #expect(throws: (any Error).self) { try FormFields(urlEncoded: Array(flood.utf8)) }
        let long = "a=" + String(repeating: "x", count: FormFields.maximumValueBytes + 1)
        #expect(throws: (any Error).self) { try FormFields(urlEncoded: Array(long.utf8)) }
    }

    @Test("multipart uploads: fields and one file, CRLF kept inside the file, broken bodies refused")
    func multipart() throws {
        let boundary = "----b0undary"
        let body =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../320000-x.jsonl\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\nline 1\r\nline 2\n\r\n--\(boundary)--\r\n"
        let form = try FormFields(multipart: ByteBuffer(string: body), boundary: boundary)
        #expect(form["csrf"] == "abc")
        let file = try #require(form.file)
        #expect(file.name == "../../320000-x.jsonl")
        #expect(String(buffer: file.bytes) == "line 1\r\nline 2\n")
        #expect(throws: (any Error).self) {
            try FormFields(multipart: ByteBuffer(string: "no boundary here"), boundary: boundary)
        }
        let two =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n1\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"g\"; filename=\"b\"\r\n\r\n2\r\n--\(boundary)--"
        #expect(throws: (any Error).self) { try FormFields(multipart: ByteBuffer(string: two), boundary: boundary) }
        // A body whose only part never completes (its headers never end) is refused.
        let torn = "--\(boundary)\r\nContent-Disposition: form-data; name=\"x\"\r\n--\(boundary)--"
        #expect(throws: (any Error).self) { try FormFields(multipart: ByteBuffer(string: torn), boundary: boundary) }
    }

    @Test("arbitrary bytes, as forms and as multipart bodies: parsed or refused, never a crash; values bounded")
    func arbitraryBodies() async {
        // Bytes drawn from the characters that steer the parsers, so that structure is likely.
        let alphabet = Array("a=&%+E8\r\n-\";:b".utf8) + [0x00, 0xFF, 0xE8, 0x8B]
        let boundary = "b"
        await propertyCheck(count: 3_000, input: Gen.uint8(in: 0...UInt8(alphabet.count - 1)).array(of: 0...200)) {
            indices in
            let bytes = indices.map { alphabet[Int($0)] }
            if let form = try? FormFields(urlEncoded: bytes) {
                #expect(form.values.count <= FormFields.maximumFields)
                #expect(
                    form.values.values.allSatisfy { $0.allSatisfy { $0.utf8.count <= FormFields.maximumValueBytes } })
            }
            let framed =
                Array("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n".utf8) + bytes
                + Array("\r\n--b--".utf8)
            for body in [bytes, framed] {
                if let form = try? FormFields(multipart: ByteBuffer(bytes: body), boundary: boundary) {
                    #expect((form.file?.bytes.readableBytes ?? 0) <= body.count)
                }
            }
        }
    }

    @Test("sessions end after the idle time, and after the lifetime however busy; tokens are random")
    func sessions() async throws {
        let clock = TestClock()
        let sessions = ConsoleSessions(idle: 60, lifetime: 300, clock: { clock.now })
        let first = try await sessions.open(for: "approver")
        let second = try await sessions.open(for: "approver")
        #expect(first.id != second.id && first.csrf != second.csrf && first.id.count == 64)
        clock.advance(59)
        #expect(await sessions.session(first.id)?.csrf == first.csrf)
        clock.advance(59)
        #expect(await sessions.session(first.id) != nil, "a request counts as activity")
        #expect(await sessions.session(second.id) == nil, "idle for 118 s")
        for _ in 0..<5 {
            clock.advance(50)
            _ = await sessions.session(first.id)
        }
        #expect(await sessions.session(first.id) == nil, "past the absolute lifetime")
        #expect(await sessions.session("zz") == nil)
        #expect(await sessions.session(String(repeating: "A", count: 64)) == nil)
        let third = try await sessions.open(for: "recorder")
        await sessions.closeAll(of: "recorder")
        #expect(await sessions.session(third.id) == nil)
    }

    @Test("a form's token matches only the session's, and never when empty")
    func tokens() {
        #expect(tokenMatches("abc", "abc"))
        #expect(!tokenMatches("abc", "abd"))
        #expect(!tokenMatches("", ""))
        #expect(!tokenMatches("abc", "abcd"))
    }
}

final class TestClock: @unchecked Sendable {
    // @unchecked: the lock guards the one stored value.
    private let lock = NSLock()
    private var value = Date(timeIntervalSince1970: 1_800_000_000)

    var now: Date { lock.withLock { value } }
    func advance(_ seconds: TimeInterval) { lock.withLock { value += seconds } }
}
