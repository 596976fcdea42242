import CodedErrors

/// Why bytes are not a valid handbook document: which field, at which byte, and what was wrong.
public struct HandbookFormatError: CodedError, Hashable {
    /// A stable code for each kind of format failure.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The bytes are not well-formed BER-TLV.
        case malformedTLV = "FORMAT_MALFORMED_TLV"
        /// Not the two elements of a document, content then signature.
        case wrongStructure = "FORMAT_WRONG_STRUCTURE"
        /// A format version this reader does not know.
        case unsupportedVersion = "FORMAT_UNSUPPORTED_VERSION"
        /// A required field is absent.
        case missingField = "FORMAT_MISSING_FIELD"
        /// A field that does not belong where it is (unknown, repeated or out of order).
        case unexpectedField = "FORMAT_UNEXPECTED_FIELD"
        /// A field whose value breaks its rule (identifier, date, enumeration, length).
        case invalidField = "FORMAT_INVALID_FIELD"
    }

    public let code: Code
    /// The byte offset in the document where the problem is.
    public let offset: Int
    /// The field, as a path: `content.creditRecords[2].behaviourCode`.
    public let field: String
    /// What was wrong.
    public let detail: String

    public init(_ code: Code, offset: Int, field: String, detail: String) {
        self.code = code
        self.offset = offset
        self.field = field
        self.detail = detail
    }

    public var description: String { "\(field) at byte \(offset): \(detail) [\(code.rawValue)]" }
    public var errorCode: String { code.rawValue }
    public var kind: ErrorKind { .invalidInput }
    public var message: String { "\(field) at byte \(offset): \(detail)" }
}

/// A handbook document read from bytes: its content, checked field by field, the exact content
/// bytes the signature covers, and the signature part (not yet verified: that is HandbookCrypto's).
public struct HandbookDocument: Sendable {
    /// The content, decoded.
    public let content: HandbookContent
    /// The content element exactly as read, tag and length included: the signature input.
    public let signedBytes: ArraySlice<UInt8>
    /// The signature part.
    public let signature: HandbookSignature
    /// The whole document as read.
    public let bytes: [UInt8]

    /// Decodes a document: exactly a content element and a signature element, nothing before,
    /// between or after.
    public init(decoding bytes: [UInt8]) throws(HandbookFormatError) {
        let tree: TLVTree
        do {
            tree = try TLVTree(decodingSequence: bytes)
        } catch {
            throw HandbookFormatError(
                .malformedTLV, offset: error.offset, field: "document",
                detail: "\(error.expected) [\(error.code.rawValue)]")
        }
        let elements = Array(tree.elements)
        guard elements.count == 2, elements[0].tag == HandbookFormat.Tag.content,
            elements[1].tag == HandbookFormat.Tag.signature
        else {
            throw HandbookFormatError(
                .wrongStructure, offset: 0, field: "document",
                detail:
                    "a content element (61) followed by a signature element (62) expected, found \(elements.map(\.tag.description))"
            )
        }
        content = try HandbookDecoding.content(elements[0])
        signature = try HandbookDecoding.signature(elements[1])
        signedBytes = elements[0].encoded
        self.bytes = bytes
    }

    /// Assembles a document from its encoded content and signature.
    public static func assemble(content: [UInt8], signature: HandbookSignature) -> [UInt8] {
        content + HandbookFormat.encode(signature)
    }
}

/// Reads the fields of one constructed element in their fixed order.
struct FieldReader {
    private var iterator: TLVElements.Iterator
    private var next: TLVElement?
    let parent: TLVElement
    /// Built only when an error needs it: paths are strings, and strings cost allocations.
    private let lazyPath: () -> String
    var path: String { lazyPath() }

    init(_ parent: TLVElement, path: @escaping @autoclosure () -> String) throws(HandbookFormatError) {
        guard parent.tag.isConstructed else {
            throw HandbookFormatError(
                .invalidField, offset: parent.offset, field: path(), detail: "a constructed element expected")
        }
        self.parent = parent
        self.lazyPath = path
        iterator = parent.children.makeIterator()
        next = iterator.next()
    }

