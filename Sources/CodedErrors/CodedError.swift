/// What kind of failure an error is. The kind, not the error's type, decides how a failure is
/// answered: the HTTP status of the service and the exit code of the command-line tools follow from
/// it, so that one error answers alike wherever it surfaces.
public enum ErrorKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// The request itself cannot be read: malformed JSON, a missing parameter, a bad command line.
    case malformed
    /// The input breaks a rule: a malformed identifier, a date out of range, a bad field.
    case invalidInput = "invalid-input"
    /// What was asked for does not exist (or is not visible to the one asking).
    case notFound = "not-found"
    /// Nobody is logged in, or the credentials are wrong or expired.
    case unauthenticated
    /// The caller is known but may not do this.
    case forbidden
    /// The request does not fit the current state (approving a published record, a busy reader).
    case conflict
    /// The request is larger than accepted.
    case tooLarge = "too-large"
    /// Too many requests: try again later.
    case rateLimited = "rate-limited"
    /// A service the operation needs is not there (pcscd, the database server): try again later.
    case unavailable
    /// A device or service the operation talks to answered wrongly (a card breaking the protocol).
    case upstream
    /// A failure of the program or of what it runs on.
    case `internal`

    /// The process exit status of a command-line tool that stops with an error of this kind
    /// (the BSD `sysexits.h` codes).
    public var exitCode: Int32 {
        switch self {
        case .malformed: return 64  // EX_USAGE
        case .invalidInput, .conflict, .tooLarge: return 65  // EX_DATAERR
        case .notFound: return 66  // EX_NOINPUT
        case .unauthenticated, .forbidden: return 77  // EX_NOPERM
        case .unavailable, .rateLimited: return 69  // EX_UNAVAILABLE
        case .upstream: return 76  // EX_PROTOCOL
        case .internal: return 70  // EX_SOFTWARE
        }
    }
}

/// An error as a value: a stable code a program can test, the kind that decides how it is
/// answered, and a message for a person that says what went wrong and what to do next.
public protocol CodedError: Error, Sendable, CustomStringConvertible {
    /// A stable, upper-case code: `STORE_NOT_FOUND`, `ID_CHECK_CHARACTER_MISMATCH`.
    var errorCode: String { get }
    /// The kind of failure.
    var kind: ErrorKind { get }
    /// What went wrong, for a person.
    var message: String { get }
}

extension CodedError {
    public var description: String { "\(message) [\(errorCode)]" }
}

/// The kind of any error: a ``CodedError``'s own, otherwise ``ErrorKind/internal``.
public func kind(of error: any Error) -> ErrorKind {
    (error as? any CodedError)?.kind ?? .internal
}
