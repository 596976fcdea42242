/// The status words of ISO/IEC 7816-4 §5.6 that the handbook card and its readers use, with what
/// they mean: one table for the reader side, which explains them, and the card side, which answers
/// with them.
public enum StatusWord {
    public static let success: UInt16 = 0x9000
    /// The file ended before Le bytes: the bytes left are in the answer.
    public static let endOfFile: UInt16 = 0x6282
    public static let wrongLength: UInt16 = 0x6700
    public static let securityNotSatisfied: UInt16 = 0x6982
    public static let blocked: UInt16 = 0x6983
    public static let conditionsNotSatisfied: UInt16 = 0x6985
    public static let incorrectData: UInt16 = 0x6A80
    public static let notFound: UInt16 = 0x6A82
    public static let wrongP1P2: UInt16 = 0x6A86
    public static let referenceNotFound: UInt16 = 0x6A88
    public static let offsetOutside: UInt16 = 0x6B00
    public static let instructionNotSupported: UInt16 = 0x6D00
    public static let classNotSupported: UInt16 = 0x6E00
    public static let unknownError: UInt16 = 0x6F00

    /// `61xx`: xx more bytes wait for GET RESPONSE (00: 256).
    public static func moreData(_ count: Int) -> UInt16 { 0x6100 | UInt16(truncatingIfNeeded: min(count, 256) & 0xFF) }
    /// `6Cxx`: wrong Le, xx bytes are available (00: 256).
    public static func wrongLe(available count: Int) -> UInt16 {
        0x6C00 | UInt16(truncatingIfNeeded: min(count, 256) & 0xFF)
    }
    /// `63Cx`: verification failed, x tries left (at most 15 shown).
    public static func triesLeft(_ count: Int) -> UInt16 { 0x63C0 | UInt16(truncatingIfNeeded: min(max(count, 0), 15)) }

    /// The two bytes of a status word.
    public static func bytes(_ sw: UInt16) -> [UInt8] { [UInt8(sw >> 8), UInt8(sw & 0xFF)] }

    /// What a status word means, for messages.
    public static func meaning(_ sw: UInt16) -> String {
        switch sw {
        case success: return "success"
        case endOfFile: return "end of file reached"
        case wrongLength: return "wrong length"
        case securityNotSatisfied: return "security status not satisfied"
        case blocked: return "authentication method blocked"
        case conditionsNotSatisfied: return "conditions of use not satisfied"
        case incorrectData: return "incorrect data"
        case notFound: return "file or application not found"
        case wrongP1P2: return "incorrect P1-P2"
        case referenceNotFound: return "referenced data not found"
        case offsetOutside: return "offset outside the file"
        case instructionNotSupported: return "instruction not supported"
        case classNotSupported: return "class not supported"
        case unknownError: return "unknown error in the card"
        default:
            if sw & 0xFFF0 == 0x63C0 { return "verification failed, \(sw & 0x0F) tries left" }
            if sw >> 8 == 0x6C { return "wrong Le, \(sw & 0xFF) available" }
            if sw >> 8 == 0x61 { return "\(sw & 0xFF == 0 ? 256 : Int(sw & 0xFF)) more bytes available" }
            return "unknown status"
        }
    }
}

/// The instruction bytes (INS) of the commands the handbook card application uses
/// (Cards/FORMAT.md §1.5).
public enum Instruction {
    public static let select: UInt8 = 0xA4
    public static let readBinary: UInt8 = 0xB0
    public static let updateBinary: UInt8 = 0xD6
    public static let getChallenge: UInt8 = 0x84
    public static let externalAuthenticate: UInt8 = 0x82
    public static let internalAuthenticate: UInt8 = 0x88
    public static let generateAsymmetricKeyPair: UInt8 = 0x46
    public static let getResponse: UInt8 = 0xC0
}