    /// The next field if it has `tag`.
    mutating func optional(_ tag: TLVTag) -> TLVElement? {
        guard let element = next, element.tag == tag else { return nil }
        next = iterator.next()
        return element
    }

    /// The next field, which must have `tag`.
    mutating func required(_ tag: TLVTag, _ name: String) throws(HandbookFormatError) -> TLVElement {
        guard let element = optional(tag) else {
            let found = next.map { "tag \($0.tag)" } ?? "the end of \(path)"
            throw HandbookFormatError(
                .missingField, offset: next?.offset ?? parent.offset, field: "\(path).\(name)",
                detail: "field \(tag) expected, found \(found)")
        }
        return element
    }

    /// Every remaining field, all of which must have `tag` (the items of a list).
    mutating func items(_ tag: TLVTag) -> [TLVElement] {
        var result: [TLVElement] = []
        while let element = optional(tag) { result.append(element) }
        return result
    }

    /// Refuses anything after the last known field.
    func finish() throws(HandbookFormatError) {
        if let element = next {
            throw HandbookFormatError(
                .unexpectedField, offset: element.offset, field: path,
                detail: "unexpected field \(element.tag) (unknown, repeated or out of order)")
        }
    }
}

/// Decoding of the content and signature elements, every field validated.
enum HandbookDecoding {
    typealias Tag = HandbookFormat.Tag

