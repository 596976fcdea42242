import CardReader
import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import Hummingbird
import ISO7816
import NIOCore
import NIOHTTP1

/// An error of the service, as the API answers it: a stable code, a message that says what to do
/// next and the kind, from which the HTTP status follows. `{"error":{"code":"…","message":"…","issues":[…]}}`.
public struct ServiceError: CodedError {
    public let errorCode: String
    public let kind: ErrorKind
    public let message: String
    public let issues: [ImportIssue]
    /// Hummingbird's own answers (no such route, method not allowed) keep their status.
    let statusOverride: HTTPResponse.Status?

    public init(_ kind: ErrorKind, _ code: String, _ message: String, issues: [ImportIssue] = []) {
        self.kind = kind
        self.errorCode = code
        self.message = message
        self.issues = issues
        self.statusOverride = nil
    }

    init(status: HTTPResponse.Status, code: String, message: String) {
        self.kind = status.code >= 500 ? .internal : .malformed
        self.errorCode = code
        self.message = message
        self.issues = []
        self.statusOverride = status
    }

    /// The stable code (what clients test).
    public var code: String { errorCode }

    /// The HTTP status of the answer.
    public var status: HTTPResponse.Status { statusOverride ?? kind.httpStatus }

    static let unauthenticated = ServiceError(
        .unauthenticated, "AUTH_REQUIRED",
        "log in at POST /v1/login and send the token as `Authorization: Bearer …`")

    /// Any error as the service reports it: a coded error keeps its code, message and kind; anything
    /// else is an internal error whose details go to the log only.
    public static func from(_ error: any Error) -> ServiceError {
        switch error {
        case let error as ServiceError: return error
        case let error as StoreError:
            return ServiceError(error.kind, error.errorCode, error.message, issues: error.issues)
        case let error as any CodedError: return ServiceError(error.kind, error.errorCode, error.message)
        case let error as HTTPParserError:
            // Broken framing in the body (a chunk size that is not hexadecimal, …): the client's fault.
            return ServiceError(.malformed, "BAD_FRAMING", "the request's HTTP framing is malformed: \(error)")
        case is NIOTooManyBytesError:
            return ServiceError(.tooLarge, "BODY_TOO_LARGE", "the request body is larger than the service accepts")
        case let error as HTTPError:
            if error.status == .notFound {
                return ServiceError(.notFound, "NOT_FOUND", "no such route")
            }
            return ServiceError(
                status: error.status, code: "HTTP_\(error.status.code)",
                message: error.body ?? error.status.reasonPhrase)
        default:
            return ServiceError(.internal, "INTERNAL", "an internal error; the service log has the details")
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

extension ErrorKind {
    /// The HTTP status an error of this kind is answered with.
    public var httpStatus: HTTPResponse.Status {
        switch self {
        case .malformed: return .badRequest
        case .invalidInput: return .unprocessableContent
        case .notFound: return .notFound
        case .unauthenticated: return .unauthorized
        case .forbidden: return .forbidden
        case .conflict: return .conflict
        case .tooLarge: return .contentTooLarge
        case .rateLimited: return .tooManyRequests
        case .unavailable: return .serviceUnavailable
        case .upstream: return .badGateway
        case .internal: return .internalServerError
        }
    }
}
