import HandbookCodec
import PropertyBased
import Testing

/// A document with a stand-in signature: the codec neither makes nor checks signatures.
private func sampleDocument(seed: UInt64 = 5, counts: (Int, Int, Int, Int, Int) = (2, 2, 2, 1, 1)) throws -> (
    HandbookContent, [UInt8]
) {
    var rng = SeededGenerator(seed: seed)
    let view = try SyntheticData.view(
        qualifications: counts.0, practitioners: counts.1, projects: counts.2, goodRecords: counts.3,
        badRecords: counts.4, using: &rng)
    let region = try RegionCode("320000")
    let header = DocumentHeader(
        documentNumber: try DocumentNumber(region: region, serial: 7),
        cardSerial: try CardSerial(hex: "0011223344556677"),
        issuedAt: try CardTimestamp(digits: "20260601083000"), expiresOn: try CardDate(year: 2027, month: 5, day: 31),
        issuingOffice: IssuingOffice(region: region, name: "江苏省信用手册发证窗口"), databaseRevision: 99,
        cardPublicKey: CardKeyEncoding.Curve.p256.prefix + [0x04] + [UInt8](repeating: 0x11, count: 64))
    let content = try CapacityPlanner.plan(view: view, header: header, slotSize: 15360, signatureLength: 800)
    let signature = HandbookSignature(
        algorithm: try OID(dotted: "1.2.840.10045.4.3.2"), certificate: [UInt8](repeating: 0x30, count: 500),
        value: [UInt8](repeating: 1, count: 70))
    return (content, HandbookDocument.assemble(content: HandbookFormat.encode(content), signature: signature))
}

/// Rewrites a document's content tree and re-encodes it canonically.
private func rewritten(_ bytes: [UInt8], _ change: (inout [TLVValue]) -> Void) throws -> [UInt8] {
    let tree = try TLVTree(decodingSequence: bytes)
    let elements = Array(tree.elements)
    guard case .constructed(let tag, var children) = TLVValue(elements[0]) else { fatalError("content is constructed") }
    change(&children)
    return TLVValue.constructed(tag, children).encoded + Array(elements[1].encoded)
}

private func replaceChild(_ children: inout [TLVValue], at path: [Int], with value: TLVValue?) {
    guard let first = path.first else { return }
    if path.count == 1 {
        if let value { children[first] = value } else { children.remove(at: first) }
        return
    }
    guard case .constructed(let tag, var inner) = children[first] else { fatalError("not constructed at \(path)") }
    replaceChild(&inner, at: Array(path.dropFirst()), with: value)
    children[first] = .constructed(tag, inner)
}

private func expectFormatError(
    _ bytes: [UInt8], _ code: HandbookFormatError.Code, field: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(sourceLocation: sourceLocation) {
        _ = try HandbookDocument(decoding: bytes)
    } throws: { error in
        guard let error = error as? HandbookFormatError else { return false }
        return error.code == code && error.field == field
    }
}

@Suite("document format, version 1")
struct DocumentFormatTests {
    @Test("a document decodes to the content it was encoded from, and keeps the exact signed bytes")
    func roundTrip() throws {
        let (content, bytes) = try sampleDocument()
        let document = try HandbookDocument(decoding: bytes)
        #expect(document.content == content)
        #expect(Array(document.signedBytes) == HandbookFormat.encode(content))
        #expect(document.signature.value == [UInt8](repeating: 1, count: 70))
    }

    @Test("an unknown format version is refused")
    func version() throws {
        let (_, bytes) = try sampleDocument()
        let changed = try rewritten(bytes) { $0[0] = .primitive(TLVTag(rawValue: 0x80)!, [2]) }
        expectFormatError(changed, .unsupportedVersion, field: "content.formatVersion")
    }

    @Test("a USCC whose check character fails is refused, naming the field")
    func badUSCC() throws {
        let (content, bytes) = try sampleDocument()
        var uscc = Array(content.enterprise.uscc.value.utf8)
        uscc[17] = uscc[17] == 0x30 ? 0x31 : 0x30
        // enterprise is the 9th field of the content; the USCC its first.
        let changed = try rewritten(bytes) {
            replaceChild(&$0, at: [8, 0], with: .primitive(TLVTag(rawValue: 0x80)!, uscc))
        }
        expectFormatError(changed, .invalidField, field: "content.enterprise.uscc")
    }