    static func content(_ element: TLVElement) throws(HandbookFormatError) -> HandbookContent {
        var fields = try FieldReader(element, path: "content")
        let versionElement = try fields.required(Tag.formatVersion, "formatVersion")
        let version = try unsigned(versionElement, "content.formatVersion", max: 255)
        guard version == UInt64(HandbookFormat.version) else {
            throw HandbookFormatError(
                .unsupportedVersion, offset: versionElement.offset, field: "content.formatVersion",
                detail: "format version \(version); this reader knows version \(HandbookFormat.version) only")
        }
        let documentNumber = try identifier(
            try fields.required(Tag.documentNumber, "documentNumber"), "content.documentNumber"
        ) {
            (text: String) throws(IdentifierError) in try DocumentNumber(text)
        }
        let serialElement = try fields.required(Tag.cardSerial, "cardSerial")
        let cardSerial: CardSerial
        do {
            cardSerial = try CardSerial(bytes: Array(serialElement.value))
        } catch {
            throw invalid(serialElement, "content.cardSerial", error.detail)
        }
        let issuedElement = try fields.required(Tag.issuedAt, "issuedAt")
        let issuedDigits = try tlv(issuedElement, "content.issuedAt") { () throws(TLVError) in
            try issuedElement.bcdDigits()
        }
        let issuedAt: CardTimestamp
        do {
            issuedAt = try CardTimestamp(digits: issuedDigits)
        } catch {
            throw invalid(issuedElement, "content.issuedAt", error.reason)
        }
        let expiresOn = try date(try fields.required(Tag.expiresOn, "expiresOn"), "content.expiresOn")
        let revision = try unsigned(
            try fields.required(Tag.databaseRevision, "databaseRevision"), "content.databaseRevision")
        let office = try issuingOffice(try fields.required(Tag.issuingOffice, "issuingOffice"))
        let keyElement = try fields.required(Tag.cardPublicKey, "cardPublicKey")
        if case .failure(let problem) = CardKeyEncoding.curve(of: keyElement.value) {
            throw invalid(keyElement, "content.cardPublicKey", problem.detail)
        }
        let enterprise = try enterprise(try fields.required(Tag.enterprise, "enterprise"))

        var qualificationList = try FieldReader(
            try fields.required(Tag.qualifications, "qualifications"), path: "content.qualifications")
        let qualifications = try qualificationList.items(Tag.item).enumerated().map {
            index, item throws(HandbookFormatError) in
            try qualification(item, "content.qualifications[\(index)]")
        }
        try qualificationList.finish()

        var practitionerList = try FieldReader(
            try fields.required(Tag.practitioners, "practitioners"), path: "content.practitioners")
        let practitioners = try practitionerList.items(Tag.item).enumerated().map {
            index, item throws(HandbookFormatError) in
            try practitioner(item, "content.practitioners[\(index)]")
        }
        try practitionerList.finish()

        var performanceFields = try FieldReader(
            try fields.required(Tag.performance, "performance"), path: "content.performance")
        let projectCount = try unsigned(
            try performanceFields.required(Tag.field(0), "projectCount"), "content.performance.projectCount",
            max: UInt64(UInt32.max))
        let totalAmount = try unsigned(
            try performanceFields.required(Tag.field(1), "totalContractAmount"),
            "content.performance.totalContractAmount")
        var projectList = try FieldReader(
            try performanceFields.required(Tag.projects, "projects"), path: "content.performance.projects")
        let projects = try projectList.items(Tag.item).enumerated().map { index, item throws(HandbookFormatError) in
            try project(item, "content.performance.projects[\(index)]")
        }
        try projectList.finish()
        try performanceFields.finish()

        var recordList = try FieldReader(
            try fields.required(Tag.creditRecords, "creditRecords"), path: "content.creditRecords")
        let records = try recordList.items(Tag.item).enumerated().map { index, item throws(HandbookFormatError) in
            try creditRecord(item, "content.creditRecords[\(index)]")
        }
        try recordList.finish()

        var omittedFields = try FieldReader(try fields.required(Tag.omitted, "omitted"), path: "content.omitted")
        let omitted = OmittedCounts(
            practitioners: UInt32(
                try unsigned(
                    try omittedFields.required(Tag.field(0), "practitioners"), "content.omitted.practitioners",
                    max: UInt64(UInt32.max))),
            projects: UInt32(
                try unsigned(
                    try omittedFields.required(Tag.field(1), "projects"), "content.omitted.projects",
                    max: UInt64(UInt32.max))),
            goodRecords: UInt32(
                try unsigned(
                    try omittedFields.required(Tag.field(2), "goodRecords"), "content.omitted.goodRecords",
                    max: UInt64(UInt32.max))))
        try omittedFields.finish()
        try fields.finish()

        guard UInt64(projects.count) <= UInt64(projectCount) else {
            throw HandbookFormatError(
                .invalidField, offset: element.offset, field: "content.performance.projectCount",
                detail: "\(projects.count) projects listed but the total says \(projectCount)")
        }
        // The total covers every project, listed or not: never less than the listed ones' sum.
        var listed: UInt64 = 0
        for project in projects {
            let (sum, overflow) = listed.addingReportingOverflow(project.contractAmount)
            listed = overflow ? .max : sum
        }
        guard listed <= totalAmount else {
            throw HandbookFormatError(
                .invalidField, offset: element.offset, field: "content.performance.totalContractAmount",
                detail: "the listed projects' contract amounts add up to \(listed), more than the total \(totalAmount)")
        }
        let header = DocumentHeader(
            formatVersion: UInt8(version), documentNumber: documentNumber, cardSerial: cardSerial, issuedAt: issuedAt,
            expiresOn: expiresOn, issuingOffice: office, databaseRevision: revision,
            cardPublicKey: Array(keyElement.value))
        return HandbookContent(
            header: header, enterprise: enterprise, qualifications: qualifications, practitioners: practitioners,
            performance: PerformanceSummary(projectCount: UInt32(projectCount), totalContractAmount: totalAmount),
            projects: projects, creditRecords: records, omitted: omitted)
    }

    static func signature(_ element: TLVElement) throws(HandbookFormatError) -> HandbookSignature {
        var fields = try FieldReader(element, path: "signature")
        let algorithmElement = try fields.required(Tag.field(0), "algorithm")
        let algorithm = try tlv(algorithmElement, "signature.algorithm") { () throws(TLVError) in
            try algorithmElement.oidValue()
        }
        let certificate = try fields.required(Tag.field(1), "certificate")
        guard (64...4096).contains(certificate.value.count) else {
            throw invalid(
                certificate, "signature.certificate",
                "a DER certificate of 64–4096 bytes expected, found \(certificate.value.count)")
        }
        let value = try fields.required(Tag.field(2), "value")
        guard (8...160).contains(value.value.count) else {
            throw invalid(
                value, "signature.value", "a DER signature of 8–160 bytes expected, found \(value.value.count)")
        }
        try fields.finish()
        return HandbookSignature(algorithm: algorithm, certificate: Array(certificate.value), value: Array(value.value))
    }

