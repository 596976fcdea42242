/// A BER-TLV element as a plain value: a tag with either bytes or further elements.
///
/// Convenient for building small structures and for comparing what was decoded with what was meant;
/// the handbook document itself is written straight into a ``TLVWriter`` and read from a ``TLVTree``.
public enum TLVValue: Sendable, Hashable {
    case primitive(TLVTag, [UInt8])
    case constructed(TLVTag, [TLVValue])

    /// The element's tag.
    public var tag: TLVTag {
        switch self {
        case .primitive(let tag, _), .constructed(let tag, _): return tag
        }
    }

    /// Copies a decoded element and everything inside it.
    public init(_ element: TLVElement) {
        if element.tag.isConstructed {
            self = .constructed(element.tag, element.children.map(TLVValue.init))
        } else {
            self = .primitive(element.tag, Array(element.value))
        }
    }

    /// Writes the element into `writer`.
    public func write(to writer: inout TLVWriter) {
        switch self {
        case .primitive(let tag, let value):
            writer.appendPrimitive(tag, value: value)
        case .constructed(let tag, let children):
            writer.appendConstructed(tag) { inner in
                for child in children { child.write(to: &inner) }
            }
        }
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = TLVWriter()
        write(to: &writer)
        return writer.bytes
    }
}
