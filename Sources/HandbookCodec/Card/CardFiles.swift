/// The handbook card application's identifiers and small files (Cards/FORMAT.md §1).
public enum CardLayout {
    /// The application identifier, `F0 59 52 44 48 42 01`.
    public static let aid: [UInt8] = [0xF0, 0x59, 0x52, 0x44, 0x48, 0x42, 0x01]

    /// File identifiers.
    public enum File: UInt16, Sendable, CaseIterable {
        case cardInfo = 0x0101
        case status = 0x0102
        case slot0 = 0x0110
        case slot1 = 0x0111

        /// The FID as two bytes.
        public var bytes: [UInt8] { [UInt8(rawValue >> 8), UInt8(rawValue & 0xFF)] }

        /// The short file identifier, for READ BINARY without a SELECT (P1 = 80 | SFI).
        public var shortIdentifier: UInt8 {
            switch self {
            case .cardInfo: return 1
            case .status: return 2
            case .slot0: return 3
            case .slot1: return 4
            }
        }

        /// The file with short identifier `sfi`.
        public init?(shortIdentifier sfi: UInt8) {
            guard let file = Self.allCases.first(where: { $0.shortIdentifier == sfi }) else { return nil }
            self = file
        }

        /// The document slot with index 0 or 1.
        public static func slot(_ index: Int) -> File { index == 0 ? .slot0 : .slot1 }
    }

    /// The size of EF.CardInfo, and of each of the two commit records of EF.Status.
    public static let smallFileSize = 64

    /// The size of EF.Status: two commit records, one written per commit, alternately.
    public static let statusFileSize = 128

    /// Key references.
    public static let cardManagementKey: UInt8 = 0x01
    public static let cardAuthenticationKey: UInt8 = 0x02

    /// Consecutive EXTERNAL AUTHENTICATE failures after which the card-management key is blocked.
    public static let externalAuthenticateTries = 5
}

/// The content of EF.CardInfo: written once when the card is made.
public struct CardInfo: Sendable, Hashable, Codable {
    public var serial: CardSerial
    public var profileName: String
    public var capacity: Int
    public var slotSize: Int
    public var maxCommandData: Int
    public var maxResponseData: Int

    public init(serial: CardSerial, profile: CardProfile) {
        self.init(
            serial: serial, profileName: profile.name, capacity: profile.capacity, slotSize: profile.slotSize,
            maxCommandData: profile.maxCommandData, maxResponseData: profile.maxResponseData)
    }

    public init(
        serial: CardSerial, profileName: String, capacity: Int, slotSize: Int, maxCommandData: Int, maxResponseData: Int
    ) {
        self.serial = serial
        self.profileName = profileName
        self.capacity = capacity
        self.slotSize = slotSize
        self.maxCommandData = maxCommandData
        self.maxResponseData = maxResponseData
    }

    static let tag = TLVTag(constant: 0xE0)

    /// The file's bytes (the element; the rest of the file is padding).
    public var encoded: [UInt8] {
        var writer = TLVWriter()
        writer.appendConstructed(Self.tag) { w in
            w.appendPrimitive(HandbookFormat.Tag.field(0), value: serial.bytes)
            w.appendUTF8(HandbookFormat.Tag.field(1), profileName)
            w.appendUnsigned(HandbookFormat.Tag.field(2), UInt64(capacity))
            w.appendUnsigned(HandbookFormat.Tag.field(3), UInt64(slotSize))
            w.appendUnsigned(HandbookFormat.Tag.field(4), UInt64(maxCommandData))
            w.appendUnsigned(HandbookFormat.Tag.field(5), UInt64(maxResponseData))
        }
        return writer.bytes
    }

    /// The answer to SELECT of the application (File Control Information): `6F { 84 AID, A5 { E0 … } }`,
    /// so one command both selects the application and tells the card's serial and limits.
    public var fileControlInformation: [UInt8] {
        var writer = TLVWriter()
        writer.appendConstructed(TLVTag(constant: 0x6F)) { fci in
            fci.appendPrimitive(TLVTag(constant: 0x84), value: CardLayout.aid)
            fci.appendConstructed(TLVTag(constant: 0xA5)) { proprietary in proprietary.appendEncoded(encoded) }
        }
        return writer.bytes
    }

