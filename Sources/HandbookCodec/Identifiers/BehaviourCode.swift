/// A behaviour code of the national 认定标准 (建市[2007]9号): `D1-1-03` is party D1 (施工单位),
/// category 1 (资质), item 03.
///
/// Any code of that shape with a party letter A–G is accepted; codes the shipped table
/// (`Resources/behaviour-codes.tsv`) does not list are local codes, flagged by ``isNational`` and a
/// warning, as provinces extend the national table with their own items.
public struct BehaviourCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The code, `D1-1-03`.
    public let code: String

    /// Validates the shape `<A–G>1-<category>-<2-digit item>`.
    public init(_ text: String) throws(IdentifierError) {
        let characters = Array(text)
        func fail(_ position: Int, _ detail: String) -> IdentifierError {
            IdentifierError(
                .behaviourCode, .invalidFormat, position: position, rule: "认定标准 code shape <A–G>1-<category>-<item>",
                detail: detail)
        }
        guard let party = characters.first, ("A"..."G").contains(party) else {
            throw fail(1, "a party letter A–G expected")
        }
        guard characters.count > 1, characters[1] == "1" else { throw fail(2, "\"1\" after the party letter expected") }
        guard characters.count > 2, characters[2] == "-" else { throw fail(3, "\"-\" expected") }
        var index = 3
        while index < characters.count, characters[index].digitValue != nil, index < 5 { index += 1 }
        guard index > 3 else { throw fail(4, "a category number expected") }
        guard characters[3] != "0" else { throw fail(4, "a category number from 1 expected") }
        guard index < characters.count, characters[index] == "-" else {
            throw fail(index + 1, "\"-\" after a category of 1–2 digits expected")
        }
        let item = characters[(index + 1)...]
        guard item.count == 2, item.allSatisfy({ $0.digitValue != nil }) else {
            throw fail(index + 2, "a two-digit item number expected")
        }
        guard item != ["0", "0"] else { throw fail(index + 2, "an item number from 01 expected") }
        code = text
    }

    /// The party, `D1`.
    public var party: String { String(code.prefix(2)) }

    /// The category code, `D1-1`.
    public var category: String { String(code.prefix(while: { $0 != "-" })) + "-" + code.split(separator: "-")[1] }

    /// Whether the national table lists this code.
    public var isNational: Bool { BehaviourTable.items[code] != nil }

    /// The national description of the behaviour, for a listed code.
    public var behaviourDescription: String? { BehaviourTable.items[code] }

    /// The party's name, 施工单位.
    public var partyName: String? { BehaviourTable.parties[party] }

    /// The category's name, 资质, if listed.
    public var categoryName: String? { BehaviourTable.categories[category] }

    /// The categories of the national table (`D1-1` 资质 …), in the table's order, for a filter.
    public static var categories: [(code: String, name: String)] { BehaviourTable.categoryList }

    /// Every behaviour of the national table with its description, in the table's order.
    public static var national: [(code: String, description: String)] { BehaviourTable.itemList }

    /// A warning for a local code; empty for a national one.
    public var warnings: [IdentifierWarning] {
        isNational
            ? []
            : [
                IdentifierWarning(
                    code: "BEHAVIOUR_LOCAL_CODE",
                    message: "\(code) is not in the national table: treated as a local (provincial) code")
            ]
    }

    public var description: String { code }

    public static func < (lhs: BehaviourCode, rhs: BehaviourCode) -> Bool { lhs.code < rhs.code }
}

enum BehaviourTable {
    private static let rows = ResourceFile.rows(PackageResources.behaviour_codes_tsv, columns: 4)

    private static func descriptions(ofKind kind: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: rows.filter { $0[1] == kind }.map { ($0[0], $0[3]) })
    }

    static let parties = descriptions(ofKind: "party")
    static let categories = descriptions(ofKind: "category")
    static let items = descriptions(ofKind: "item")
    static let categoryList = rows.filter { $0[1] == "category" }.map { (code: $0[0], name: $0[3]) }
    static let itemList = rows.filter { $0[1] == "item" }.map { (code: $0[0], description: $0[3]) }
}
