import CardReader
import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookCrypto
import Hummingbird
import NIOCore

/// An error of the service, as the API answers it: an HTTP status, a stable code and a message
/// that says what to do next. `{"error":{"code":"…","message":"…","issues":[…]}}`.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let issues: [ImportIssue]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, issues: [ImportIssue] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.issues = issues
    }

    public var description: String { "\(message) [\(code)]" }

    static let unauthenticated = ServiceError(
        .unauthorized, "AUTH_REQUIRED", "log in at POST /v1/login and send the token as `Authorization: Bearer …`")

    /// The error a store failure becomes.
    public init(_ error: StoreError) {
        let status: HTTPResponse.Status
        switch error.code {
        case .notFound: status = .notFound
        case .invalidInput, .importRejected: status = .unprocessableContent
        case .forbidden: status = .forbidden
        case .unknownAccount: status = .unauthorized
        case .conflict: status = .conflict
        case .fileUnreadable, .incompatibleDatabase, .database: status = .internalServerError
        }
        self.init(status, error.code.rawValue, error.message, issues: error.issues)
    }

    /// The error a card failure becomes.
    public init(_ error: CardError) {
        switch error.code {
        case .serviceUnavailable:
            self.init(.serviceUnavailable, error.code.rawValue, error.description)
        case .noReader, .noCard, .cardRemoved, .sharingViolation:
            self.init(.conflict, error.code.rawValue, error.description)
        default:
            self.init(.badGateway, error.code.rawValue, error.description)
        }
    }

    /// Any error as the service reports it.
    public static func from(_ error: any Error) -> ServiceError {
        switch error {
        case let error as ServiceError: return error
        case let error as StoreError: return ServiceError(error)
        case let error as CardError: return ServiceError(error)
        case let error as CardReadError:
            switch error {
            case .transport(let card): return ServiceError(card)
            case .content(let content): return ServiceError(.conflict, "CARD_CONTENT", content.description)
            }
        case let error as SigningError:
            return ServiceError(.unprocessableContent, error.code, error.description)
        case let error as IdentifierError:
            return ServiceError(.unprocessableContent, "INVALID_IDENTIFIER", error.description)
        case is NIOTooManyBytesError:
            return ServiceError(
                .contentTooLarge, "BODY_TOO_LARGE", "the request body is larger than the service accepts")
        case let error as HTTPError:
            return ServiceError(
                error.status, error.status == .notFound ? "NOT_FOUND" : "HTTP_\(error.status.code)",
                error.body ?? error.status.reasonPhrase)
        default:
            return ServiceError(.internalServerError, "INTERNAL", "an internal error; the service log has the details")
        }
    }

    struct Body: Encodable {
        struct Inner: Encodable {
            let code: String
            let message: String
            let issues: [ImportIssue]?
        }
        let error: Inner
    }

    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data =
            (try? encoder.encode(
                Body(error: .init(code: code, message: message, issues: issues.isEmpty ? nil : issues))))
            ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
