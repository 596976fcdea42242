import CreditStore
import Foundation
import HandbookCodec
import Testing

@Suite("the record workflow: record, approve, publish, withdraw, amend, shorten")
struct WorkflowTests {
    @Test("a bad record goes recorded → approved → published and then shows in the view")
    func recordApprovePublish() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let uscc = t.suzhouEnterprise.enterprise.uscc
        let before = try #require(try await t.store.currentView(of: uscc, on: testToday, by: t.admin))

        let recorded = try await t.store.record(t.badDraft(), by: t.suzhouRecorder)
        #expect(recorded.status == .recorded)
        #expect(recorded.recordNumber.value.hasPrefix("320500"))
        #expect(recorded.recordNumber.value.count == 16)
        // Recorded and approved records are not public yet.
        #expect(try await t.store.currentView(of: uscc, on: testToday, by: t.admin)?.view == before.view)
        let approved = try await t.store.approve(recorded.recordNumber, by: t.jiangsuApprover)
        #expect(approved.status == .approved)
        #expect(try await t.store.currentView(of: uscc, on: testToday, by: t.admin)?.view == before.view)
        let published = try await t.store.publish(recorded.recordNumber, on: day("2026-11-27"), by: t.jiangsuApprover)
        #expect(published.publishedFrom == day("2026-11-27"))
        #expect(published.publishedUntil == day("2027-11-27"))

        let after = try #require(try await t.store.currentView(of: uscc, on: testToday, by: t.admin))
        #expect(after.revision > before.revision)
        #expect(after.view.creditRecords.count == before.view.creditRecords.count + 1)
        let shown = try #require(after.view.creditRecords.first { $0.recordNumber == recorded.recordNumber })
        #expect(shown.kind == .bad)
        #expect(shown.behaviourCode?.code == "D1-3-01")
        #expect(shown.authorityLevel == .city)

