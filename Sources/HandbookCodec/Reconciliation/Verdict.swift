/// The verdict on a checked card (Docs/ARCHITECTURE.md §8), each with a stable exit code.
public enum Verdict: String, Sendable, Hashable, CaseIterable, Codable {
    /// Genuine, unaltered, and what the database says now.
    case current
    /// Genuine, but the database has moved on (differences, a superseded document).
    case outdated
    /// Genuine, but past its expiry date.
    case expired
    /// The card or its document was revoked.
    case revoked
    /// A torn write left no valid document.
    case incompleteIssuance = "incomplete-issuance"
    /// Not to be trusted: format, signature, chain, a clone, another card's document.
    case invalid
    /// No card, or the reader failed.
    case unreadable
    /// Genuine, but nothing to compare it with (offline without a usable package).
    case freshnessUnknown = "freshness-unknown"

    /// The process exit code of the verdict.
    public var exitCode: Int32 {
        switch self {
        case .current: return 0
        case .outdated: return 1
        case .expired: return 2
        case .revoked: return 3
        case .incompleteIssuance: return 4
        case .invalid: return 5
        case .unreadable: return 6
        case .freshnessUnknown: return 7
        }
    }

    /// The verdict in Chinese.
    public var chineseName: String {
        switch self {
        case .current: return "有效且为最新"
        case .outdated: return "信息已过时"
        case .expired: return "已过期"
        case .revoked: return "已吊销"
        case .incompleteIssuance: return "写卡未完成"
        case .invalid: return "无效"
        case .unreadable: return "无法读取"
        case .freshnessUnknown: return "无法确认是否最新"
        }
    }
}
