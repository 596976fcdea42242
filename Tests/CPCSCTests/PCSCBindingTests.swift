import CPCSC
import Testing

/// Proves the binding reaches the real pcsc-lite: these calls go through libpcsclite to the running
/// pcscd, which `make test` starts with the vsmartcard `vpcd` driver and its two virtual readers.
@Suite("pcsc-lite binding")
struct PCSCBindingTests {
    @Test("establishes a context against pcscd and lists both virtual readers")
    func listsVirtualReaders() throws {
        var context: SCARDCONTEXT = 0
        let established = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context)
        try #require(established == SCARD_S_SUCCESS, "SCardEstablishContext: \(hex(established)); is pcscd running?")
        defer { SCardReleaseContext(context) }

        #expect(SCardIsValidContext(context) == SCARD_S_SUCCESS)

        // The two-call form: first the size, then the multi-string.
        var size: DWORD = 0
        let sized = SCardListReaders(context, nil, nil, &size)
        try #require(sized == SCARD_S_SUCCESS, "SCardListReaders (size): \(hex(sized))")
        var buffer = [CChar](repeating: 0, count: Int(size))
        let listed = SCardListReaders(context, nil, &buffer, &size)
        try #require(listed == SCARD_S_SUCCESS, "SCardListReaders: \(hex(listed))")

        let names = multiString(buffer)
        #expect(names.contains("Virtual PCD 00 00"), "readers: \(names)")
        #expect(names.contains("Virtual PCD 00 01"), "readers: \(names)")
    }

    @Test("SCARD_READERSTATE has the 64-bit Linux layout pcsc-lite expects")
    func readerStateLayout() {
        #expect(MemoryLayout<SCARD_READERSTATE>.size == 80)
        #expect(MemoryLayout<DWORD>.size == 8)
    }

    private func multiString(_ buffer: [CChar]) -> [String] {
        buffer.split(separator: 0).map { chars in
            String(decoding: chars.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    private func hex(_ code: Int) -> String { "0x" + String(UInt32(truncatingIfNeeded: code), radix: 16) }
}
