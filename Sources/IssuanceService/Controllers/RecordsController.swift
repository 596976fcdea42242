import CodedErrors
import CreditStore
import Foundation
import HandbookCodec
import Hummingbird

/// Credit records through the seed's workflow: record (采集), approve (审核), publish; reject,
/// withdraw, amend; shortenings of a publication window.
struct RecordsController: Sendable {
    let store: any CreditStore
    let clock: @Sendable () -> Date

    func addRoutes(to api: some RouterMethods<ServiceContext>) {
        api.route(.post, "/records", .recordCredit, body: RecordBody.self) { body, _, account in
            JSONBody(try await store.record(try body.draft(), by: account), status: .created)
        }
        api.route(.get, "/records/:number", .readRecord) { _, context, account in
            let number = try recordNumber(context)
            let record = try await store.creditRecord(number, by: account)
            guard let record else {
                throw ServiceError(.notFound, "STORE_NOT_FOUND", "no credit record numbered \(number)")
            }
            return JSONBody(
                RecordWithHistory(
                    record: record, history: try await store.history(of: number, by: account),
                    shortenings: try await store.shorteningRequests(of: number, by: account)))
        }
        api.route(.post, "/records/:number/approve", .approveRecord) { _, context, account in
            JSONBody(try await store.approve(try recordNumber(context), by: account))
        }
        api.route(.post, "/records/:number/reject", .rejectRecord, body: ReasonBody.self) { body, context, account in
            JSONBody(try await store.reject(try recordNumber(context), reason: body.reason, by: account))
        }
        api.route(.post, "/records/:number/publish", .publishRecord, body: PublishBody.self) { body, context, account in
            let day = try body.on.map { try parseDate($0, "on") } ?? CardDate(clock())
            return JSONBody(try await store.publish(try recordNumber(context), on: day, by: account))
        }
        api.route(.post, "/records/:number/withdraw", .withdrawRecord, body: ReasonBody.self) {
            body, context, account in
            JSONBody(try await store.withdraw(try recordNumber(context), reason: body.reason, by: account))
        }
        api.route(.post, "/records/:number/amend", .amendRecord, body: AmendBody.self) { body, context, account in
            JSONBody(
                try await store.amend(try recordNumber(context), try body.amendment(), reason: body.reason, by: account)
            )
        }
        api.route(.post, "/records/:number/shortenings", .requestShortening, body: ShorteningBody.self) {
            body, context, account in
            JSONBody(
                try await store.requestShortening(
                    try recordNumber(context), until: try parseDate(body.until, "until"), reason: body.reason,
                    by: account),
                status: .created)
        }
        api.route(.post, "/shortenings/:id/approve", .decideShortening) { _, context, account in
            JSONBody(try await store.approveShortening(try shorteningID(context), by: account))
        }
        api.route(.post, "/shortenings/:id/reject", .decideShortening, body: ReasonBody.self) {
            body, context, account in
            JSONBody(try await store.rejectShortening(try shorteningID(context), reason: body.reason, by: account))
        }
    }

    func recordNumber(_ context: ServiceContext) throws -> RecordNumber {
        try context.parameter("number") { try RecordNumber($0) }
    }

    func shorteningID(_ context: ServiceContext) throws -> Int64 {
        let text = try context.parameters.require("id")
        guard let id = Int64(text), id > 0 else {
            throw ServiceError(.malformed, "BAD_PARAMETER", "id: a shortening request id is a positive whole number")
        }
        return id
    }
}