    static func issuingOffice(_ element: TLVElement) throws(HandbookFormatError) -> IssuingOffice {
        var fields = try FieldReader(element, path: "content.issuingOffice")
        let region = try regionCode(try fields.required(Tag.field(0), "region"), "content.issuingOffice.region")
        let name = try text(
            try fields.required(Tag.field(1), "name"), "content.issuingOffice.name", max: HandbookFormat.shortText)
        try fields.finish()
        return IssuingOffice(region: region, name: name)
    }

    static func enterprise(_ element: TLVElement) throws(HandbookFormatError) -> Enterprise {
        let path = "content.enterprise"
        var fields = try FieldReader(element, path: path)
        let uscc = try identifier(try fields.required(Tag.field(0), "uscc"), "\(path).uscc") {
            (text: String) throws(IdentifierError) in
            try USCC(text, mode: .lenient)
        }
        let name = try text(try fields.required(Tag.field(1), "name"), "\(path).name", max: HandbookFormat.shortText)
        let representative = try text(
            try fields.required(Tag.field(2), "legalRepresentative"), "\(path).legalRepresentative",
            max: HandbookFormat.shortText)
        let region = try regionCode(try fields.required(Tag.field(3), "registeredRegion"), "\(path).registeredRegion")
        let organizationCode = try fields.optional(Tag.field(4)).map { element throws(HandbookFormatError) in
            try identifier(element, "\(path).organizationCode") { (text: String) throws(IdentifierError) in
                try OrganizationCode(text)
            }
        }
        let registrationNumber = try fields.optional(Tag.field(5)).map { element throws(HandbookFormatError) in
            try identifier(element, "\(path).registrationNumber") { (text: String) throws(IdentifierError) in
                try RegistrationNumber(text)
            }
        }
        try fields.finish()
        return Enterprise(
            uscc: uscc, name: name, legalRepresentative: representative, registeredRegion: region,
            organizationCode: organizationCode, registrationNumber: registrationNumber)
    }

    static func qualification(_ element: TLVElement, _ path: @escaping @autoclosure () -> String)
        throws(HandbookFormatError) -> Qualification
    {
        var fields = try FieldReader(element, path: path())
        let category = try text(
            try fields.required(Tag.field(0), "category"), "\(path()).category", max: HandbookFormat.shortText)
        let grade = try text(try fields.required(Tag.field(1), "grade"), "\(path()).grade", max: 32)
        let number = try text(
            try fields.required(Tag.field(2), "certificateNumber"), "\(path()).certificateNumber", max: 64)
        let fromElement = try fields.required(Tag.field(3), "validFrom")
        let from = try date(fromElement, "\(path()).validFrom")
        let until = try date(try fields.required(Tag.field(4), "validUntil"), "\(path()).validUntil")
        let authority = try text(
            try fields.required(Tag.field(5), "issuingAuthority"), "\(path()).issuingAuthority",
            max: HandbookFormat.shortText)
        try fields.finish()
        guard from <= until else {
            throw invalid(fromElement, "\(path()).validFrom", "the validity starts after it ends")
        }
        return Qualification(
            category: category, grade: grade, certificateNumber: number, validFrom: from, validUntil: until,
            issuingAuthority: authority)
    }

    static func practitioner(_ element: TLVElement, _ path: @escaping @autoclosure () -> String)
        throws(HandbookFormatError) -> Practitioner
    {
        var fields = try FieldReader(element, path: path())
        let name = try text(try fields.required(Tag.field(0), "name"), "\(path()).name", max: 64)
        let type = try text(
            try fields.required(Tag.field(1), "registrationType"), "\(path()).registrationType", max: 64)
        let number = try text(
            try fields.required(Tag.field(2), "registrationNumber"), "\(path()).registrationNumber", max: 64)
        let typeElement = try fields.required(Tag.field(3), "identityType")
        guard let identityType = IdentityCoding.type(of: try unsigned(typeElement, "\(path()).identityType", max: 255))
        else {
            throw invalid(typeElement, "\(path()).identityType", "an identity document type of 1–6 expected")
        }
        let maskedElement = try fields.required(Tag.field(4), "maskedIdentityNumber")
        let masked = try text(maskedElement, "\(path()).maskedIdentityNumber", max: 32)
        if let problem = PersonIdentifier.maskProblem(masked, type: identityType) {
            throw invalid(maskedElement, "\(path()).maskedIdentityNumber", problem)
        }
        try fields.finish()
        return Practitioner(
            name: name, registrationType: type, registrationNumber: number, identityType: identityType,
            maskedIdentityNumber: masked)
    }

