import HandbookCodec

/// Everything an account may ask of the credit platform, each with the roles allowed to do it.
///
/// This table is the one statement of who may do what: the store checks it in every operation,
/// and the HTTP API and the console read it to refuse early and to say what is missing. The region
/// half of the rule — the thing acted on lies inside the account's regions — is checked by the
/// store against the object itself (see ``Account/authorise(_:in:)`` and
/// ``Account/authorise(_:toSee:orNotFound:)``).
public enum Action: String, Sendable, Hashable, CaseIterable, Codable {
    case searchEnterprises = "search enterprises"
    case readEnterprise = "read enterprises"
    case readView = "read current views"
    case recordCredit = "record credit behaviour"
    case readRecord = "read credit records"
    case approveRecord = "approve credit records"
    case rejectRecord = "reject credit records"
    case publishRecord = "publish credit records"
    case withdrawRecord = "withdraw credit records"
    case amendRecord = "amend credit records"
    case requestShortening = "file shortenings of publication windows"
    case decideShortening = "decide shortenings of publication windows"
    case listReaders = "list the readers of the service host"
    case issueHandbook = "issue handbooks to cards"
    case registerCard = "register blank cards"
    case readJournal = "read the issuance journal"
    case readCard = "read card status"
    case readReference = "read a card's reference (status, document and current view)"
    case revokeCard = "revoke cards and documents"
    case readChecks = "read proofs of check"
    case sendCheck = "send proofs of check"
    case exportPackage = "download data packages"
    case importData = "import provincial data"
    case readAudit = "read the audit log"
    case manageAccounts = "manage accounts"
    case loadDemoData = "load demo data"

    /// The roles that may take this action.
    public var roles: Set<Role> {
        switch self {
        case .searchEnterprises, .readEnterprise: return Set(Role.allCases).subtracting([.auditor])
        case .readView: return [.inspector, .issuer, .approver, .recorder, .admin]
        case .recordCredit: return [.recorder]
        case .readRecord: return [.recorder, .approver, .auditor, .admin]
        case .approveRecord, .rejectRecord, .publishRecord, .withdrawRecord, .amendRecord: return [.approver]
        case .requestShortening: return [.recorder, .approver]
        case .decideShortening: return [.approver]
        case .listReaders: return [.issuer, .admin]
        case .issueHandbook: return [.issuer]
        case .registerCard, .revokeCard: return [.issuer, .admin]
        case .readJournal: return [.issuer, .admin, .auditor]
        case .readCard: return [.inspector, .issuer, .admin, .auditor]
        // Card status and current view together: the roles that may read both.
        case .readReference: return Action.readCard.roles.intersection(Action.readView.roles)
        case .readChecks: return [.auditor, .admin, .issuer]
        case .sendCheck: return [.inspector, .issuer, .admin]
        case .exportPackage: return [.inspector, .issuer, .approver, .admin]
        case .importData: return [.admin, .approver]
        case .readAudit: return [.auditor, .admin]
        case .manageAccounts, .loadDemoData: return [.admin]
        }
    }

    /// Whether `role` may take this action.
    public func allows(_ role: Role) -> Bool { roles.contains(role) }
}

extension Account {
    /// Throws unless the account is enabled and its role may take `action` (the region is checked
    /// separately, against the object).
    public func require(_ action: Action) throws(StoreError) {
        guard !disabled else { throw StoreError(.unknownAccount, "account \(name) is disabled") }
        guard action.allows(role) else {
            throw StoreError(
                .forbidden,
                "account \(name) is a \(role.rawValue); to \(action.rawValue) takes a \(action.roles.map(\.rawValue).sorted().joined(separator: " or "))"
            )
        }
    }

    /// For creating something in `region` (a record of a city, an account, an import of a province):
    /// throws unless the role may take `action` and the account acts for `region`. The refusal
    /// names the region, since the caller chose it.
    public func authorise(_ action: Action, in region: RegionCode) throws(StoreError) {
        try require(action)
        guard scope.covers(region) else {
            throw StoreError(
                .forbidden,
                "account \(name) acts for \(scope), not for region \(region.code); it may not \(action.rawValue) there")
        }
    }

    /// For something that exists and lies in `region` (nil: it belongs to no region, which only an
    /// account acting for every province may see): throws unless the role may take `action`, and
    /// answers exactly as if the thing did not exist when it lies outside the account's regions —
    /// so that nobody learns from a refusal what another province holds.
    public func authorise(_ action: Action, toSee region: RegionCode?, orNotFound message: @autoclosure () -> String)
        throws(StoreError)
    {
        try require(action)
        guard sees(region) else { throw StoreError(.notFound, message()) }
    }

    /// Whether something of `region` lies inside the account's regions; something of no region only
    /// for an account acting for every province.
    public func sees(_ region: RegionCode?) -> Bool {
        guard let region else { return scope.coversEveryProvince }
        return scope.covers(region)
    }
}

extension RegionScope {
    /// Whether every region of `other` lies inside this scope: an admin may manage an account only
    /// when it does, and never grant a region it does not hold itself.
    public func contains(_ other: RegionScope) -> Bool {
        other.regions.allSatisfy(covers)
    }

    /// Whether the scope covers every province of the platform (an account of the regional centre).
    public var coversEveryProvince: Bool {
        RegionScope.platformProvinces.allSatisfy(covers)
    }

    /// The one region the scope names, when it names one: where an account's audit entries belong.
    public var single: RegionCode? { regions.count == 1 ? regions.first : nil }

    /// The provinces of the platform: Shanghai, Jiangsu, Zhejiang.
    public static let platformProvinces: [RegionCode] = ["310000", "320000", "330000"].compactMap {
        try? RegionCode($0)
    }
}
