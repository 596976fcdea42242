import CodedErrors
import Foundation
import Hummingbird
import IssuanceService
import MultipartKit
import NIOCore

/// The fields of a submitted form (`application/x-www-form-urlencoded`), and of a file upload
/// (`multipart/form-data`): bounded in count and length, every value kept as typed.
struct FormFields: Sendable {
    private(set) var values: [String: [String]] = [:]
    /// An uploaded file: its name as the browser gave it and its bytes.
    var file: (name: String, bytes: ByteBuffer)?

    static let maximumFields = 200
    static let maximumValueBytes = 16 * 1024
    /// The largest body a form other than an upload may have.
    static let maximumFormBytes = 256 * 1024

    subscript(_ name: String) -> String? { values[name]?.first }

    /// Every value of a repeated field (check boxes).
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// A field's value with surrounding white space removed; nil when absent or empty.
    func text(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    init() {}

    /// Parses a URL-encoded body: `+` is a space, `%XX` a byte; a pair that does not decode is refused.
    init(urlEncoded bytes: some Collection<UInt8>) throws {
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard values.count < Self.maximumFields else {
                throw ServiceError(
                    .malformed, "FORM_TOO_MANY_FIELDS", "the form has more than \(Self.maximumFields) fields")
            }
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            guard value.utf8.count <= Self.maximumValueBytes else {
                throw ServiceError(
                    .malformed, "FORM_FIELD_TOO_LONG", "\(name.prefix(40)): longer than the form accepts")
            }
            values[name, default: []].append(value)
        }
    }

    static func decode(_ bytes: some Collection<UInt8>) throws -> String {
        let text = String(decoding: bytes.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        guard let decoded = text.removingPercentEncoding else {
            throw ServiceError(.malformed, "FORM_ENCODING", "a form field is not URL-encoded correctly")
        }
        return decoded
    }

    /// Parses a `multipart/form-data` body (with Vapor's MultipartKit parser): text fields and at
    /// most one file; a body in which no part completes is refused.
    init(multipart buffer: ByteBuffer, boundary: String) throws {
        let parser = MultipartParser(boundary: boundary)
        var headers: [(String, String)] = []
        var body = ByteBuffer()
        var parts: [(headers: [(String, String)], body: ByteBuffer)] = []
        parser.onHeader = { name, value in headers.append((name, value)) }
        parser.onBody = { chunk in body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.append((headers, body))
            headers = []
            body = ByteBuffer()
        }
        do {
            try parser.execute(buffer)
        } catch {
            throw ServiceError(.malformed, "FORM_MULTIPART", "the upload is not a valid multipart/form-data body")
        }
        guard !parts.isEmpty else {
            throw ServiceError(.malformed, "FORM_MULTIPART", "the upload is not a complete multipart/form-data body")
        }
        for part in parts {
            guard
                let disposition = part.headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
                let name = Self.parameter("name", in: Substring(disposition))
            else { continue }
            if let fileName = Self.parameter("filename", in: Substring(disposition)) {
                guard file == nil else {
                    throw ServiceError(.malformed, "FORM_MULTIPART", "upload one file at a time")
                }
                file = (fileName, part.body)
            } else {
                guard values.count < Self.maximumFields, part.body.readableBytes <= Self.maximumValueBytes else {
                    throw ServiceError(
                        .malformed, "FORM_FIELD_TOO_LONG", "\(name.prefix(40)): longer than the form accepts")
                }
                values[name, default: []].append(String(buffer: part.body))
            }
        }
    }

    /// `name="value"` of a Content-Disposition header.
    static func parameter(_ name: String, in header: Substring) -> String? {
        for piece in header.split(separator: ";") {
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix(name + "=") else { continue }
            var value = trimmed.dropFirst(name.count + 1)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }

    /// The form of a request: URL-encoded (at most ``maximumFormBytes``), or multipart up to `uploadLimit`.
    static func read(_ request: inout Request, uploadLimit: Int) async throws -> FormFields {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            guard let original = request.headers[.contentType],
                let boundary = Self.parameter("boundary", in: Substring(original)), !boundary.isEmpty,
                boundary.utf8.count <= 70
            else {
                throw ServiceError(.malformed, "FORM_MULTIPART", "a multipart upload needs its boundary")
            }
            let buffer = try await request.collectBody(upTo: uploadLimit)
            return try FormFields(multipart: buffer, boundary: boundary)
        }
        let buffer = try await request.collectBody(upTo: maximumFormBytes)
        return try FormFields(urlEncoded: buffer.readableBytesView)
    }
}
