import CPCSC
import ISO7816

extension CardError {
    /// Maps a PC/SC return code of `operation` to a typed error.
    static func pcsc(_ result: Int, _ operation: String, reader: String? = nil) -> CardError {
        let place = reader.map { " (\($0))" } ?? ""
        switch result {
        case Int(SCARD_E_NO_SERVICE), Int(SCARD_E_SERVICE_STOPPED):
            return CardError(
                .serviceUnavailable,
                "\(operation): the PC/SC service pcscd is not running; start it with `scripts/pcscd.sh start` (or `pcscd`)",
                pcscCode: result)
        case Int(SCARD_E_NO_READERS_AVAILABLE), Int(SCARD_E_UNKNOWN_READER), Int(SCARD_E_READER_UNAVAILABLE):
            return CardError(
                .noReader, "\(operation)\(place): no such reader is attached; check the reader's cable or name",
                pcscCode: result)
        case Int(SCARD_E_NO_SMARTCARD):
            return CardError(.noCard, "\(operation)\(place): no card in the reader; insert one", pcscCode: result)
        case Int(SCARD_W_REMOVED_CARD), Int(SCARD_W_UNPOWERED_CARD), Int(SCARD_W_UNRESPONSIVE_CARD):
            return CardError(
                .cardRemoved, "\(operation)\(place): the card was removed or does not answer; insert it again",
                pcscCode: result)
        case Int(SCARD_W_RESET_CARD):
            return CardError(
                .cardReset, "\(operation)\(place): the card was reset by another application", pcscCode: result)
        case Int(SCARD_E_SHARING_VIOLATION):
            return CardError(
                .sharingViolation, "\(operation)\(place): another application is using the card exclusively",
                pcscCode: result)
        case Int(SCARD_E_TIMEOUT):
            return CardError(.timeout, "\(operation)\(place): timed out", pcscCode: result)
        case Int(SCARD_E_CANCELLED):
            return CardError(.cancelled, "\(operation)\(place): cancelled", pcscCode: result)
        default:
            let text = pcsc_stringify_error(result).map { String(cString: $0) } ?? "unknown error"
            return CardError(.pcsc, "\(operation)\(place): \(text)", pcscCode: result)
        }
    }
}
