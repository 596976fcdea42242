import CodedErrors

/// A store operation that failed: a stable code, a message that says what to do next, and for an
/// import every problem found, each with its file, line and field.
public struct StoreError: CodedError, Hashable {
    /// The stable codes.
    public enum Code: String, Sendable, Hashable, CaseIterable, Codable {
        /// Nothing with that key exists.
        case notFound = "STORE_NOT_FOUND"
        /// A value failed validation (an identifier, a date, a window).
        case invalidInput = "STORE_INVALID_INPUT"
        /// The account may not do this (role or region).
        case forbidden = "STORE_FORBIDDEN"
        /// The account is disabled or unknown.
        case unknownAccount = "STORE_UNKNOWN_ACCOUNT"
        /// The operation does not apply in the current state (approving a published record).
        case conflict = "STORE_CONFLICT"
        /// An import file was refused; nothing of it was applied.
        case importRejected = "STORE_IMPORT_REJECTED"
        /// The file could not be read.
        case fileUnreadable = "STORE_FILE_UNREADABLE"
        /// The database file is not a credit database of a version this program knows.
        case incompatibleDatabase = "STORE_INCOMPATIBLE_DATABASE"
        /// The database is busy beyond the time a request may wait: try again.
        case busy = "STORE_BUSY"
        /// SQLite failed.
        case database = "STORE_DATABASE"
        /// The program broke one of its own rules.
        case `internal` = "STORE_INTERNAL"
    }

    public let code: Code
    public let message: String
    /// For ``Code/importRejected``: every problem found (at most ``ImportLimits/maximumIssues``).
    public let issues: [ImportIssue]

    public init(_ code: Code, _ message: String, issues: [ImportIssue] = []) {
        self.code = code
        self.message = message
        self.issues = issues
    }

    public var errorCode: String { code.rawValue }

    public var kind: ErrorKind {
        switch code {
        case .notFound: return .notFound
        case .invalidInput, .importRejected: return .invalidInput
        case .forbidden: return .forbidden
        case .unknownAccount: return .unauthenticated
        case .conflict: return .conflict
        case .fileUnreadable: return .notFound
        case .busy: return .unavailable
        case .incompatibleDatabase, .database, .internal: return .internal
        }
    }

    public var description: String {
        var text = "\(message) [\(code.rawValue)]"
        for issue in issues { text += "\n  " + issue.description }
        return text
    }
}

/// One problem in an import file.
public struct ImportIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file's name as given.
    public let file: String
    /// The 1-based line.
    public let line: Int
    /// The field, `registrations[1].registrationNumber`, or empty for the line as a whole.
    public let field: String
    public let message: String

    public init(file: String, line: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        "\(file):\(line): " + (field.isEmpty ? "" : "\(field): ") + message
    }
}