    static func project(_ element: TLVElement, _ path: @escaping @autoclosure () -> String) throws(HandbookFormatError)
        -> Project
    {
        var fields = try FieldReader(element, path: path())
        let numberElement = try fields.required(Tag.field(0), "projectNumber")
        let digits = try tlv(numberElement, "\(path()).projectNumber") { () throws(TLVError) in
            try numberElement.bcdDigits()
        }
        let number: ProjectNumber
        do {
            number = try ProjectNumber(digits)
        } catch {
            throw invalid(numberElement, "\(path()).projectNumber", error.description)
        }
        let name = try text(
            try fields.required(Tag.field(1), "name"), "\(path()).name", max: HandbookFormat.shortText * 2)
        let roleElement = try fields.required(Tag.field(2), "role")
        guard let role = ProjectRole(rawValue: UInt8(try unsigned(roleElement, "\(path()).role", max: 255))) else {
            throw invalid(roleElement, "\(path()).role", "a project role of 1–7 expected")
        }
        let amount = try unsigned(try fields.required(Tag.field(3), "contractAmount"), "\(path()).contractAmount")
        let completion = try fields.optional(Tag.field(4)).map { element throws(HandbookFormatError) in
            try date(element, "\(path()).completionDate")
        }
        var awards: [String] = []
        if let awardElement = fields.optional(Tag.awards) {
            var list = try FieldReader(awardElement, path: "\(path()).awards")
            awards = try list.items(Tag.field(0)).enumerated().map { index, item throws(HandbookFormatError) in
                try text(item, "\(path()).awards[\(index)]", max: HandbookFormat.shortText)
            }
            try list.finish()
            guard !awards.isEmpty else {
                throw invalid(awardElement, "\(path()).awards", "an award list is left out when empty")
            }
        }
        try fields.finish()
        return Project(
            projectNumber: number, name: name, role: role, contractAmount: amount, completionDate: completion,
            awards: awards)
    }

