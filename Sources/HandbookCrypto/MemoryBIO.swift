import COpenSSL

/// Runs `body` with a read-only memory BIO over `bytes`.
func withReadBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws(CryptoError) -> T) throws(CryptoError) -> T {
    let result: Result<T, CryptoError> = bytes.withUnsafeBytes { raw in
        guard let length = Int32(exactly: raw.count), let bio = BIO_new_mem_buf(raw.baseAddress, length) else {
            return .failure(.openssl("create a memory BIO"))
        }
        defer { BIO_free(bio) }
        do throws(CryptoError) {
            return .success(try body(bio))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

/// Runs `write` on an empty memory BIO and returns what it wrote.
func writtenToBIO(_ operation: String, _ write: (OpaquePointer) -> Int32) throws(CryptoError) -> [UInt8] {
    guard let bio = BIO_new(BIO_s_mem()) else { throw .openssl("create a memory BIO") }
    defer { BIO_free(bio) }
    guard write(bio) == 1 else { throw .openssl(operation) }
    var data: UnsafeMutablePointer<CChar>?
    let length = copenssl_BIO_get_mem_data(bio, &data)
    guard let data, length > 0 else { return [] }
    return data.withMemoryRebound(to: UInt8.self, capacity: length) {
        Array(UnsafeBufferPointer(start: $0, count: length))
    }
}

/// DER from an OpenSSL `i2d_*` function, called twice: once for the size, once to write.
func encodeDER(_ operation: String, _ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32)
    throws(CryptoError) -> [UInt8]
{
    let size = encode(nil)
    guard size > 0 else { throw .openssl(operation) }
    var bytes = [UInt8](repeating: 0, count: Int(size))
    let written = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        return encode(&cursor)
    }
    guard written == size else { throw .openssl(operation) }
    return bytes
}
