import CodedErrors
import Foundation

/// Where a card stands in the credit database.
public enum CardState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Registered, never personalised.
    case blank
    /// Personalised (keys on the card), no document yet.
    case personalised
    /// Carries a document of the database.
    case issued
    /// Withdrawn from use; whatever it carries is no longer valid.
    case revoked
}

/// Where a document stands in the credit database.
public enum DocumentState: String, Sendable, Hashable, CaseIterable, Codable {
    /// The enterprise's latest document, on its card.
    case current
    /// Replaced by a later document of the same enterprise.
    case superseded
    /// Revoked: no longer valid, whatever it says.
    case revoked
}

/// The first line of a data package (Cards/DATA-PACKAGE.md): what it covers and when it was made.
public struct DataPackageHeader: Sendable, Hashable, Codable {
    /// Always ``DataPackageHeader/formatName``.
    public var format: String
    /// The format version, ``DataPackageHeader/currentVersion``.
    public var version: Int
    /// The region the package covers (its enterprises are registered there).
    public var region: RegionCode
    /// When the package was made.
    public var createdAt: CardTimestamp
    /// The day the views' publication windows were applied for.
    public var asOf: CardDate
    /// The credit database revision the package was read at.
    public var databaseRevision: UInt64
    /// The hash of the newest audit-log entry at that revision (hex), which anchors the log.
    public var auditHead: String
    /// Who made it, 长三角区域建筑市场信用信息平台.
    public var source: String

    public static let formatName = "credit-handbook-data-package"
    public static let currentVersion = 1

    public init(
        region: RegionCode, createdAt: CardTimestamp, asOf: CardDate, databaseRevision: UInt64, auditHead: String,
        source: String
    ) {
        self.format = Self.formatName
        self.version = Self.currentVersion
        self.region = region
        self.createdAt = createdAt
        self.asOf = asOf
        self.databaseRevision = databaseRevision
        self.auditHead = auditHead
        self.source = source
    }
}

/// A card as a data package lists it.
public struct PackageCard: Sendable, Hashable, Codable {
    public var serial: CardSerial
    public var state: CardState
    /// The enterprise the card was issued to.
    public var uscc: USCC?
    /// The document the database says the card carries.
    public var document: DocumentNumber?

    public init(serial: CardSerial, state: CardState, uscc: USCC?, document: DocumentNumber?) {
        self.serial = serial
        self.state = state
        self.uscc = uscc
        self.document = document
    }
}

/// A document as a data package lists it.
public struct PackageDocument: Sendable, Hashable, Codable {
    public var number: DocumentNumber
    public var card: CardSerial
    public var uscc: USCC
    public var state: DocumentState
    /// The database revision the document's view was taken at.
    public var viewRevision: UInt64

    public init(number: DocumentNumber, card: CardSerial, uscc: USCC, state: DocumentState, viewRevision: UInt64) {
        self.number = number
        self.card = card
        self.uscc = uscc
        self.state = state
        self.viewRevision = viewRevision
    }
}

/// The signature line that closes a package: it covers every byte before it.
public struct PackageSignature: Sendable, Hashable, Codable {
    /// The algorithm's OID, dotted (1.2.840.10045.4.3.2 or 1.2.156.10197.1.501).
    public var algorithm: String
    /// The signer's certificate, DER, base64.
    public var certificate: Data
    /// The signature value, DER (r, s), base64.
    public var value: Data

    public init(algorithm: String, certificate: Data, value: Data) {
        self.algorithm = algorithm
        self.certificate = certificate
        self.value = value
    }
}

/// One line of a data package.
public enum DataPackageLine: Sendable, Hashable {
    case header(DataPackageHeader)
    case view(HandbookView)
    case card(PackageCard)
    case document(PackageDocument)
    /// A certificate revocation list (DER) of revoked office certificates.
    case revocationList(Data)
    case signature(PackageSignature)

    /// The line's `type`.
    public var type: String {
        switch self {
        case .header: return "header"
        case .view: return "view"
        case .card: return "card"
        case .document: return "document"
        case .revocationList: return "crl"
        case .signature: return "signature"
        }
    }

    /// The line as it is written: compact JSON with sorted keys, then a line feed.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = try encoder.encode(Wire(self))
        bytes.append(0x0A)
        return Array(bytes)
    }

    /// Decodes one line (without its line feed).
    public init(decoding line: some Collection<UInt8>) throws(DataPackageFormatError) {
        do {
            self = try JSONDecoder().decode(Wire.self, from: Data(line)).line
        } catch let error as DecodingError {
            throw DataPackageFormatError(line: 0, reason: describe(error))
        } catch {
            throw DataPackageFormatError(line: 0, reason: "\(error)")
        }
    }

    private struct Wire: Codable {
        var line: DataPackageLine
        init(_ line: DataPackageLine) { self.line = line }

        enum Keys: String, CodingKey { case type, header, view, card, document, crl, signature }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            let type = try container.decode(String.self, forKey: .type)
            switch type {
            case "header": line = .header(try container.decode(DataPackageHeader.self, forKey: .header))
            case "view": line = .view(try container.decode(HandbookView.self, forKey: .view))
            case "card": line = .card(try container.decode(PackageCard.self, forKey: .card))
            case "document": line = .document(try container.decode(PackageDocument.self, forKey: .document))
            case "crl": line = .revocationList(try container.decode(Data.self, forKey: .crl))
            case "signature": line = .signature(try container.decode(PackageSignature.self, forKey: .signature))
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container, debugDescription: "unknown line type \"\(type)\"")
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(line.type, forKey: .type)
            switch line {
            case .header(let value): try container.encode(value, forKey: .header)
            case .view(let value): try container.encode(value, forKey: .view)
            case .card(let value): try container.encode(value, forKey: .card)
            case .document(let value): try container.encode(value, forKey: .document)
            case .revocationList(let value): try container.encode(value, forKey: .crl)
            case .signature(let value): try container.encode(value, forKey: .signature)
            }
        }
    }
}