    @Test("a full identity number is refused: cards carry masked numbers only")
    func unmaskedIdentity() throws {
        let (_, bytes) = try sampleDocument()
        let changed = try rewritten(bytes) {
            replaceChild(
                &$0, at: [10, 0, 4], with: .primitive(TLVTag(rawValue: 0x84)!, Array("310101198001010018".utf8)))
        }
        expectFormatError(changed, .invalidField, field: "content.practitioners[0].maskedIdentityNumber")
    }

    @Test("a date that does not exist is refused")
    func badDate() throws {
        let (_, bytes) = try sampleDocument()
        let changed = try rewritten(bytes) {
            replaceChild(&$0, at: [9, 0, 3], with: .primitive(TLVTag(rawValue: 0x83)!, [0x20, 0x23, 0x02, 0x29]))
        }
        expectFormatError(changed, .invalidField, field: "content.qualifications[0].validFrom")
    }

    @Test("an enumeration out of range is refused")
    func badEnumeration() throws {
        let (_, bytes) = try sampleDocument()
        let changed = try rewritten(bytes) {
            replaceChild(&$0, at: [12, 0, 1], with: .primitive(TLVTag(rawValue: 0x81)!, [9]))
        }
        expectFormatError(changed, .invalidField, field: "content.creditRecords[0].kind")
    }

    @Test("a missing required field and an unknown field are refused")
    func missingAndUnknown() throws {
        let (_, bytes) = try sampleDocument()
        let missing = try rewritten(bytes) { replaceChild(&$0, at: [5], with: nil) }  // databaseRevision
        expectFormatError(missing, .missingField, field: "content.databaseRevision")
        let unknown = try rewritten(bytes) { $0.append(.primitive(TLVTag(rawValue: 0x9F20)!, [1])) }
        expectFormatError(unknown, .unexpectedField, field: "content")
    }

    @Test("anything but content then signature is refused")
    func structure() throws {
        let (_, bytes) = try sampleDocument()
        expectFormatError(bytes + [0], .malformedTLV, field: "document")
        let tree = try TLVTree(decodingSequence: bytes)
        let parts = Array(tree.elements)
        expectFormatError(Array(parts[1].encoded) + Array(parts[0].encoded), .wrongStructure, field: "document")
        expectFormatError(Array(parts[0].encoded), .wrongStructure, field: "document")
        expectFormatError([], .malformedTLV, field: "document")
    }

    @Test("every truncation of a document is refused")
    func truncations() throws {
        let (_, bytes) = try sampleDocument(counts: (1, 1, 1, 1, 1))
        for length in 0..<bytes.count {
            #expect(throws: HandbookFormatError.self) { try HandbookDocument(decoding: Array(bytes.prefix(length))) }
        }
    }
}

@Suite("capacity planner")
struct CapacityPlannerTests {
    private static let signatureLength = 800

    private func header() throws -> DocumentHeader {
        DocumentHeader(
            documentNumber: try DocumentNumber("3100000000000001"), cardSerial: try CardSerial(hex: "0102030405060708"),
            issuedAt: try CardTimestamp(digits: "20260601000000"),
            expiresOn: try CardDate(year: 2027, month: 1, day: 1),
            issuingOffice: IssuingOffice(region: try RegionCode("310000"), name: "上海市发证窗口"), databaseRevision: 1,
            cardPublicKey: CardKeyEncoding.Curve.p256.prefix + [0x04] + [UInt8](repeating: 0x11, count: 64))
    }

