/// What the issuance service answers a verifier about one card: `GET /v1/cards/{serial}/reference`.
///
/// The card's state, the state of the document the verifier asked about (by default the card's
/// current one) and the enterprise's current view, all read in **one** database snapshot, the
/// revision of which is `revision`. The parts are the same types a signed data package carries
/// (``PackageCard``, ``PackageDocument``, ``HandbookView``), so a verifier reconciles a card the
/// same way against either source.
public struct CardReference: Sendable, Hashable, Codable {
    /// The database revision the whole answer was read at.
    public var revision: UInt64
    /// The day publication windows and validity were applied for (UTC+8).
    public var asOf: CardDate
    /// What the database says of the card.
    public var card: PackageCard
    /// What it says of the document asked about; nil when it does not know that document, or when
    /// the card has none.
    public var document: PackageDocument?
    /// The current view of the card's enterprise; nil for a card not issued to an enterprise.
    public var view: HandbookView?

    public init(
        revision: UInt64, asOf: CardDate, card: PackageCard, document: PackageDocument?, view: HandbookView?
    ) {
        self.revision = revision
        self.asOf = asOf
        self.card = card
        self.document = document
        self.view = view
    }
}

/// A verifier's proof of check, as it is posted to `POST /v1/checks`: the one body both sides
/// encode and decode.
///
/// Fields stay text here and are checked by the service, which names the field that is wrong; a
/// revision decodes from any JSON number and is refused, naming `comparedRevision`, unless it is a
/// whole number from 0 to 2^53 − 1 (the integers every JSON implementation represents exactly).
public struct CheckProof: Sendable, Hashable, Codable {
    /// When the card was checked, `YYYY-MM-DDThh:mm:ssZ`.
    public var checkedAt: String
    /// The card's serial, hex.
    public var cardSerial: String
    /// The document the card carried, when it could be read.
    public var documentNumber: String?
    /// The verdict's name (``CardVerdict`` in the verifier).
    public var verdict: String
    /// The database revision the card was compared with.
    public var comparedRevision: UInt64?
    /// A note, free text.
    public var detail: String?

    /// The largest revision a proof may state: 2^53 − 1.
    public static let largestRevision: UInt64 = 9_007_199_254_740_991

    public init(
        checkedAt: CardTimestamp, cardSerial: String, documentNumber: String?, verdict: String,
        comparedRevision: UInt64?, detail: String? = nil
    ) {
        self.checkedAt = checkedAt.description
        self.cardSerial = cardSerial
        self.documentNumber = documentNumber
        self.verdict = verdict
        self.comparedRevision = comparedRevision
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case checkedAt, cardSerial, documentNumber, verdict, comparedRevision, detail
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        checkedAt = try container.decode(String.self, forKey: .checkedAt)
        cardSerial = try container.decode(String.self, forKey: .cardSerial)
        documentNumber = try container.decodeIfPresent(String.self, forKey: .documentNumber)
        verdict = try container.decode(String.self, forKey: .verdict)
        detail = try container.decodeIfPresent(String.self, forKey: .detail)
        // Any JSON number decodes as a Double; the range is checked here rather than by a
        // conversion that could trap or silently round.
        if let number = try container.decodeIfPresent(Double.self, forKey: .comparedRevision) {
            guard number >= 0, number <= Double(Self.largestRevision), number.rounded() == number,
                let whole = UInt64(exactly: number)
            else {
                throw DecodingError.dataCorruptedError(
                    forKey: .comparedRevision, in: container,
                    debugDescription: "a whole number from 0 to 2^53 − 1 expected")
            }
            comparedRevision = whole
        } else {
            comparedRevision = nil
        }
    }
}
