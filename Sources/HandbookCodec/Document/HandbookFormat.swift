/// The card encoding of a handbook document, format version 1: its tags, limits and the order of
/// its fields. `Cards/FORMAT.md` is the normative description; this type is its implementation.
///
/// A document is exactly two BER-TLV elements: the content (`61`), then the signature (`62`), whose
/// signature covers the content element's exact bytes, tag and length included.
public enum HandbookFormat {
    /// The format version this code writes and reads.
    public static let version: UInt8 = 1

    /// The longest text field, in UTF-8 bytes (names, authorities, summaries are shorter).
    static let longText = 512
    static let shortText = 128

    /// Tags of format version 1.
    public enum Tag {
        public static let content = TLVTag(constant: 0x61)
        public static let signature = TLVTag(constant: 0x62)

        // Inside the content.
        static let formatVersion = TLVTag(constant: 0x80)
        static let documentNumber = TLVTag(constant: 0x81)
        static let cardSerial = TLVTag(constant: 0x82)
        static let issuedAt = TLVTag(constant: 0x83)
        static let expiresOn = TLVTag(constant: 0x84)
        static let databaseRevision = TLVTag(constant: 0x85)
        static let issuingOffice = TLVTag(constant: 0xA6)
        static let cardPublicKey = TLVTag(constant: 0x87)
        static let enterprise = TLVTag(constant: 0xA8)
        static let qualifications = TLVTag(constant: 0xA9)
        static let practitioners = TLVTag(constant: 0xAA)
        static let performance = TLVTag(constant: 0xAB)
        static let creditRecords = TLVTag(constant: 0xAC)
        static let omitted = TLVTag(constant: 0xAD)

        /// Each item of a list section.
        static let item = TLVTag(constant: 0xA0)
        /// The project list inside the performance section.
        static let projects = TLVTag(constant: 0xA2)
        /// The award list inside a project.
        static let awards = TLVTag(constant: 0xA5)

        /// Context-specific primitive tag n, `80 + n`.
        public static func field(_ number: UInt32) -> TLVTag {
            TLVTag(.contextSpecific, constructed: false, number: number)
        }
    }

    // MARK: Encoding

    /// Encodes the content element.
    public static func encode(_ content: HandbookContent) -> [UInt8] {
        var writer = TLVWriter(capacity: 4096)
        writer.appendConstructed(Tag.content) { w in
            let header = content.header
            w.appendUnsigned(Tag.formatVersion, UInt64(header.formatVersion))
            w.appendUTF8(Tag.documentNumber, header.documentNumber.value)
            w.appendPrimitive(Tag.cardSerial, value: header.cardSerial.bytes)
            w.appendBCD(Tag.issuedAt, digits: header.issuedAt.digits)
            w.appendDate(Tag.expiresOn, header.expiresOn)
            w.appendUnsigned(Tag.databaseRevision, header.databaseRevision)
            w.appendConstructed(Tag.issuingOffice) { office in
                office.appendBCD(Tag.field(0), digits: header.issuingOffice.region.code)
                office.appendUTF8(Tag.field(1), header.issuingOffice.name)
            }
            w.appendPrimitive(Tag.cardPublicKey, value: header.cardPublicKey)
            encode(content.enterprise, into: &w)
            w.appendConstructed(Tag.qualifications) { list in
                for item in content.qualifications { encode(item, into: &list) }
            }
            w.appendConstructed(Tag.practitioners) { list in
                for item in content.practitioners { encode(item, into: &list) }
            }
            w.appendConstructed(Tag.performance) { performance in
                performance.appendUnsigned(Tag.field(0), UInt64(content.performance.projectCount))
                performance.appendUnsigned(Tag.field(1), content.performance.totalContractAmount)
                performance.appendConstructed(Tag.projects) { list in
                    for item in content.projects { encode(item, into: &list) }
                }
            }
            w.appendConstructed(Tag.creditRecords) { list in
                for item in content.creditRecords { encode(item, into: &list) }
            }
            encode(content.omitted, into: &w)
        }
        return writer.bytes
    }

    /// Encodes the signature element.
    public static func encode(_ signature: HandbookSignature) -> [UInt8] {
        var writer = TLVWriter(capacity: signature.certificate.count + 128)
        writer.appendConstructed(Tag.signature) { w in
            w.appendOID(Tag.field(0), signature.algorithm)
            w.appendPrimitive(Tag.field(1), value: signature.certificate)
            w.appendPrimitive(Tag.field(2), value: signature.value)
        }
        return writer.bytes
    }

