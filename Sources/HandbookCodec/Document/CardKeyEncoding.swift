/// How the card authentication public key is written in a document (field `87`, Cards/FORMAT.md
/// §2.2): a DER SubjectPublicKeyInfo of exactly 91 bytes — `id-ecPublicKey` (1.2.840.10045.2.1)
/// with the named curve P-256 (1.2.840.10045.3.1.7) or SM2 (1.2.156.10197.1.301), and the point
/// uncompressed (`04` ‖ X ‖ Y, 32 bytes each). Nothing else is a card key: no other curve, no
/// compressed point, no explicit parameters, no trailing bytes.
///
/// This checks the encoding only; whether the point lies on its curve takes the curve arithmetic
/// of OpenSSL, which the verifier applies (HandbookCrypto).
public enum CardKeyEncoding {
    /// The curve of a card key.
    public enum Curve: String, Sendable, Hashable, CaseIterable {
        case p256 = "P-256"
        case sm2 = "SM2"

        /// The 26 bytes before the point's `04`: the SEQUENCE headers, both OIDs, the BIT STRING
        /// header of 66 bytes and its unused-bits byte.
        public var prefix: [UInt8] {
            switch self {
            case .p256:
                return [
                    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A,
                    0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
                ]
            case .sm2:
                return [
                    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A,
                    0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D, 0x03, 0x42, 0x00,
                ]
            }
        }
    }

    /// The length of every card key: 26 bytes of structure, `04`, X and Y.
    public static let length = 91

    /// The curve of a well-encoded card key, or why `bytes` are not one.
    public static func curve(of bytes: some Collection<UInt8>) -> Result<Curve, CardKeyProblem> {
        guard bytes.count == length else {
            return .failure(
                CardKeyProblem(detail: "a card key is 91 bytes (P-256 or SM2, uncompressed), found \(bytes.count)"))
        }
        let array = Array(bytes)
        guard let curve = Curve.allCases.first(where: { array.starts(with: $0.prefix) }) else {
            return .failure(
                CardKeyProblem(
                    detail:
                        "not an id-ecPublicKey SubjectPublicKeyInfo on P-256 (1.2.840.10045.3.1.7) or SM2 (1.2.156.10197.1.301)"
                ))
        }
        guard array[curve.prefix.count] == 0x04 else {
            return .failure(CardKeyProblem(detail: "the point must be uncompressed (04 ‖ X ‖ Y)"))
        }
        return .success(curve)
    }
}

/// Why bytes are not a card key.
public struct CardKeyProblem: Error, Sendable, Hashable {
    public let detail: String
}
