import FuzzSupport
import HandbookCodec
import HandbookCrypto

/// The TEST trust store, loaded once.
let trustStore = FuzzSupport.trustStore()

/// libFuzzer entry point for a handbook document as a card would hand it over: the decoder with
/// every field rule, then the whole verification (signature, chain, revocation, issuer, binding).
///
/// Invariants: a document that decodes re-encodes to its own content bytes; verification never
/// passes the signature of bytes that do not decode; nothing traps, whatever the bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let decoded = try? HandbookDocument(decoding: input)
    let result = HandbookVerifier.verify(
        input, trustStore: trustStore, at: FuzzSupport.checkTime,
        cardSerial: decoded?.content.header.cardSerial)
    if let decoded {
        precondition(
            HandbookFormat.encode(decoded.content) == Array(decoded.signedBytes),
            "a decoded document does not re-encode to its own content bytes")
    } else {
        precondition(result.document == nil, "verification produced a document the decoder refuses")
        precondition(!result.outcome(of: .signature).passed, "a signature passed on bytes that do not decode")
    }
    return 0
}
