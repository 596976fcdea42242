import CodedErrors
import HandbookCodec

/// What an account may do (Docs/ARCHITECTURE.md §7). Every account has one role, scoped to regions.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    /// A city bureau that records credit behaviour (采集).
    case recorder
    /// The provincial authority that approves and publishes records (审核, 发布).
    case approver
    /// A licensing office that issues cards.
    case issuer
    /// A site inspector who checks cards.
    case inspector
    /// Reads the audit log.
    case auditor
    /// Manages accounts, imports and exports.
    case admin
}

/// The regions an account acts for. A province code (320000) covers the whole province, a city
/// code (320500) its districts, a district code itself.
public struct RegionScope: Sendable, Hashable, Codable, CustomStringConvertible {
    public let regions: [RegionCode]

    public init(_ regions: [RegionCode]) {
        self.regions = regions.sorted { $0.code < $1.code }
    }

    /// Whether `region` lies inside one of the scope's regions.
    public func covers(_ region: RegionCode) -> Bool {
        regions.contains { $0.covers(region) }
    }

    /// The codes, comma-separated: how the scope is stored.
    public var description: String { regions.map(\.code).joined(separator: ",") }

    /// Parses comma-separated region codes.
    public init(parsing text: String) throws(StoreError) {
        var regions: [RegionCode] = []
        for part in text.split(separator: ",") {
            do {
                regions.append(try RegionCode(String(part.trimmingWhitespace())))
            } catch {
                throw StoreError(.invalidInput, "region \"\(part)\": \(error)")
            }
        }
        guard !regions.isEmpty else { throw StoreError(.invalidInput, "an account needs at least one region") }
        self.init(regions)
    }
}

/// An account of the credit platform (身份认证).
public struct Account: Sendable, Hashable, Codable {
    public let id: Int64
    /// The login name.
    public let name: String
    public let role: Role
    public let scope: RegionScope
    public let disabled: Bool

    public init(id: Int64, name: String, role: Role, scope: RegionScope, disabled: Bool) {
        self.id = id
        self.name = name
        self.role = role
        self.scope = scope
        self.disabled = disabled
    }

}

/// The rules for login names and passwords.
public enum Credentials {
    /// A login name: 1–64 characters of lowercase ASCII letters, digits, `.`, `_` and `-`, starting
    /// with a letter or digit. Nothing else is allowed, so no two names can look alike (no Cyrillic
    /// `а` for a Latin `a`, no names differing only by case, no invisible characters).
    public static func validate(name: String) throws(StoreError) {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count),
            bytes.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || "._-".utf8.contains($0) }),
            let first = bytes.first, (0x61...0x7A).contains(first) || (0x30...0x39).contains(first)
        else {
            throw StoreError(
                .invalidInput,
                "account name \"\(LogText.escaped(name, limit: 64))\": 1–64 lowercase letters a–z, digits, '.', '_' or '-', starting with a letter or digit"
            )
        }
    }

    /// The shortest password accepted.
    public static let minimumPasswordLength = 12
    /// The longest password accepted (scrypt reads all of it).
    public static let maximumPasswordBytes = 1_024

    /// A password: at least 12 characters, not only spaces, at most 1 KiB.
    public static func validate(password: String) throws(StoreError) {
        guard password.count >= minimumPasswordLength else {
            throw StoreError(
                .invalidInput, "a password has at least \(minimumPasswordLength) characters")
        }
        guard password.utf8.count <= maximumPasswordBytes else {
            throw StoreError(.invalidInput, "a password has at most \(maximumPasswordBytes) bytes")
        }
        guard password.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw StoreError(.invalidInput, "a password of only spaces is not a password")
        }
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var text = self
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return text
    }
}