/// A data package whose lines parsed; the signature is checked by HandbookCrypto's package verifier.
public struct DataPackageContents: Sendable {
    public var header: DataPackageHeader
    public var views: [USCC: HandbookView]
    public var cards: [CardSerial: PackageCard]
    public var documents: [DocumentNumber: PackageDocument]
    public var revocationLists: [Data]
    public var signature: PackageSignature
    /// The bytes the signature covers: every line before the signature line.
    public var signedLength: Int

    /// The largest package accepted (bytes), and the longest line.
    public static let maximumSize = 1 << 30
    public static let maximumLineLength = 1 << 20

    /// Splits `bytes` into lines and decodes them: a header first, a signature last, nothing after it,
    /// no key twice. Errors name the line.
    public init(parsing bytes: [UInt8]) throws(DataPackageFormatError) {
        guard bytes.count <= Self.maximumSize else {
            throw DataPackageFormatError(line: 0, reason: "the package is larger than \(Self.maximumSize) bytes")
        }
        guard bytes.last == 0x0A else {
            throw DataPackageFormatError(line: 0, reason: "the package does not end with a line feed: it is truncated")
        }
        var header: DataPackageHeader?
        var views: [USCC: HandbookView] = [:]
        var cards: [CardSerial: PackageCard] = [:]
        var documents: [DocumentNumber: PackageDocument] = [:]
        var crls: [Data] = []
        var signature: PackageSignature?
        var signedLength = 0
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            lineNumber += 1
            // The package ends with a line feed (checked above), so every line has one.
            guard let end = bytes[start...].firstIndex(of: 0x0A) else { break }
            guard end - start <= Self.maximumLineLength else {
                throw DataPackageFormatError(
                    line: lineNumber, reason: "the line is longer than \(Self.maximumLineLength) bytes")
            }
            guard signature == nil else {
                throw DataPackageFormatError(line: lineNumber, reason: "a line follows the signature line")
            }
            let line: DataPackageLine
            do {
                line = try DataPackageLine(decoding: bytes[start..<end])
            } catch {
                throw DataPackageFormatError(line: lineNumber, reason: error.reason)
            }
            if case .header = line {
            } else if header == nil {
                throw DataPackageFormatError(line: lineNumber, reason: "the first line must be the header")
            }
            switch line {
            case .header(let value):
                guard header == nil else {
                    throw DataPackageFormatError(line: lineNumber, reason: "a second header line")
                }
                guard value.format == DataPackageHeader.formatName else {
                    throw DataPackageFormatError(
                        line: lineNumber, reason: "format \"\(value.format)\" is not \(DataPackageHeader.formatName)")
                }
                guard value.version == DataPackageHeader.currentVersion else {
                    throw DataPackageFormatError(
                        line: lineNumber,
                        reason:
                            "format version \(value.version) is not supported (this verifier reads version \(DataPackageHeader.currentVersion))"
                    )
                }
                header = value
            case .view(let view):
                guard views.updateValue(view, forKey: view.enterprise.uscc) == nil else {
                    throw DataPackageFormatError(line: lineNumber, reason: "a second view of \(view.enterprise.uscc)")
                }
            case .card(let card):
                guard cards.updateValue(card, forKey: card.serial) == nil else {
                    throw DataPackageFormatError(line: lineNumber, reason: "card \(card.serial) is listed twice")
                }
            case .document(let document):
                guard documents.updateValue(document, forKey: document.number) == nil else {
                    throw DataPackageFormatError(
                        line: lineNumber, reason: "document \(document.number) is listed twice")
                }
            case .revocationList(let crl):
                crls.append(crl)
            case .signature(let value):
                signature = value
                signedLength = start
            }
            start = end + 1
        }
        guard let header else { throw DataPackageFormatError(line: 1, reason: "the package is empty") }
        guard let signature else {
            throw DataPackageFormatError(line: lineNumber, reason: "the package has no signature line: it is truncated")
        }
        self.header = header
        self.views = views
        self.cards = cards
        self.documents = documents
        self.revocationLists = crls
        self.signature = signature
        self.signedLength = signedLength
    }
}

/// A data package that is not well formed.
public struct DataPackageFormatError: CodedError, Hashable {
    /// The 1-based line, or 0 for the package as a whole.
    public let line: Int
    public let reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { message + " [PACKAGE_MALFORMED]" }
    public var errorCode: String { "PACKAGE_MALFORMED" }
    public var kind: ErrorKind { .invalidInput }
    public var message: String { (line > 0 ? "line \(line): " : "") + reason }
}

/// A decoding error as one sentence that names the field.
public func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        let joined = names.reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
        return joined.isEmpty ? "the line" : "field \(joined)"
    }
    switch error {
    case .keyNotFound(let key, let context):
        let parent = path(context)
        return "missing field \(key.stringValue)" + (parent == "the line" ? "" : " in \(parent)")
    case .typeMismatch(let type, let context):
        return "\(path(context)): expected \(type)"
    case .valueNotFound(let type, let context):
        return "\(path(context)): expected \(type), found null"
    case .dataCorrupted(let context):
        let underlying = context.underlyingError.map { ": \($0)" } ?? ""
        return "\(path(context)): \(context.debugDescription)\(underlying)"
    @unknown default:
        return "\(error)"
    }
}