    @Test(
        "over many random views it keeps every unfavourable record and qualification, and every document fits its slot")
    func randomViews() async throws {
        let header = try header()
        await propertyCheck(
            count: 60, input: Gen.int(in: 0...12), Gen.int(in: 0...150), Gen.int(in: 0...250), Gen.int(in: 0...80),
            Gen.int(in: 0...25), Gen.uint64(in: 0...UInt64.max)
        ) { qualifications, practitioners, projects, good, bad, seed in
            var rng = SeededGenerator(seed: seed)
            let view = try SyntheticData.view(
                qualifications: qualifications, practitioners: practitioners, projects: projects, goodRecords: good,
                badRecords: bad,
                blacklist: Int(seed % 3), using: &rng)
            let profile = CardProfile.all[Int(seed % UInt64(CardProfile.all.count))]
            do {
                let content = try CapacityPlanner.plan(
                    view: view, header: header, slotSize: profile.slotSize, signatureLength: Self.signatureLength)
                let size = HandbookFormat.encode(content).count
                #expect(size + Self.signatureLength <= profile.slotSize)
                #expect(Set(content.qualifications) == Set(view.qualifications))
                let unfavourable = view.creditRecords.filter { $0.kind.isUnfavourable }
                #expect(Set(unfavourable).isSubset(of: Set(content.creditRecords)))
                let favourableKept = content.creditRecords.filter { !$0.kind.isUnfavourable }
                #expect(
                    UInt32(view.creditRecords.count - unfavourable.count - favourableKept.count)
                        == content.omitted.goodRecords)
                #expect(UInt32(view.projects.count - content.projects.count) == content.omitted.projects)
                #expect(UInt32(view.practitioners.count - content.practitioners.count) == content.omitted.practitioners)
                #expect(content.performance == view.performance)
                // The kept favourable records are the newest ones.
                if let oldestKept = favourableKept.map(\.decisionDate).min() {
                    let newerLeftOut = view.creditRecords.filter {
                        !$0.kind.isUnfavourable && !favourableKept.contains($0) && $0.decisionDate > oldestKept
                    }
                    #expect(newerLeftOut.isEmpty)
                }
                // A decoded document says the same.
                let document = try HandbookDocument(
                    decoding: HandbookDocument.assemble(
                        content: HandbookFormat.encode(content),
                        signature: HandbookSignature(
                            algorithm: try OID(dotted: "1.2.840.10045.4.3.2"),
                            certificate: [UInt8](repeating: 0x30, count: 600), value: [UInt8](repeating: 1, count: 72)))
                )
                #expect(document.content == content)
            } catch let error as CapacityError {
                #expect(error.requiredBytes > profile.slotSize)
                if let smallest = error.smallestSufficientProfile {
                    #expect(smallest.slotSize >= error.requiredBytes)
                    #expect(
                        CardProfile.all.filter { $0.slotSize < smallest.slotSize }.allSatisfy {
                            $0.slotSize < error.requiredBytes
                        })
                }
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test("when the mandatory part does not fit, the error names the smallest card that holds it")
    func mandatoryTooLarge() throws {
        var rng = SeededGenerator(seed: 99)
        let view = try SyntheticData.view(
            qualifications: 6, practitioners: 5, projects: 5, goodRecords: 2, badRecords: 30, using: &rng)
        let small = try #require(CardProfile.named("handbook-8k"))
        #expect {
            try CapacityPlanner.plan(
                view: view, header: try header(), slotSize: small.slotSize, signatureLength: Self.signatureLength)
        } throws: { error in
            guard let error = error as? CapacityError else { return false }
            return error.smallestSufficientProfile?.name == "handbook-32k" && error.description.contains("handbook-32k")
        }
        let content = try CapacityPlanner.plan(
            view: view, header: try header(), slotSize: CardProfile.named("handbook-32k")!.slotSize,
            signatureLength: Self.signatureLength)
        #expect(content.creditRecords.filter { $0.kind == .bad }.count == 30)
    }

    @Test("card profiles come from Cards/card-profiles.tsv, smallest first")
    func profiles() {
        #expect(CardProfile.all.map(\.name) == ["handbook-8k", "handbook-32k", "handbook-64k"])
        #expect(CardProfile.named("handbook-8k")?.isT0 == true)
        #expect(CardProfile.named("handbook-8k")?.maxResponseData == 256)
        #expect(CardProfile.named("handbook-64k")?.extendedLength == true)
    }
}
