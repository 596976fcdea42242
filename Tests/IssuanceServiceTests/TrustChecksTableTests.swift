import Foundation
import ServiceTestSupport
import TestSupport
import Testing

/// `Tests/TRUST-CHECKS.md` stays in step with the code: every mutant's text is found exactly once
/// in its file, and every test it names exists (so `make mutants` can run every row).
@Suite("Tests/TRUST-CHECKS.md follows the code")
struct TrustChecksTableTests {
    struct Mutant {
        let name: String
        let test: String
        let file: String
        let before: String
    }

    static func mutants() throws -> [Mutant] {
        let text = try Repository.text("Tests/TRUST-CHECKS.md")
        return try text.split(separator: "\n").filter { $0.hasPrefix("| m-") }.map { line in
            // Cells split at pipes that are not escaped.
            var cells: [String] = []
            var cell = ""
            var previous: Character = " "
            for character in line.dropFirst() {
                if character == "|", previous != "\\" {
                    cells.append(cell.trimmingCharacters(in: .whitespaces))
                    cell = ""
                } else {
                    cell.append(character)
                }
                previous = character
            }
            try #require(cells.count == 6, "\(line)")
            func code(_ cell: String) -> String {
                String(cell.dropFirst().dropLast()).replacingOccurrences(of: "\\|", with: "|")
                    .replacingOccurrences(of: "\\n", with: "\n")
            }
            return Mutant(
                name: cells[0], test: code(cells[2]), file: code(cells[3]), before: code(cells[4]))
        }
    }

    @Test("every mutant's text occurs once in its file; every named test exists")
    func table() throws {
        let mutants = try Self.mutants()
        #expect(mutants.count >= 20)
        for mutant in mutants {
            let source = try Repository.text(mutant.file)
            #expect(source.components(separatedBy: mutant.before).count == 2, "\(mutant.name): \(mutant.before)")
            let parts = mutant.test.split(separator: "/")
            let suite = String(parts[0])
            let folder = Repository.root.appendingPathComponent("Tests")
            let files =
                FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String }
                .filter { $0.hasSuffix(".swift") } ?? []
            let declared = try files.contains { file in
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                guard text.contains("struct \(suite) ") || text.contains("struct \(suite){") else { return false }
                return parts.count < 2 || text.contains("func \(parts[1])(")
            }
            #expect(declared, "\(mutant.name): no test \(mutant.test)")
        }
    }
}
