import HandbookCodec

/// libFuzzer entry point for the BER-TLV decoder.
///
/// Any input must either be refused with a ``TLVError`` or decode into a tree whose re-encoding is
/// byte-for-byte the input (strict decoding accepts canonical encodings only). Every primitive
/// reader is run on every element: none may crash, whatever the bytes. A violated invariant traps,
/// which libFuzzer reports as a crash with the input saved.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))

    if let tree = try? TLVTree(decoding: input) {
        let reencoded = TLVValue(tree.root).encoded
        precondition(reencoded == input, "strict decoding accepted a non-canonical encoding")
        precondition(Array(tree.root.encoded) == input)
        var count = 0
        visit(tree.root, count: &count)
        precondition(count == tree.elementCount)
    }

    if let sequence = try? TLVTree(decodingSequence: input) {
        var writer = TLVWriter()
        for element in sequence.elements { writer.appendEncoded(element.encoded) }
        precondition(writer.bytes == input, "a decoded sequence does not cover the input exactly")
    }

    let lenient = TLVDecodingOptions(maximumDepth: 64, requireMinimalLength: false, maximumLengthFieldBytes: 5)
    if let tree = try? TLVTree(decoding: input, options: lenient) {
        precondition(tree.root.encoded.count == input.count)
    }

    if let header = try? TLVHeader(decoding: input) {
        precondition(header.headerLength <= TLVHeader.maximumLength)
    }
    return 0
}

private func visit(_ element: TLVElement, count: inout Int) {
    count += 1
    if element.tag.isConstructed {
        for child in element.children { visit(child, count: &count) }
        return
    }
    _ = try? element.unsignedValue()
    _ = try? element.utf8Value()
    _ = try? element.dateValue()
    _ = try? element.bcdDigits()
    _ = try? element.oidValue()
}
