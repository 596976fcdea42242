/// A decoded BER-TLV structure: the input bytes and, for each element, where its tag, length and
/// value lie in them. Immutable; a class so that each ``TLVElement`` holds one reference, not two.
///
/// Decoding validates the whole structure at once (every tag, every length, the nesting, the end of
/// the input) but copies no value: ``TLVElement/value`` and ``TLVElement/encoded`` are slices of
/// the input. The element table is flat, in document order, so walking it needs no recursion.
public final class TLVTree: Sendable {
    struct Node: Sendable {
        var tag: TLVTag
        var headerStart: Int
        var valueStart: Int
        var end: Int
        /// The index in `nodes` just past this element's last descendant: its next sibling.
        var subtreeEnd: Int
    }

    /// The bytes that were decoded.
    public let bytes: ArraySlice<UInt8>
    let nodes: ContiguousArray<Node>
    let rootCount: Int

    /// Decodes exactly one element that fills `bytes`.
    ///
    /// - Throws: ``TLVError`` for any malformed input, including bytes after the element
    ///   (``TLVError/Code/trailingBytes``) and empty input (``TLVError/Code/emptyInput``).
    public convenience init(decoding bytes: [UInt8], options: TLVDecodingOptions = .strict) throws(TLVError) {
        try self.init(decoding: bytes[...], single: true, options: options)
    }

    /// Decodes exactly one element that fills `bytes`; offsets in errors count from `bytes.startIndex`.
    public convenience init(decoding bytes: ArraySlice<UInt8>, options: TLVDecodingOptions = .strict) throws(TLVError) {
        try self.init(decoding: bytes, single: true, options: options)
    }

    /// Decodes a sequence of one or more elements that together fill `bytes` exactly.
    public convenience init(decodingSequence bytes: [UInt8], options: TLVDecodingOptions = .strict) throws(TLVError) {
        try self.init(decoding: bytes[...], single: false, options: options)
    }

    private init(decoding bytes: ArraySlice<UInt8>, single: Bool, options: TLVDecodingOptions) throws(TLVError) {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Self.parse(buffer, base: bytes.startIndex, single: single, options: options)
        }
        let (nodes, rootCount) = try result.get()
        self.bytes = bytes
        self.nodes = nodes
        self.rootCount = rootCount
    }

    /// The top-level elements, in order.
    public var elements: TLVElements {
        TLVElements(tree: self, first: 0, end: nodes.count)
    }

    /// The single top-level element of a tree decoded with ``init(decoding:options:)-(([UInt8]),_)``.
    public var root: TLVElement { TLVElement(tree: self, index: 0) }

    /// The number of elements at every depth.
    public var elementCount: Int { nodes.count }

    /// Walks the bytes once; offsets are relative to the buffer and shifted by `base` in errors and nodes.
    private static func parse(
        _ buffer: UnsafeBufferPointer<UInt8>, base: Int, single: Bool, options: TLVDecodingOptions
    ) -> Result<(ContiguousArray<Node>, Int), TLVError> {
        guard !buffer.isEmpty else {
            return .failure(TLVError(.emptyInput, at: base, expected: "a BER-TLV element"))
        }
        var nodes = ContiguousArray<Node>()
        nodes.reserveCapacity(min(buffer.count / 4 + 1, 4096))
        // Open constructed elements: their index in `nodes` and where their value ends.
        var open: [(index: Int, end: Int)] = []
        var offset = 0
        var roots = 0
        while true {
            while let last = open.last, offset == last.end {
                nodes[last.index].subtreeEnd = nodes.count
                open.removeLast()
            }
            let limit = open.last?.end ?? buffer.count
            if offset == limit {
                break  // only reached with nothing open: the input is used up
            }
            if open.isEmpty {
                if single && roots == 1 {
                    return .failure(
                        TLVError(
                            .trailingBytes, at: base + offset,
                            expected: "the end of the input after the element (\(buffer.count - offset) byte(s) follow)"
                        ))
                }
                roots += 1
            }
            let header: TLVHeader
            switch TLVHeader.decode(buffer, at: offset, limit: limit, options: options) {
            case .success(let decoded): header = decoded
            case .failure(let error): return .failure(error.shifted(by: base))
            }
            let valueStart = offset + header.headerLength
            let available = limit - valueStart
            guard header.valueLength <= available else {
                let container = open.isEmpty ? "the input" : "the enclosing element"
                return .failure(
                    TLVError(
                        .lengthPastEnd, at: base + offset + header.tag.byteCount,
                        expected:
                            "a length of at most \(available) (what is left of \(container)), found \(header.valueLength)"
                    ))
            }
            let end = valueStart + header.valueLength
            nodes.append(
                Node(
                    tag: header.tag, headerStart: base + offset, valueStart: base + valueStart, end: base + end,
                    subtreeEnd: nodes.count + 1))
            if header.tag.isConstructed {
                guard open.count < options.maximumDepth else {
                    return .failure(
                        TLVError(
                            .nestingTooDeep, at: base + offset,
                            expected: "elements nested at most \(options.maximumDepth) deep"))
                }
                open.append((nodes.count - 1, end))
                offset = valueStart
            } else {
                offset = end
            }
        }
        return .success((nodes, roots))
    }
}

