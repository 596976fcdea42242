import Foundation
import FuzzSupport
import HandbookCodec
import HandbookCrypto

/// The TEST trust store, loaded once.
let trustStore = FuzzSupport.trustStore()

/// libFuzzer entry point for the data-package reader: line by line, the whole file, and the
/// verifier (signature, purpose, region cross-checks, age).
///
/// Invariants: a package that verifies parses, and what it holds lies in its region; nothing traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    for line in input.split(separator: 0x0A) {
        if let decoded = try? DataPackageLine(decoding: line) {
            _ = try? decoded.encoded()
        }
    }
    let parsed = try? DataPackageContents(parsing: input)
    if let verified = try? DataPackageVerifier.verify(
        input, trustStore: trustStore, now: Date(), maximumAge: 100 * 365 * 86_400)
    {
        precondition(parsed != nil, "a package verified that does not parse")
        let region = verified.contents.header.region
        precondition(verified.contents.views.values.allSatisfy { region.covers($0.enterprise.registeredRegion) })
    }
    return 0
}
