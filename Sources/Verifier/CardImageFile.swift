import CardReader
import Foundation
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import ISO7816

/// A card image file: the files of a card as the virtual card keeps them (JSON with base64
/// `cardInfo`, `status`, `slot0`, `slot1`). Read as a verifier reads a card, without its keys.
public enum CardImageFile {
    struct Files: Decodable {
        var cardInfo: Data
        var status: Data
        var slot0: Data
        var slot1: Data
    }

    /// Two 64 KB slots in base64 and the rest come to about 180 KB; nothing larger is an image.
    static let sizeLimit = 4 << 20

    /// Reads the card image file at `path`.
    public static func read(_ path: String) throws -> CardReadout {
        let contents: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size <= sizeLimit else {
                throw VerifierError(.cardImage, "\(path) is \(size) bytes: larger than any card image")
            }
            contents = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as VerifierError {
            throw error
        } catch {
            throw VerifierError(.cardImage, "\(path) cannot be read: \(error.localizedDescription)")
        }
        return try read(contents: contents, name: path)
    }

    /// Reads a card image from its bytes (`name` is what messages call it): the card's files as a
    /// reader would find them.
    public static func read(contents: Data, name: String) throws -> CardReadout {
        guard contents.count <= sizeLimit else {
            throw VerifierError(.cardImage, "\(name) is \(contents.count) bytes: larger than any card image")
        }
        let files: Files
        do {
            files = try JSONDecoder().decode(Files.self, from: contents)
        } catch {
            throw VerifierError(.cardImage, "\(name) is not a card image: \(error)")
        }
        let info: CardInfo
        do {
            info = try CardInfo(decodingFile: [UInt8](files.cardInfo))
        } catch {
            throw CardReadError.content(.malformedFile(error))
        }
        let slots = [[UInt8](files.slot0), [UInt8](files.slot1)]
        switch CommittedDocument.find(
            status: [UInt8](files.status), slotSize: info.slotSize,
            readSlot: { record, _ in
                Array(slots[record.activeSlot].prefix(record.documentLength))
            })
        {
        case .neverCommitted:
            return CardReadout(info: info, status: nil, document: nil)
        case .committed(let record, let document):
            return CardReadout(info: info, status: record, document: document)
        case .noMatchingRecord:
            throw CardReadError.content(
                .incompleteIssuance("no commit record of EF.Status matches the bytes of its slot"))
        }
    }
}
