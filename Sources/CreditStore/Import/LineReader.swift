import Foundation

/// Reads a file line by line in fixed-size chunks: memory stays bounded by the chunk and the
/// longest line allowed, whatever the file's size.
struct LineReader {
    enum Line {
        case line(number: Int, bytes: ArraySlice<UInt8>)
        case tooLong(number: Int)
    }

    private let handle: FileHandle
    private let chunkSize: Int
    private let maximumLineLength: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private(set) var lineNumber = 0
    private(set) var bytesRead = 0
    /// Called with every chunk read, for a digest of the whole file.
    private let onChunk: (Data) -> Void

    init(handle: FileHandle, chunkSize: Int = 1 << 20, maximumLineLength: Int, onChunk: @escaping (Data) -> Void) {
        self.handle = handle
        self.chunkSize = chunkSize
        self.maximumLineLength = maximumLineLength
        self.onChunk = onChunk
    }

    /// The next line without its line feed (and carriage return), or nil at the end.
    mutating func next() throws -> Line? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                lineNumber += 1
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[start..<end]
                start = newline + 1
                if line.count > maximumLineLength { return .tooLong(number: lineNumber) }
                return .line(number: lineNumber, bytes: line)
            }
            if buffer.count - start > maximumLineLength {
                // Skip the rest of the overlong line so the reader can go on counting lines.
                lineNumber += 1
                let number = lineNumber
                buffer.removeAll(keepingCapacity: true)
                start = 0
                while !atEnd {
                    let data = try readChunk()
                    if let newline = data.firstIndex(of: 0x0A) {
                        buffer = Array(data[(newline + 1)...])
                        break
                    }
                }
                return .tooLong(number: number)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                lineNumber += 1
                let line = buffer[start...]
                start = buffer.count
                return .line(number: lineNumber, bytes: line)
            }
            buffer.removeFirst(start)
            start = 0
            buffer += try readChunk()
        }
    }

    private mutating func readChunk() throws -> Data {
        let data = try handle.read(upToCount: chunkSize) ?? Data()
        if data.isEmpty {
            atEnd = true
        } else {
            bytesRead += data.count
            onChunk(data)
        }
        return data
    }
}