extension TLVError {
    func shifted(by base: Int) -> TLVError {
        base == 0 ? self : TLVError(code, at: offset + base, expected: expected)
    }
}

/// One element of a decoded ``TLVTree``: its tag, and its value as a slice of the decoded bytes.
public struct TLVElement: Sendable {
    let tree: TLVTree
    let index: Int

    private var node: TLVTree.Node { tree.nodes[index] }

    /// The element's tag.
    public var tag: TLVTag { node.tag }

    /// The value bytes, not copied.
    public var value: ArraySlice<UInt8> { tree.bytes[node.valueStart..<node.end] }

    /// The element exactly as it was read, header and value: the bytes a signature covers.
    public var encoded: ArraySlice<UInt8> { tree.bytes[node.headerStart..<node.end] }

    /// The offset of the element's first tag byte in the decoded input.
    public var offset: Int { node.headerStart }

    /// The offset of the element's first value byte in the decoded input.
    public var valueOffset: Int { node.valueStart }

    /// The elements inside a constructed element; empty for a primitive one.
    public var children: TLVElements {
        TLVElements(tree: tree, first: index + 1, end: node.subtreeEnd)
    }

    /// The first child with `tag`, or `nil`.
    public func child(_ tag: TLVTag) -> TLVElement? {
        children.first { $0.tag == tag }
    }

    /// The first child with `tag`.
    /// - Throws: ``TLVError/Code/unexpectedTag`` naming the missing tag and this element's offset.
    public func requiredChild(_ tag: TLVTag) throws(TLVError) -> TLVElement {
        guard let found = child(tag) else {
            throw TLVError(
                .unexpectedTag, at: offset, expected: "an element tagged \(tag) inside the element tagged \(self.tag)")
        }
        return found
    }
}

/// Sibling elements of a ``TLVTree``, in document order.
public struct TLVElements: Sequence, Sendable {
    let tree: TLVTree
    let first: Int
    let end: Int

    /// Walks the siblings by skipping each one's descendants.
    public struct Iterator: IteratorProtocol {
        let tree: TLVTree
        var position: Int
        let end: Int

        public mutating func next() -> TLVElement? {
            guard position < end else { return nil }
            let element = TLVElement(tree: tree, index: position)
            position = tree.nodes[position].subtreeEnd
            return element
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(tree: tree, position: first, end: end)
    }

    /// Whether there are no elements.
    public var isEmpty: Bool { first >= end }

    /// The number of elements (walks them).
    public var count: Int { reduce(0) { count, _ in count + 1 } }
}
