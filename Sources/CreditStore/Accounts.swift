import HandbookCodec

/// What an account may do (DESIGN.md §6). Every account has one role, scoped to regions.
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

    /// The prefix a region code shares with everything it covers: 32 for 320000, 3205 for 320500.
    static func prefix(of region: RegionCode) -> Substring {
        var code = Substring(region.code)
        while code.count > 2, code.hasSuffix("00") { code = code.dropLast(2) }
        return code
    }

    /// Whether `region` lies inside one of the scope's regions.
    public func covers(_ region: RegionCode) -> Bool {
        regions.contains { region.code.hasPrefix(Self.prefix(of: $0)) }
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

    /// Throws unless the account is enabled, has one of `roles` and covers `region`.
    public func authorise(_ roles: Set<Role>, for region: RegionCode?, to action: String) throws(StoreError) {
        guard !disabled else { throw StoreError(.unknownAccount, "account \(name) is disabled") }
        guard roles.contains(role) else {
            throw StoreError(
                .forbidden,
                "account \(name) is a \(role.rawValue); to \(action) takes a \(roles.map(\.rawValue).sorted().joined(separator: " or "))"
            )
        }
        if let region, !scope.covers(region) {
            throw StoreError(
                .forbidden, "account \(name) acts for \(scope), not for region \(region.code); it may not \(action)")
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
