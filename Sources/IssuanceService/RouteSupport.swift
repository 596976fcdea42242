import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import Hummingbird
import NIOCore

// What every route does before its own work, written once: the account must be logged in and its
// role must allow the action (the table of ``Action``); a JSON body is decoded with the failing
// field named; path and query parameters are validated with their names. The region half of the
// rule is the store's, against the object itself.

extension RouterMethods where Context == ServiceContext {
    /// A route for `action`: 401 without a session, 403 when the account's role may not take the
    /// action, then `handler` with the account.
    @discardableResult
    func route(
        _ method: HTTPRequest.Method, _ path: RouterPath, _ action: Action?,
        _ handler: @Sendable @escaping (Request, ServiceContext, Account) async throws -> some ResponseGenerator
    ) -> Self {
        on(path, method: method) { request, context in
            let account = try context.requireAccount()
            if let action { try account.require(action) }
            return try await handler(request, context, account)
        }
    }

    /// A route for `action` whose request body is the JSON object `Body`.
    @discardableResult
    func route<Body: Decodable & Sendable>(
        _ method: HTTPRequest.Method, _ path: RouterPath, _ action: Action?, body: Body.Type,
        _ handler: @Sendable @escaping (Body, ServiceContext, Account) async throws -> some ResponseGenerator
    ) -> Self {
        route(method, path, action) { request, context, account in
            try await handler(try await decode(Body.self, request, context), context, account)
        }
    }
}

/// A JSON response body with a status.
struct JSONBody<Value: Encodable & Sendable>: ResponseGenerator {
    let value: Value
    let status: HTTPResponse.Status

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Reads the request body (at most the context's limit) as JSON; an empty body is `{}` when allowed.
func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: ServiceContext) async throws -> T {
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    var bytes = Array(buffer.readableBytesView)
    if bytes.isEmpty { bytes = Array("{}".utf8) }
    do {
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch let error as DecodingError {
        throw ServiceError(.malformed, "BAD_JSON", "the request body is not a valid \(T.self): \(describe(error))")
    }
}

/// Runs a validation that names its field when it fails (422).
func field<T>(_ name: String, _ make: () throws -> T) throws -> T {
    do {
        return try make()
    } catch let error as any CodedError where error.kind == .invalidInput {
        throw ServiceError(.invalidInput, "INVALID_FIELD", "\(name): \(error.message)")
    }
}

/// A `YYYY-MM-DD` field.
func parseDate(_ text: String, _ name: String) throws -> CardDate {
    try field(name) { try CardDate(iso: text) }
}

/// A choice among names (a record kind, an authority level).
func choice<T>(_ name: String, _ value: String, _ options: [T], _ optionName: (T) -> String) throws -> T {
    guard let found = options.first(where: { optionName($0) == value }) else {
        throw ServiceError(
            .invalidInput, "INVALID_FIELD",
            "\(name): \"\(LogText.escaped(value, limit: 40))\" is not one of \(options.map(optionName).joined(separator: ", "))"
        )
    }
    return found
}

extension ServiceContext {
    /// A path parameter made into its type; a value that is not one is 422 naming the parameter.
    func parameter<T>(_ name: String, _ make: (String) throws -> T) throws -> T {
        let text = try parameters.require(name)
        return try field(name) { try make(text) }
    }
}

extension Request {
    /// A whole-number query parameter within `range`, or `defaultValue` when absent; anything else
    /// is 400 naming the parameter.
    func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = uri.queryParameters.get(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ServiceError(
                .malformed, "BAD_PARAMETER",
                "\(name): a whole number from \(range.lowerBound) to \(range.upperBound) expected, found \"\(LogText.escaped(text, limit: 24))\""
            )
        }
        return value
    }

    /// A text query parameter of at most `maximum` characters, or nil when absent or empty.
    func text(_ name: String, maximum: Int) throws -> String? {
        guard let text = uri.queryParameters.get(name), !text.isEmpty else { return nil }
        guard text.count <= maximum else {
            throw ServiceError(.malformed, "BAD_PARAMETER", "\(name): at most \(maximum) characters")
        }
        return text
    }
}