    /// Decodes the card information from the File Control Information returned by SELECT.
    public init(decodingFCI bytes: [UInt8]) throws(HandbookFormatError) {
        let root: TLVElement
        do {
            root = try TLVTree(decoding: bytes).root
        } catch {
            throw HandbookFormatError(
                .malformedTLV, offset: error.offset, field: "FCI", detail: "\(error.expected) [\(error.code.rawValue)]")
        }
        guard root.tag == TLVTag(constant: 0x6F), let proprietary = root.child(TLVTag(constant: 0xA5)),
            let info = proprietary.child(Self.tag)
        else {
            throw HandbookFormatError(
                .wrongStructure, offset: 0, field: "FCI", detail: "6F { 84 AID, A5 { E0 card information } } expected")
        }
        try self.init(decodingFile: Array(info.encoded))
    }

    /// Decodes the element at the start of the file's bytes; what follows it is padding.
    public init(decodingFile bytes: [UInt8]) throws(HandbookFormatError) {
        let element = try CardFileDecoding.element(bytes, tag: Self.tag, file: "EF.CardInfo")
        var fields = try FieldReader(element, path: "EF.CardInfo")
        let serialElement = try fields.required(HandbookFormat.Tag.field(0), "serial")
        do {
            serial = try CardSerial(bytes: Array(serialElement.value))
        } catch {
            throw HandbookDecoding.invalid(serialElement, "EF.CardInfo.serial", error.detail)
        }
        profileName = try HandbookDecoding.text(
            try fields.required(HandbookFormat.Tag.field(1), "profile"), "EF.CardInfo.profile", max: 32)
        func size(_ number: UInt32, _ name: String) throws(HandbookFormatError) -> Int {
            let value = try HandbookDecoding.unsigned(
                try fields.required(HandbookFormat.Tag.field(number), name), "EF.CardInfo.\(name)", max: 1 << 24)
            return Int(value)
        }
        capacity = try size(2, "capacity")
        slotSize = try size(3, "slotSize")
        maxCommandData = try size(4, "maxCommandData")
        maxResponseData = try size(5, "maxResponseData")
        try fields.finish()
        guard maxCommandData >= 1, maxResponseData >= 1, slotSize >= 256 else {
            throw HandbookFormatError(.invalidField, offset: 0, field: "EF.CardInfo", detail: "implausible card limits")
        }
    }
}

/// One commit record of EF.Status: which slot holds the committed document, and its length and hash.
///
/// EF.Status holds two records, 64 bytes each; commit *n* writes record *n mod 2*. A write torn
/// half-way damages only the record being written, and the other record still names the previous
/// document, so a card never loses its last good document (Cards/FORMAT.md §1.3).
public struct CommitRecord: Sendable, Hashable, Codable {
    public var activeSlot: Int
    public var sequence: UInt64
    public var documentLength: Int
    /// SHA-256 of the document's bytes.
    public var documentHash: [UInt8]

    public init(activeSlot: Int, sequence: UInt64, documentLength: Int, documentHash: [UInt8]) {
        self.activeSlot = activeSlot
        self.sequence = sequence
        self.documentLength = documentLength
        self.documentHash = documentHash
    }

    static let tag = TLVTag(constant: 0xE1)

    /// The file's bytes.
    public var encoded: [UInt8] {
        var writer = TLVWriter()
        writer.appendConstructed(Self.tag) { w in
            w.appendUnsigned(HandbookFormat.Tag.field(0), UInt64(activeSlot))
            w.appendUnsigned(HandbookFormat.Tag.field(1), sequence)
            w.appendUnsigned(HandbookFormat.Tag.field(2), UInt64(documentLength))
            w.appendPrimitive(HandbookFormat.Tag.field(3), value: documentHash)
        }
        return writer.bytes
    }