    static func encode(_ enterprise: Enterprise, into w: inout TLVWriter) {
        w.appendConstructed(Tag.enterprise) { e in
            e.appendUTF8(Tag.field(0), enterprise.uscc.value)
            e.appendUTF8(Tag.field(1), enterprise.name)
            e.appendUTF8(Tag.field(2), enterprise.legalRepresentative)
            e.appendBCD(Tag.field(3), digits: enterprise.registeredRegion.code)
            if let code = enterprise.organizationCode { e.appendUTF8(Tag.field(4), code.value) }
            if let number = enterprise.registrationNumber { e.appendUTF8(Tag.field(5), number.value) }
        }
    }

    static func encode(_ item: Qualification, into list: inout TLVWriter) {
        list.appendConstructed(Tag.item) { q in
            q.appendUTF8(Tag.field(0), item.category)
            q.appendUTF8(Tag.field(1), item.grade)
            q.appendUTF8(Tag.field(2), item.certificateNumber)
            q.appendDate(Tag.field(3), item.validFrom)
            q.appendDate(Tag.field(4), item.validUntil)
            q.appendUTF8(Tag.field(5), item.issuingAuthority)
        }
    }

    static func encode(_ item: Practitioner, into list: inout TLVWriter) {
        list.appendConstructed(Tag.item) { p in
            p.appendUTF8(Tag.field(0), item.name)
            p.appendUTF8(Tag.field(1), item.registrationType)
            p.appendUTF8(Tag.field(2), item.registrationNumber)
            p.appendUnsigned(Tag.field(3), UInt64(IdentityCoding.code(of: item.identityType)))
            p.appendUTF8(Tag.field(4), item.maskedIdentityNumber)
        }
    }

    static func encode(_ item: Project, into list: inout TLVWriter) {
        list.appendConstructed(Tag.item) { p in
            p.appendBCD(Tag.field(0), digits: item.projectNumber.value)
            p.appendUTF8(Tag.field(1), item.name)
            p.appendUnsigned(Tag.field(2), UInt64(item.role.rawValue))
            p.appendUnsigned(Tag.field(3), item.contractAmount)
            if let date = item.completionDate { p.appendDate(Tag.field(4), date) }
            if !item.awards.isEmpty {
                p.appendConstructed(Tag.awards) { awards in
                    for award in item.awards { awards.appendUTF8(Tag.field(0), award) }
                }
            }
        }
    }

    static func encode(_ item: CreditRecord, into list: inout TLVWriter) {
        list.appendConstructed(Tag.item) { r in
            r.appendUTF8(Tag.field(0), item.recordNumber.value)
            r.appendUnsigned(Tag.field(1), UInt64(item.kind.rawValue))
            if let code = item.behaviourCode { r.appendUTF8(Tag.field(2), code.code) }
            r.appendUTF8(Tag.field(3), item.decisionNumber)
            r.appendUTF8(Tag.field(4), item.authority)
            r.appendUnsigned(Tag.field(5), UInt64(item.authorityLevel.rawValue))
            r.appendDate(Tag.field(6), item.decisionDate)
            r.appendDate(Tag.field(7), item.publishedFrom)
            r.appendDate(Tag.field(8), item.publishedUntil)
            r.appendUTF8(Tag.field(9), item.summary)
        }
    }

    static func encode(_ omitted: OmittedCounts, into w: inout TLVWriter) {
        w.appendConstructed(Tag.omitted) { o in
            o.appendUnsigned(Tag.field(0), UInt64(omitted.practitioners))
            o.appendUnsigned(Tag.field(1), UInt64(omitted.projects))
            o.appendUnsigned(Tag.field(2), UInt64(omitted.goodRecords))
        }
    }
}

/// Identity document types as the card codes them (a small unsigned integer).
enum IdentityCoding {
    static let codes: [(IdentityDocumentType, UInt8)] = [
        (.residentIdentityCard, 1), (.residencePermit, 2), (.passport, 3), (.homeReturnPermit, 4),
        (.taiwanCompatriotPermit, 5), (.officerCard, 6),
    ]

    static func code(of type: IdentityDocumentType) -> UInt8 {
        switch type {
        case .residentIdentityCard: return 1
        case .residencePermit: return 2
        case .passport: return 3
        case .homeReturnPermit: return 4
        case .taiwanCompatriotPermit: return 5
        case .officerCard: return 6
        }
    }

    static func type(of code: UInt64) -> IdentityDocumentType? { codes.first { UInt64($0.1) == code }?.0 }
}
