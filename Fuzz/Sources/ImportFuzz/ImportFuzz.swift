import CreditStore
import Foundation
import FuzzSupport
import HandbookCodec

/// A real SQLite file in a folder of its own with the demo data of 12 enterprises, and the
/// accounts that import: a Jiangsu approver (the file's region) and the admin of all three.
struct Fixture: Sendable {
    let store: SQLCreditStore
    let approver: Account
    let file: URL

    static let shared: Fixture = {
        do {
            let folder = try FuzzSupport.temporaryFolder("import-fuzz")
            let store = try SQLCreditStore(path: folder.appendingPathComponent("credit.sqlite").path)
            let regions = RegionScope(try ["310000", "320000", "330000"].map { try RegionCode($0) })
            let created = FuzzSupport.wait {
                try? await store.createAccount(name: "admin", role: .admin, scope: regions, passwordHash: nil, by: nil)
            }
            guard let admin = created else { fatalError("fuzz: cannot create the admin") }
            try store.loadDemo(DemoDataset(seed: 7, count: 12), range: 0..<12, by: admin)
            let approver = FuzzSupport.wait {
                try? await store.createAccount(
                    name: "approver", role: .approver, scope: RegionScope([try RegionCode("320000")]),
                    passwordHash: nil, by: admin)
            }
            guard let approver else { fatalError("fuzz: cannot create the approver") }
            return Fixture(store: store, approver: approver, file: folder.appendingPathComponent("input.jsonl"))
        } catch {
            fatalError("fuzz: the import fixture does not set up: \(error)")
        }
    }()
}

/// libFuzzer entry point for the import: the first byte picks the entity, the rest is the file
/// after its header (rows and the end line) — decoded, validated, authorised row by row against the
/// database and applied whole or not at all.
///
/// Invariant: a file is applied, or refused with a store error of the caller's making (a 4xx
/// kind: rows, rules, conflicts) — never an internal or database error; nothing traps.
/// Sets the fixture up before the first input, so that what the set-up allocates for good (the
/// database's caches, the runtime's) is not counted against an input by the leak check.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> Int32 {
    _ = Fixture.shared
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let entity = ImportEntity.allCases[Int(input[0]) % ImportEntity.allCases.count]
    let header = #"{"format":"credit-handbook-import","version":2,"entity":"\#(entity.rawValue)","region":"320000"}"#
    let fixture = Fixture.shared
    do {
        try Data(Array(header.utf8) + [0x0A] + input.dropFirst()).write(to: fixture.file)
    } catch {
        fatalError("fuzz: cannot write the input file: \(error)")
    }
    let outcome = FuzzSupport.wait { () -> StoreError? in
        do throws(StoreError) {
            _ = try await fixture.store.importFile(at: fixture.file, by: fixture.approver, progress: nil)
            return nil
        } catch {
            return error
        }
    }
    if let outcome {
        precondition(
            outcome.kind != .internal && outcome.kind != .unavailable,
            "an import file caused a \(outcome.kind) error: \(outcome)")
    }
    return 0
}
