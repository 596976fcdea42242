import Foundation
import FuzzSupport
import HandbookCodec
import Verifier

/// libFuzzer entry point for what a card reader hands over besides the document: EF.CardInfo (as
/// its file and as the FCI of SELECT), EF.Status with its commit records, and card image files
/// (the virtual card's JSON, which `handbook-verify --image` reads).
///
/// Invariants: a commit record that decodes re-encodes to its bytes (before the padding); an image either reads or is
/// refused with an error; nothing traps, whatever the bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    if let info = try? CardInfo(decodingFile: input) {
        precondition(info.slotSize >= 0)
    }
    _ = try? CardInfo(decodingFCI: input)
    for record in CommitRecord.records(inFile: input) {
        precondition(record.documentLength >= 0 && record.activeSlot >= 0)
    }
    if let record = try? CommitRecord.decode(record: input) {
        precondition(input.starts(with: record.encoded), "a commit record does not re-encode to its bytes")
    }
    if let readout = try? CardImageFile.read(contents: Data(input), name: "fuzz input") {
        precondition(readout.document == nil || readout.status != nil, "a document without its commit record")
    }
    return 0
}
