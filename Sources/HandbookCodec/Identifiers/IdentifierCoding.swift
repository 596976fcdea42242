/// Identifiers travel in JSON as their plain strings, and are validated again when decoded.
protocol StringIdentifier: Codable {
    init(_ text: String) throws(IdentifierError)
    var codingValue: String { get }
}

extension StringIdentifier {
    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(codingValue)
    }
}

extension USCC: StringIdentifier {
    init(_ text: String) throws(IdentifierError) { try self.init(text, mode: .strict) }
    var codingValue: String { value }
}

extension OrganizationCode: StringIdentifier {
    var codingValue: String { description }
}

extension RegistrationNumber: StringIdentifier {
    var codingValue: String { value }
}

extension RegionCode: StringIdentifier {
    var codingValue: String { code }
}

extension BehaviourCode: StringIdentifier {
    var codingValue: String { code }
}
