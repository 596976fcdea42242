import HandbookCodec

/// Which document a card has committed (Cards/FORMAT.md §1.6), found from EF.Status and the slots:
/// the newest commit record whose slot holds exactly the bytes it describes (length and SHA-256);
/// an older record is used only when the newest one's write was torn. Shared by the card reader and
/// by readers of card images, which differ only in how they fetch a slot's bytes.
public enum CommittedDocument: Sendable {
    /// EF.Status is all zero: no document was ever committed.
    case neverCommitted
    /// The newest record whose slot holds its document, and that document.
    case committed(CommitRecord, [UInt8])
    /// Something was written, but no record matches its slot: a torn or damaged issuance.
    case noMatchingRecord

    /// The record, when a document is committed.
    public var record: CommitRecord? {
        if case .committed(let record, _) = self { return record }
        return nil
    }

    /// Finds the committed document. `readSlot` returns the first `record.documentLength` bytes of
    /// the record's slot; its flag says whether the previous call read the same slot.
    public static func find<Failure: Error>(
        status: [UInt8], slotSize: Int, readSlot: (CommitRecord, Bool) throws(Failure) -> [UInt8]
    ) throws(Failure) -> CommittedDocument {
        if status.allSatisfy({ $0 == 0 }) { return .neverCommitted }
        var lastSlot: Int?
        for record in CommitRecord.records(inFile: status)
        where record.documentLength > 0 && record.documentLength <= slotSize {
            let document = try readSlot(record, lastSlot == record.activeSlot)
            lastSlot = record.activeSlot
            if document.count == record.documentLength && Digest.sha256.hash(document) == record.documentHash {
                return .committed(record, document)
            }
        }
        return .noMatchingRecord
    }
}