    static func creditRecord(_ element: TLVElement, _ path: @escaping @autoclosure () -> String)
        throws(HandbookFormatError) -> CreditRecord
    {
        var fields = try FieldReader(element, path: path())
        let number = try identifier(try fields.required(Tag.field(0), "recordNumber"), "\(path()).recordNumber") {
            (text: String) throws(IdentifierError) in try RecordNumber(text)
        }
        let kindElement = try fields.required(Tag.field(1), "kind")
        guard let kind = RecordKind(rawValue: UInt8(try unsigned(kindElement, "\(path()).kind", max: 255))) else {
            throw invalid(kindElement, "\(path()).kind", "a record kind of 1 (good), 2 (bad) or 3 (blacklist) expected")
        }
        let code = try fields.optional(Tag.field(2)).map { element throws(HandbookFormatError) in
            try identifier(element, "\(path()).behaviourCode") { (text: String) throws(IdentifierError) in
                try BehaviourCode(text)
            }
        }
        if kind.isUnfavourable && code == nil {
            throw HandbookFormatError(
                .missingField, offset: kindElement.offset, field: "\(path()).behaviourCode",
                detail: "a bad or blacklist record needs its behaviour code")
        }
        if !kind.isUnfavourable && code != nil {
            throw HandbookFormatError(
                .unexpectedField, offset: kindElement.offset, field: "\(path()).behaviourCode",
                detail: "a good record carries no behaviour code (the national codes are of bad behaviour)")
        }
        let decision = try text(
            try fields.required(Tag.field(3), "decisionNumber"), "\(path()).decisionNumber",
            max: HandbookFormat.shortText)
        let authority = try text(
            try fields.required(Tag.field(4), "authority"), "\(path()).authority", max: HandbookFormat.shortText)
        let levelElement = try fields.required(Tag.field(5), "authorityLevel")
        guard
            let level = AuthorityLevel(
                rawValue: UInt8(try unsigned(levelElement, "\(path()).authorityLevel", max: 255)))
        else {
            throw invalid(levelElement, "\(path()).authorityLevel", "an authority level of 0–3 expected")
        }
        let decisionDate = try date(try fields.required(Tag.field(6), "decisionDate"), "\(path()).decisionDate")
        let fromElement = try fields.required(Tag.field(7), "publishedFrom")
        let from = try date(fromElement, "\(path()).publishedFrom")
        let until = try date(try fields.required(Tag.field(8), "publishedUntil"), "\(path()).publishedUntil")
        let summary = try text(
            try fields.required(Tag.field(9), "summary"), "\(path()).summary", max: HandbookFormat.longText)
        try fields.finish()
        guard from <= until else {
            throw invalid(fromElement, "\(path()).publishedFrom", "the publication window starts after it ends")
        }
        guard decisionDate <= from else {
            throw invalid(fromElement, "\(path()).publishedFrom", "published before the decision was made")
        }
        return CreditRecord(
            recordNumber: number, kind: kind, behaviourCode: code, decisionNumber: decision, authority: authority,
            authorityLevel: level,
            decisionDate: decisionDate, publishedFrom: from, publishedUntil: until, summary: summary)
    }

    // MARK: Field primitives

    static func invalid(_ element: TLVElement, _ path: @autoclosure () -> String, _ detail: String)
        -> HandbookFormatError
    {
        HandbookFormatError(.invalidField, offset: element.offset, field: path(), detail: detail)
    }

    static func tlv<T>(_ element: TLVElement, _ path: @autoclosure () -> String, _ read: () throws(TLVError) -> T)
        throws(HandbookFormatError) -> T
    {
        do {
            return try read()
        } catch {
            throw HandbookFormatError(
                .invalidField, offset: error.offset, field: path(), detail: "\(error.expected) [\(error.code.rawValue)]"
            )
        }
    }

    static func unsigned(_ element: TLVElement, _ path: @autoclosure () -> String, max: UInt64 = .max)
        throws(HandbookFormatError) -> UInt64
    {
        let value = try tlv(element, path()) { () throws(TLVError) in try element.unsignedValue() }
        guard value <= max else { throw invalid(element, path(), "a value of at most \(max) expected, found \(value)") }
        return value
    }

    static func text(_ element: TLVElement, _ path: @autoclosure () -> String, max: Int) throws(HandbookFormatError)
        -> String
    {
        let value = try tlv(element, path()) { () throws(TLVError) in try element.utf8Value(maximumBytes: max) }
        // §2.1: not empty, no Unicode White_Space at either end, nothing that does not show as itself.
        if let problem = TextRule.problem(value) {
            throw invalid(element, path(), "text: \(problem)")
        }
        return value
    }

    static func date(_ element: TLVElement, _ path: @autoclosure () -> String) throws(HandbookFormatError) -> CardDate {
        try tlv(element, path()) { () throws(TLVError) in try element.dateValue() }
    }

    static func regionCode(_ element: TLVElement, _ path: @autoclosure () -> String) throws(HandbookFormatError)
        -> RegionCode
    {
        let digits = try tlv(element, path()) { () throws(TLVError) in try element.bcdDigits() }
        do {
            return try RegionCode(digits)
        } catch {
            throw invalid(element, path(), error.description)
        }
    }

    static func identifier<T>(
        _ element: TLVElement, _ path: @autoclosure () -> String, _ make: (String) throws(IdentifierError) -> T
    ) throws(HandbookFormatError) -> T {
        let value = try tlv(element, path()) { () throws(TLVError) in try element.utf8Value(maximumBytes: 64) }
        do {
            return try make(value)
        } catch {
            throw invalid(element, path(), error.description)
        }
    }
}