    /// The offset in EF.Status where this record is written: commit n goes to record n mod 2.
    public var fileOffset: Int { Int(sequence % 2) * CardLayout.smallFileSize }

    /// The record's 64 bytes as written into EF.Status (the element, then zero padding).
    public var fileBytes: [UInt8] {
        let element = encoded
        return element + [UInt8](repeating: 0, count: CardLayout.smallFileSize - element.count)
    }

    /// The records of EF.Status that decode, newest first. A record that does not decode (never
    /// written, or torn) is left out; an empty result means nothing usable was ever committed.
    /// Each record still has to be checked against its slot's bytes (length and SHA-256).
    public static func records(inFile bytes: [UInt8]) -> [CommitRecord] {
        stride(from: 0, to: bytes.count, by: CardLayout.smallFileSize).compactMap { offset -> CommitRecord? in
            let half = Array(bytes[offset..<min(offset + CardLayout.smallFileSize, bytes.count)])
            guard let record = try? decode(record: half), record.fileOffset == offset else { return nil }
            return record
        }.sorted { $0.sequence > $1.sequence }
    }

    /// Decodes one 64-byte record: `nil` for an all-zero (never written) record.
    public static func decode(record bytes: [UInt8]) throws(HandbookFormatError) -> CommitRecord? {
        if bytes.allSatisfy({ $0 == 0 }) { return nil }
        let element = try CardFileDecoding.element(bytes, tag: tag, file: "EF.Status")
        var fields = try FieldReader(element, path: "EF.Status")
        let slotElement = try fields.required(HandbookFormat.Tag.field(0), "activeSlot")
        let slot = try HandbookDecoding.unsigned(slotElement, "EF.Status.activeSlot", max: 1)
        let sequence = try HandbookDecoding.unsigned(
            try fields.required(HandbookFormat.Tag.field(1), "sequence"), "EF.Status.sequence")
        let length = try HandbookDecoding.unsigned(
            try fields.required(HandbookFormat.Tag.field(2), "documentLength"), "EF.Status.documentLength", max: 1 << 20
        )
        let hashElement = try fields.required(HandbookFormat.Tag.field(3), "documentHash")
        guard hashElement.value.count == 32 else {
            throw HandbookDecoding.invalid(hashElement, "EF.Status.documentHash", "32 bytes of SHA-256 expected")
        }
        try fields.finish()
        return CommitRecord(
            activeSlot: Int(slot), sequence: sequence, documentLength: Int(length),
            documentHash: Array(hashElement.value))
    }
}

enum CardFileDecoding {
    /// The one element at the start of a file (or of an EF.Status record) whose remaining bytes are
    /// `00` padding: a non-zero byte after the element is refused (Cards/FORMAT.md §1.2, §1.3).
    static func element(_ bytes: [UInt8], tag: TLVTag, file: String) throws(HandbookFormatError) -> TLVElement {
        let header: TLVHeader
        do {
            header = try TLVHeader(decoding: bytes)
        } catch {
            throw HandbookFormatError(
                .malformedTLV, offset: error.offset, field: file, detail: "\(error.expected) [\(error.code.rawValue)]")
        }
        guard header.tag == tag, header.elementLength <= bytes.count else {
            throw HandbookFormatError(
                .wrongStructure, offset: 0, field: file,
                detail: "an element tagged \(tag) expected, found \(header.tag)")
        }
        if let stray = bytes[header.elementLength...].firstIndex(where: { $0 != 0 }) {
            throw HandbookFormatError(
                .wrongStructure, offset: stray, field: file,
                detail: "00 padding after the element expected, found \(hexByte(bytes[stray]))")
        }
        do {
            return try TLVTree(decoding: Array(bytes.prefix(header.elementLength))).root
        } catch {
            throw HandbookFormatError(
                .malformedTLV, offset: error.offset, field: file, detail: "\(error.expected) [\(error.code.rawValue)]")
        }
    }
}