        let history = try await t.store.history(of: recorded.recordNumber, by: t.admin)
        #expect(history.map(\.action) == ["recorded", "approved", "published"])
        #expect(history.map(\.account) == ["suzhou", "jiangsu", "jiangsu"])
        #expect(history.map(\.snapshot.status) == [.recorded, .approved, .published])
        let audit = try await t.store.auditEntries(after: 0, limit: 1000, by: t.admin).filter {
            $0.subject == recorded.recordNumber.value
        }
        #expect(audit.map(\.action) == ["record.recorded", "record.approved", "record.published"])
        #expect(audit.map(\.account) == ["suzhou", "jiangsu", "jiangsu"])
        // Each step is its own revision.
        #expect(Set(audit.map(\.revision)).count == 3)
    }

    @Test("the second record of a region takes the next serial")
    func serials() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let first = try await t.store.record(t.badDraft(), by: t.suzhouRecorder)
        let second = try await t.store.record(t.badDraft(code: "D1-1-03"), by: t.suzhouRecorder)
        #expect(first.recordNumber.value == "3205000000000001")
        #expect(second.recordNumber.value == "3205000000000002")
    }

    @Test("roles and regions are enforced on every step")
    func authorisation() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let draft = t.badDraft()
        // The approver records nothing; a recorder of Suzhou records nothing for Ningbo.
        await expectCode(.forbidden) { _ = try await t.store.record(draft, by: t.jiangsuApprover) }
        var ningbo = draft
        ningbo.region = region("330200")
        await expectCode(.forbidden) { _ = try await t.store.record(ningbo, by: t.suzhouRecorder) }
        let recorded = try await t.store.record(draft, by: t.suzhouRecorder)
        // A recorder cannot approve; an inspector nothing (their roles: 403). Zhejiang cannot approve
        // Jiangsu's records, and learns nothing from trying: the answer is the one for a record that
        // does not exist (404, the same message).
        await expectCode(.forbidden) { _ = try await t.store.approve(recorded.recordNumber, by: t.suzhouRecorder) }
        await expectCode(.forbidden) { _ = try await t.store.approve(recorded.recordNumber, by: t.inspector) }
        let absent = try RecordNumber("3205000000009999")
        let elsewhere = await #expect(throws: StoreError.self) {
            _ = try await t.store.approve(recorded.recordNumber, by: t.zhejiangApprover)
        }
        let nowhere = await #expect(throws: StoreError.self) {
            _ = try await t.store.approve(absent, by: t.jiangsuApprover)
        }
        #expect(elsewhere?.code == .notFound)
        #expect(
            elsewhere?.message.replacingOccurrences(of: recorded.recordNumber.value, with: "N")
                == nowhere?.message.replacingOccurrences(of: absent.value, with: "N"))
        // A disabled account acts no more, even with the Account value it had.
        _ = try await t.store.setDisabled(true, account: "jiangsu", by: t.admin)
        await expectCode(.unknownAccount) {
            _ = try await t.store.approve(recorded.recordNumber, by: t.jiangsuApprover)
        }
        #expect(try await t.store.creditRecord(recorded.recordNumber, by: t.admin)?.status == .recorded)
    }

    @Test("a city account covers its city: not the province's own records, not another city's")
    func cityScope() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let suzhouApprover = try await t.store.createAccount(
            name: "suzhou-approver", role: .approver, scope: RegionScope([region("320500")]), passwordHash: nil,
            by: t.admin)
        let jiangsuRecorder = try await t.store.createAccount(
            name: "jiangsu-recorder", role: .recorder, scope: RegionScope([region("320000")]), passwordHash: nil,
            by: t.admin)
        // Suzhou records for Suzhou only: neither Nanjing (320100) nor the province level (320000).
        for elsewhere in ["320100", "320000"] {
            var draft = t.badDraft()
            draft.region = region(elsewhere)
            await expectCode(.forbidden) { _ = try await t.store.record(draft, by: t.suzhouRecorder) }
        }
        // A Nanjing record and a province-level one, recorded by the province: Suzhou's approver
        // finds neither; its own city's record it approves.
        var nanjing = t.badDraft()
        nanjing.region = region("320100")
        var province = t.badDraft()
        province.region = region("320000")
        for draft in [nanjing, province] {
            let recorded = try await t.store.record(draft, by: jiangsuRecorder)
            await expectCode(.notFound) { _ = try await t.store.approve(recorded.recordNumber, by: suzhouApprover) }
            #expect(try await t.store.creditRecord(recorded.recordNumber, by: suzhouApprover) == nil)
            #expect(try await t.store.creditRecord(recorded.recordNumber, by: t.jiangsuApprover) != nil)
        }
        let own = try await t.store.record(t.badDraft(), by: t.suzhouRecorder)
        #expect(try await t.store.approve(own.recordNumber, by: suzhouApprover).status == .approved)
    }

    @Test("steps out of order are refused and change nothing")
    func stateConflicts() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let recorded = try await t.store.record(t.badDraft(), by: t.suzhouRecorder)
        await expectCode(.conflict) {
            _ = try await t.store.publish(recorded.recordNumber, on: testToday, by: t.jiangsuApprover)
        }
        _ = try await t.store.approve(recorded.recordNumber, by: t.jiangsuApprover)
        let revision = try await t.store.revision()
        await expectCode(.conflict) { _ = try await t.store.approve(recorded.recordNumber, by: t.jiangsuApprover) }
        await expectCode(.conflict) {
            _ = try await t.store.reject(recorded.recordNumber, reason: "重复", by: t.jiangsuApprover)
        }
        #expect(try await t.store.revision() == revision)
        #expect(try await t.store.history(of: recorded.recordNumber, by: t.admin).count == 2)
    }

    @Test("drafts that break the rules are refused with what is wrong")
    func invalidDrafts() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        var draft = t.badDraft(months: 4)
        await expectCode(.invalidInput, containing: "6 to 36 months") {
            _ = try await t.store.record(draft, by: t.suzhouRecorder)
        }
        draft = t.badDraft()
        draft.behaviourCode = nil
        await expectCode(.invalidInput, containing: "behaviour code") {
            _ = try await t.store.record(draft, by: t.suzhouRecorder)
        }
        draft = t.badDraft(decided: "2026-12-24")
        await expectCode(.invalidInput, containing: "after today") {
            _ = try await t.store.record(draft, by: t.suzhouRecorder)
        }
        draft = t.badDraft()
        draft.summary = "a\u{0007}b"
        await expectCode(.invalidInput, containing: "control") {
            _ = try await t.store.record(draft, by: t.suzhouRecorder)
        }
        draft = t.badDraft()
        draft.uscc = try USCC("91320500MA1MXXXX0X", mode: .lenient)
        await expectCode(.notFound) { _ = try await t.store.record(draft, by: t.suzhouRecorder) }
    }

    @Test("a withdrawn record leaves the view and keeps its history")
    func withdraw() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let uscc = t.suzhouEnterprise.enterprise.uscc
        let number = try await publishedBadRecord(t)
        #expect(try await viewNumbers(t, uscc).contains(number))
        let withdrawn = try await t.store.withdraw(number, reason: "行政复议撤销处罚决定", by: t.jiangsuApprover)
        #expect(withdrawn.status == .withdrawn)
        #expect(!(try await viewNumbers(t, uscc).contains(number)))
        let history = try await t.store.history(of: number, by: t.admin)
        #expect(history.map(\.action) == ["recorded", "approved", "published", "withdrawn"])
        #expect(history.last?.reason == "行政复议撤销处罚决定")
        #expect(history[2].snapshot.status == .published)
    }

    @Test("an amendment changes the view and keeps the earlier version")
    func amend() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let uscc = t.suzhouEnterprise.enterprise.uscc
        let number = try await publishedBadRecord(t)
        let amended = try await t.store.amend(
            number, RecordAmendment(behaviourCode: try BehaviourCode("D1-3-03"), decisionNumber: "苏住建罚〔2026〕88号-1"),
            reason: "复议变更", by: t.jiangsuApprover)
        #expect(amended.version == 4)
        let shown = try #require(
            try await t.store.currentView(of: uscc, on: testToday, by: t.admin)?.view.creditRecords.first {
                $0.recordNumber == number
            })
        #expect(shown.behaviourCode?.code == "D1-3-03")
        #expect(shown.decisionNumber == "苏住建罚〔2026〕88号-1")
        let history = try await t.store.history(of: number, by: t.admin)
        #expect(history.count == 4)
        #expect(history[2].snapshot.behaviourCode?.code == "D1-3-01")
        #expect(history[3].snapshot.behaviourCode?.code == "D1-3-03")
        await expectCode(.invalidInput, containing: "changes nothing") {
            _ = try await t.store.amend(number, RecordAmendment(), reason: "无", by: t.jiangsuApprover)
        }
    }

    @Test("an approved shortening is honoured, never below three months")
    func shorten() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let uscc = t.suzhouEnterprise.enterprise.uscc
        let number = try await publishedBadRecord(t, months: 24)  // 2026-11-27 … 2028-11-27
        // Below three months after 2026-11-27 is refused, at request and at approval.
        await expectCode(.invalidInput, containing: "at least 3 months") {
            _ = try await t.store.requestShortening(
                number, until: day("2027-02-26"), reason: "整改到位", by: t.suzhouRecorder)
        }
        await expectCode(.invalidInput, containing: "does not shorten") {
            _ = try await t.store.requestShortening(
                number, until: day("2029-01-01"), reason: "整改到位", by: t.suzhouRecorder)
        }
        let request = try await t.store.requestShortening(
            number, until: day("2027-02-27"), reason: "整改到位，申请缩短公布期限", by: t.suzhouRecorder)
        // Pending: the window is unchanged.
        #expect(try await t.store.creditRecord(number, by: t.admin)?.publishedUntil == day("2028-11-27"))
        await expectCode(.forbidden) { _ = try await t.store.approveShortening(request.id, by: t.suzhouRecorder) }
        let shortened = try await t.store.approveShortening(request.id, by: t.jiangsuApprover)
        #expect(shortened.publishedUntil == day("2027-02-27"))
        // In the view until the new end, gone the day after.
        let onLastDay = try await t.store.currentView(of: uscc, on: day("2027-02-27"), by: t.admin)
        #expect(onLastDay?.view.creditRecords.contains { $0.recordNumber == number } == true)
        let dayAfter = try await t.store.currentView(of: uscc, on: day("2027-02-28"), by: t.admin)
        #expect(dayAfter?.view.creditRecords.contains { $0.recordNumber == number } == false)
        await expectCode(.conflict) { _ = try await t.store.approveShortening(request.id, by: t.jiangsuApprover) }
        let history = try await t.store.history(of: number, by: t.admin)
        #expect(history.last?.action == "shortened")
        #expect(history.last?.snapshot.publishedUntil == day("2027-02-27"))
        let actions = try await t.store.auditEntries(after: 0, limit: 1000, by: t.admin).filter {
            $0.subject == number.value
        }.map(
            \.action)
        #expect(actions.suffix(2) == ["record.shortening-requested", "record.shortened"])
    }
}

