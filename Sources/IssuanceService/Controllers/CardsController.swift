import CardReader
import CodedErrors
import CreditStore
import Foundation
import HandbookApplication
import HandbookCodec
import Hummingbird
import ISO7816

/// Readers of the service host, issuance, cards, documents, revocation and proofs of check.
struct CardsController: Sendable {
    let store: any CreditStore
    /// Card status and card references are read here (a hot standby, or `store`).
    let readStore: any CreditStore
    let issuer: CardIssuer?
    /// The readers issuance may use; empty allows any reader of the host.
    let readers: [String]
    let clock: @Sendable () -> Date

    func addRoutes(to api: some RouterMethods<ServiceContext>) {
        api.route(.get, "/readers", .listReaders) { _, _, _ in
            let attached =
                (try? await CardExecutor.listing.run { context throws(CardError) in try context.readers() }) ?? []
            return JSONBody(attached.filter { readers.isEmpty || readers.contains($0) })
        }
        api.route(.post, "/issuances", .issueHandbook, body: IssuanceBody.self) { body, context, account in
            let uscc = try field("uscc") { try USCC(body.uscc, mode: .lenient) }
            guard readers.isEmpty || readers.contains(body.reader) else {
                throw ServiceError(
                    .invalidInput, "UNKNOWN_READER",
                    "reader: \"\(body.reader.prefix(80))\" is not one of this service's readers: \(readers.joined(separator: ", "))"
                )
            }
            guard let issuer else {
                throw ServiceError(
                    .unavailable, "ISSUANCE_NOT_CONFIGURED", "this service has no office key configured")
            }
            return JSONBody(
                try await issuer.issue(uscc: uscc, reader: body.reader, by: account, logger: context.logger),
                status: .created)
        }
        api.route(.get, "/issuances/:id", .readJournal) { _, context, account in
            let text = try context.parameters.require("id")
            guard let id = Int64(text), id > 0 else {
                throw ServiceError(.malformed, "BAD_PARAMETER", "id: a journal entry id is a positive whole number")
            }
            let found = try await store.journalEntry(id, by: account)
            guard var entry = found else {
                throw ServiceError(.notFound, "STORE_NOT_FOUND", "no journal entry \(id)")
            }
            entry.document = nil
            return JSONBody(entry)
        }
        api.route(.get, "/cards/:serial", .readCard) { _, context, account in
            JSONBody(try await cardStatus(context, account))
        }
        // The verifier's one round trip: card, document and current view in one snapshot.
        api.route(.get, "/cards/:serial/reference", .readReference) { request, context, account in
            let serial = try context.parameter("serial") { try CardSerial(hex: $0) }
            let document = try request.text("document", maximum: 32).map { text in
                try field("document") { try DocumentNumber(text) }
            }
            let day = try request.text("on", maximum: 10).map { try parseDate($0, "on") } ?? CardDate(clock())
            let reference = try await readStore.cardReference(serial, document: document, on: day, by: account)
            guard let reference else {
                throw ServiceError(.notFound, "STORE_NOT_FOUND", "no card \(serial) in the database")
            }
            return JSONBody(reference)
        }
        api.route(.post, "/cards/:serial/revoke", .revokeCard, body: ReasonBody.self) { body, context, account in
            let serial = try context.parameter("serial") { try CardSerial(hex: $0) }
            return JSONBody(try await store.revokeCard(serial, reason: body.reason, by: account))
        }
        api.route(.post, "/documents/:number/revoke", .revokeCard, body: ReasonBody.self) { body, context, account in
            let number = try context.parameter("number") { try DocumentNumber($0) }
            try await store.revokeDocument(number, reason: body.reason, by: account)
            return Response(status: .noContent)
        }
        api.route(.get, "/cards/:serial/checks", .readChecks) { request, context, account in
            let serial = try context.parameter("serial") { try CardSerial(hex: $0) }
            let limit = try request.integer("limit", default: 100, in: 1...1_000)
            return JSONBody(try await store.checks(of: serial, limit: limit, by: account))
        }
        api.route(.post, "/checks", .sendCheck, body: CheckProof.self) { body, _, account in
            JSONBody(try await store.recordCheck(try body.record(), by: account), status: .created)
        }
    }

    func cardStatus(_ context: ServiceContext, _ account: Account) async throws -> CardStatusReport {
        let serial = try context.parameter("serial") { try CardSerial(hex: $0) }
        let status = try await readStore.cardStatus(serial, by: account)
        guard let status else {
            throw ServiceError(.notFound, "STORE_NOT_FOUND", "no card \(serial) in the database")
        }
        return status
    }
}

/// Audit log: entries of the account's regions, and the chain's verification.
struct AuditController: Sendable {
    let store: any CreditStore

    func addRoutes(to api: some RouterMethods<ServiceContext>) {
        api.route(.get, "/audit", .readAudit) { request, _, account in
            let after = try request.integer("after", default: 0, in: 0...Int(Int64.max))
            let limit = try request.integer("limit", default: 100, in: 1...1_000)
            return JSONBody(try await store.auditEntries(after: Int64(after), limit: limit, by: account))
        }
        api.route(.get, "/audit/verify", .readAudit) { _, _, account in
            JSONBody(try await store.verifyAuditChain(by: account))
        }
    }
}