@Suite("the current view: exactly what a card would carry on a given day")
struct ViewRuleTests {
    @Test("publication windows, validity and withdrawal decide what is in the view")
    func windows() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let demo = t.suzhouEnterprise
        let uscc = demo.enterprise.uscc
        let view = try #require(try await t.store.currentView(of: uscc, on: testToday, by: t.admin))
        #expect(view.asOf == testToday)
        #expect(view.revision == (try await t.store.revision()))
        // Exactly the demo records whose window holds today and which were not withdrawn.
        let expected = demo.records.filter {
            !$0.withdrawn && $0.record.publishedFrom <= testToday && testToday <= $0.record.publishedUntil
        }.map(\.record.recordNumber)
        #expect(view.view.creditRecords.map(\.recordNumber) == expected.sorted())
        #expect(view.view.qualifications.count == demo.qualifications.filter { $0.validUntil >= testToday }.count)
        #expect(view.view.practitioners.count == demo.practitioners.count)
        // Identity numbers leave the database masked only.
        for practitioner in view.view.practitioners {
            #expect(practitioner.maskedIdentityNumber.contains("*"))
        }
        #expect(view.view.projects.count == demo.projects.count)

        // On the last day of a bad record's window it is shown, the day after it is not.
        let bad = try #require(demo.records.first { $0.record.kind.isUnfavourable && !$0.withdrawn })
        let last = try await t.store.currentView(of: uscc, on: bad.record.publishedUntil, by: t.admin)
        #expect(last?.view.creditRecords.contains { $0.recordNumber == bad.record.recordNumber } == true)
        let after = try await t.store.currentView(
            of: uscc, on: try bad.record.publishedUntil.adding(days: 1), by: t.admin)
        #expect(after?.view.creditRecords.contains { $0.recordNumber == bad.record.recordNumber } == false)
    }

    @Test("the view of an unknown enterprise is nil, and lookups by old identifiers find the enterprise")
    func lookups() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let demo = try t.dataset.enterprise(3)  // index 3 carries a registration number
        #expect(
            try await t.store.currentView(
                of: try USCC("91320500MA1MXXXX0X", mode: .lenient), on: testToday, by: t.admin) == nil)
        let byCode = try await t.store.enterprise(
            identifiedBy: demo.enterprise.organizationCode!.description, by: t.admin)
        #expect(byCode?.uscc == demo.enterprise.uscc)
        let byNumber = try await t.store.enterprise(
            identifiedBy: demo.enterprise.registrationNumber!.value, by: t.admin)
        #expect(byNumber?.uscc == demo.enterprise.uscc)
        let byName = try await t.store.enterprises(
            namePrefix: String(demo.enterprise.name.prefix(4)), limit: 50, by: t.admin)
        #expect(byName.contains { $0.uscc == demo.enterprise.uscc })
    }

    @Test("card status reports the card, its document and the revision")
    func cardStatus() async throws {
        let t = try await TestStore()
        defer { t.remove() }
        let demo = t.suzhouEnterprise
        let status = try #require(try await t.store.cardStatus(demo.card, by: t.admin))
        #expect(status.state == .issued)
        #expect(status.uscc == demo.enterprise.uscc)
        #expect(status.documentState == .current)
        #expect(status.document?.region.code == "320000")
        #expect(try await t.store.cardStatus(try CardSerial(hex: "0000000000000001"), by: t.admin) == nil)
    }
}

// MARK: Helpers

func expectCode(
    _ code: StoreError.Code, containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected \(code.rawValue), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let text { #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation) }
    } catch {
        Issue.record("expected StoreError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
}

func publishedBadRecord(_ t: TestStore, months: Int = 12) async throws -> RecordNumber {
    let recorded = try await t.store.record(t.badDraft(months: months), by: t.suzhouRecorder)
    _ = try await t.store.approve(recorded.recordNumber, by: t.jiangsuApprover)
    _ = try await t.store.publish(recorded.recordNumber, on: day("2026-11-27"), by: t.jiangsuApprover)
    return recorded.recordNumber
}

func viewNumbers(_ t: TestStore, _ uscc: USCC) async throws -> [RecordNumber] {
    try await t.store.currentView(of: uscc, on: testToday, by: t.admin)?.view.creditRecords.map(\.recordNumber) ?? []
}
