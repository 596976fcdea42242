import CardReader
import CreditStore
import Foundation
import HTTPTypes
import HandbookCodec
import HandbookCrypto
import Hummingbird
import Logging
import NIOCore

/// What signs data packages served at `GET /v1/packages/{region}`.
public struct PackageSigning: Sendable {
    public let key: PrivateKey
    public let certificate: Certificate
    public let revocationLists: [CertificateRevocationList]
    /// Where built packages are kept, one per region and revision.
    public let directory: URL

    public init(key: PrivateKey, certificate: Certificate, revocationLists: [CertificateRevocationList], directory: URL)
    {
        self.key = key
        self.certificate = certificate
        self.revocationLists = revocationLists
        self.directory = directory
    }
}

/// The HTTP API of a licensing office (Docs/API.md), built on a store, sessions and, when the host
/// has readers, a card issuer.
public struct IssuanceAPI: Sendable {
    public let store: any CreditStore
    public let sessions: Sessions
    public let throttle: LoginThrottle
    public let issuer: CardIssuer?
    public let packages: PackageSigning?
    /// The readers issuance may use; empty allows any reader of the host.
    public let readers: [String]
    public let clock: @Sendable () -> Date

    public init(
        store: any CreditStore, sessions: Sessions, throttle: LoginThrottle = LoginThrottle(), issuer: CardIssuer?,
        packages: PackageSigning?, readers: [String] = [], clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.sessions = sessions
        self.throttle = throttle
        self.issuer = issuer
        self.packages = packages
        self.readers = readers
        self.clock = clock
    }

    /// The router with every route under /v1.
    public func router() -> Router<ServiceContext> {
        let router = Router(context: ServiceContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("/v1/health") { _, _ in
            JSONBody(Health(status: "ok", revision: try await store.revision()))
        }
        router.post("/v1/login") { request, context in try await login(request, context) }

        let api = router.group("/v1").add(middleware: AuthenticationMiddleware(sessions: sessions, store: store))
        api.post("/logout") { _, context in
            if let token = context.token { await sessions.close(token) }
            return Response(status: .noContent)
        }
        api.get("/me") { _, context in JSONBody(AccountView(try context.requireAccount())) }

        // Enterprises and views.
        api.get("/enterprises") { request, context in
            let account = try context.requireAccount()
            try account.require(Role.allCases.filter { $0 != .auditor }, "search enterprises")
            guard let name = request.uri.queryParameters.get("name"), !name.isEmpty else {
                throw ServiceError(
                    .badRequest, "MISSING_PARAMETER", "give ?name= with the start of the enterprise's name")
            }
            let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 20
            let found = try await store.enterprises(namePrefix: name, limit: limit)
            return JSONBody(found.filter { account.scope.covers($0.registeredRegion) })
        }
        api.get("/enterprises/:key") { _, context in
            let account = try context.requireAccount()
            try account.require(Role.allCases.filter { $0 != .auditor }, "read enterprises")
            let enterprise = try await enterprise(context.parameters.require("key"))
            try account.authorise(Set(Role.allCases), for: enterprise.registeredRegion, to: "read this enterprise")
            return JSONBody(enterprise)
        }
        api.get("/enterprises/:key/view") { request, context in
            let account = try context.requireAccount()
            try account.require([.inspector, .issuer, .approver, .recorder, .admin], "read current views")
            let key = try context.parameters.require("key")
            let day = try request.uri.queryParameters.get("on").map { try parseDate($0, "on") } ?? today
            // By USCC in one read; an old identifier is looked up first. The region is checked
            // before anything is answered.
            let uscc = try? USCC(key, mode: .lenient)
            let view: RevisionedView?
            if let uscc {
                view = try await store.currentView(of: uscc, on: day)
            } else {
                view = try await store.currentView(of: try await enterprise(key).uscc, on: day)
            }
            guard let view else {
                throw ServiceError(.notFound, "STORE_NOT_FOUND", "no enterprise \(key.prefix(32))")
            }
            try account.authorise(
                Set(Role.allCases), for: view.view.enterprise.registeredRegion, to: "read this enterprise's view")
            return JSONBody(view)
        }

        // Credit records: the workflow.
        api.post("/records") { request, context in
            let account = try context.requireAccount()
            try account.require([.recorder], "record credit behaviour")
            let body = try await decode(RecordBody.self, request, context)
            return JSONBody(try await store.record(try body.draft(), by: account), status: .created)
        }
        api.get("/records/:number") { _, context in
            let account = try context.requireAccount()
            try account.require([.recorder, .approver, .auditor, .admin], "read records")
            let number = try recordNumber(context)
            try account.authorise(Set(Role.allCases), for: number.region, to: "read records of \(number.region.code)")
            guard let record = try await store.creditRecord(number) else {
                throw ServiceError(.notFound, "STORE_NOT_FOUND", "no credit record \(number)")
            }
            return JSONBody(RecordWithHistory(record: record, history: try await store.history(of: number)))
        }
        api.post("/records/:number/approve") { _, context in
            let account = try context.requireAccount()
            try account.require([.approver], "approve records")
            return JSONBody(try await store.approve(try recordNumber(context), by: account))
        }
        api.post("/records/:number/reject") { request, context in
            let account = try context.requireAccount()
            try account.require([.approver], "reject records")
            let body = try await decode(ReasonBody.self, request, context)
            return JSONBody(try await store.reject(try recordNumber(context), reason: body.reason, by: account))
        }
        api.post("/records/:number/publish") { request, context in
            let account = try context.requireAccount()
            try account.require([.approver], "publish records")
            let body = try await decode(PublishBody.self, request, context, allowEmpty: true)
            let day = try body.on.map { try parseDate($0, "on") } ?? today
            return JSONBody(try await store.publish(try recordNumber(context), on: day, by: account))
        }
        api.post("/records/:number/withdraw") { request, context in
            let account = try context.requireAccount()
            try account.require([.approver], "withdraw records")
            let body = try await decode(ReasonBody.self, request, context)
            return JSONBody(try await store.withdraw(try recordNumber(context), reason: body.reason, by: account))
        }
        api.post("/records/:number/amend") { request, context in
            let account = try context.requireAccount()
            try account.require([.approver], "amend records")
            let body = try await decode(AmendBody.self, request, context)
            return JSONBody(
                try await store.amend(try recordNumber(context), try body.amendment(), reason: body.reason, by: account)
            )
        }
        api.post("/records/:number/shortenings") { request, context in
            let account = try context.requireAccount()
            try account.require([.recorder, .approver], "file shortenings")
            let body = try await decode(ShorteningBody.self, request, context)
            return JSONBody(
                try await store.requestShortening(
                    try recordNumber(context), until: try parseDate(body.until, "until"), reason: body.reason,
                    by: account),
                status: .created)
        }
        api.post("/shortenings/:id/approve") { _, context in
            let account = try context.requireAccount()
            try account.require([.approver], "approve shortenings")
            guard let id = Int64(try context.parameters.require("id")) else {
                throw ServiceError(.badRequest, "BAD_PARAMETER", "a shortening request id is a number")
            }
            return JSONBody(try await store.approveShortening(id, by: account))
        }

        // Cards, documents, issuance.
        api.get("/readers") { _, context in
            try context.requireAccount().require([.issuer, .admin], "list readers")
            let attached = (try? PCSCContext().readers()) ?? []
            return JSONBody(attached.filter { readers.isEmpty || readers.contains($0) })
        }
        api.post("/issuances") { request, context in
            let account = try context.requireAccount()
            try account.require([.issuer], "issue handbooks")
            let body = try await decode(IssuanceBody.self, request, context)
            let uscc = try field("uscc") { try USCC(body.uscc, mode: .lenient) }
            guard let enterprise = try await store.enterprise(identifiedBy: uscc.value) else {
                throw ServiceError(.notFound, "STORE_NOT_FOUND", "no enterprise \(uscc)")
            }
            try account.authorise(
                [.issuer], for: enterprise.registeredRegion,
                to: "issue handbooks to enterprises registered in \(enterprise.registeredRegion.code)")
            guard readers.isEmpty || readers.contains(body.reader) else {
                throw ServiceError(
                    .unprocessableContent, "UNKNOWN_READER",
                    "reader \"\(body.reader)\" is not one of this service's readers: \(readers.joined(separator: ", "))"
                )
            }
            guard let issuer else {
                throw ServiceError(
                    .serviceUnavailable, "ISSUANCE_NOT_CONFIGURED", "this service has no office key configured")
            }
            return JSONBody(try await issuer.issue(uscc: uscc, reader: body.reader, by: account), status: .created)
        }
        api.get("/issuances/:id") { _, context in
            try context.requireAccount().require([.issuer, .admin, .auditor], "read the issuance journal")
            guard let id = Int64(try context.parameters.require("id")),
                var entry = try await store.journalEntry(id)
            else { throw ServiceError(.notFound, "STORE_NOT_FOUND", "no such journal entry") }
            entry.document = nil
            return JSONBody(entry)
        }
        api.get("/cards/:serial") { _, context in
            let account = try context.requireAccount()
            try account.require([.inspector, .issuer, .admin, .auditor], "read card status")
            let status = try await cardStatus(context)
            try await authoriseForCard(account, status)
            return JSONBody(status)
        }
        api.post("/cards/:serial/revoke") { request, context in
            let account = try context.requireAccount()
            try account.require([.issuer, .admin], "revoke cards")
            let body = try await decode(ReasonBody.self, request, context)
            let serial = try field("serial") { try CardSerial(hex: try context.parameters.require("serial")) }
            return JSONBody(try await store.revokeCard(serial, reason: body.reason, by: account))
        }
        api.post("/documents/:number/revoke") { request, context in
            let account = try context.requireAccount()
            try account.require([.issuer, .admin], "revoke documents")
            let body = try await decode(ReasonBody.self, request, context)
            let number = try field("number") { try DocumentNumber(try context.parameters.require("number")) }
            try await store.revokeDocument(number, reason: body.reason, by: account)
            return Response(status: .noContent)
        }
        api.get("/cards/:serial/checks") { _, context in
            let account = try context.requireAccount()
            try account.require([.auditor, .admin, .issuer], "read proofs of check")
            let status = try await cardStatus(context)
            try await authoriseForCard(account, status)
            return JSONBody(try await store.checks(of: status.serial, limit: 100))
        }
        api.post("/checks") { request, context in
            let account = try context.requireAccount()
            try account.require([.inspector, .issuer, .admin], "send proofs of check")
            let body = try await decode(CheckBody.self, request, context)
            return JSONBody(try await store.recordCheck(try body.record(), by: account), status: .created)
        }

        // Data packages.
        api.get("/packages/:region") { _, context in
            let account = try context.requireAccount()
            try account.require([.inspector, .issuer, .approver, .admin], "download data packages")
            let region = try field("region") { try RegionCode(try context.parameters.require("region")) }
            try account.authorise(Set(Role.allCases), for: region, to: "download the package of \(region.code)")
            guard let packages else {
                throw ServiceError(
                    .serviceUnavailable, "PACKAGES_NOT_CONFIGURED", "this service has no package key configured")
            }
            let path = try await package(region: region, signing: packages, account: account)
            var headers = HTTPFields()
            headers[.contentType] = "application/jsonl"
            return Response(
                status: .ok, headers: headers, body: try await FileIO().loadFile(path: path, context: context))
        }

        // Audit and accounts.
        api.get("/audit") { request, context in
            try context.requireAccount().require([.auditor, .admin], "read the audit log")
            let after = request.uri.queryParameters.get("after").flatMap(Int64.init) ?? 0
            let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 100
            return JSONBody(try await store.auditEntries(after: after, limit: min(limit, 1_000)))
        }
        api.get("/audit/verify") { _, context in
            try context.requireAccount().require([.auditor, .admin], "verify the audit log")
            return JSONBody(try await store.verifyAuditChain())
        }
        api.get("/accounts") { _, context in
            try context.requireAccount().require([.admin], "list accounts")
            return JSONBody(try await store.accounts().map(AccountView.init))
        }
        api.post("/accounts") { request, context in
            let account = try context.requireAccount()
            try account.require([.admin], "create accounts")
            let body = try await decode(NewAccountBody.self, request, context)
            let role = try field("role") { () throws(StoreError) -> Role in
                guard let role = Role(rawValue: body.role) else {
                    throw StoreError(
                        .invalidInput,
                        "\"\(body.role)\" is not one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return role
            }
            let scope = try RegionScope(parsing: body.regions.joined(separator: ","))
            guard body.password.count >= 12 else {
                throw ServiceError(.unprocessableContent, "WEAK_PASSWORD", "a password has at least 12 characters")
            }
            let created = try await store.createAccount(
                name: body.name, role: role, scope: scope, passwordHash: try PasswordHash.make(body.password),
                by: account)
            return JSONBody(AccountView(created), status: .created)
        }
        api.post("/accounts/:name/disable") { _, context in
            let account = try context.requireAccount()
            try account.require([.admin], "disable accounts")
            let name = try context.parameters.require("name")
            let disabled = try await store.setDisabled(true, account: name, by: account)
            await sessions.closeAll(of: name)
            return JSONBody(AccountView(disabled))
        }
        return router
    }

    // MARK: Handlers' helpers

    var today: CardDate { CardTimestamp(secondsSince1970: Int64(clock().timeIntervalSince1970)).date }

    func login(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let body = try await decode(LoginBody.self, request, context)
        let keys = ["name:" + body.name.lowercased(), "address:" + context.clientAddress]
        if let wait = await throttle.retryAfter(keys) {
            var response = ServiceError(
                .tooManyRequests, "AUTH_THROTTLED", "too many failed logins: try again in \(wait) s"
            ).response()
            response.headers[.retryAfter] = String(wait)
            return response
        }
        guard body.name.utf8.count <= 64, body.password.utf8.count <= 1_024,
            let hash = try await store.passwordHash(ofAccount: body.name),
            let account = try await store.account(named: body.name), !account.disabled,
            PasswordHash.verify(body.password, against: hash)
        else {
            await throttle.failed(keys)
            context.logger.notice(
                "failed login", metadata: ["name": "\(body.name.prefix(64))", "from": "\(context.clientAddress)"])
            throw ServiceError(.unauthorized, "AUTH_FAILED", "unknown account or wrong password")
        }
        await throttle.succeeded(keys[0])
        let session = try await sessions.open(for: account.name)
        context.logger.info("login", metadata: ["account": "\(account.name)"])
        return try JSONBody(
            LoginResult(
                token: session.token,
                expiresAt: CardTimestamp(secondsSince1970: Int64(session.expiresAt.timeIntervalSince1970)).description,
                account: AccountView(account))
        ).response(from: request, context: context)
    }

    func enterprise(_ key: String) async throws -> Enterprise {
        // Written in two steps: Swift 6.3's optimiser crashes splitting this coroutine when the
        // typed-throwing call sits inside the guard's condition.
        var found: Enterprise?
        if key.utf8.count <= 32 { found = try await store.enterprise(identifiedBy: key) }
        guard let found else {
            throw ServiceError(
                .notFound, "STORE_NOT_FOUND",
                "no enterprise with USCC, organisation code or registration number \(key.prefix(32))")
        }
        return found
    }

    func recordNumber(_ context: ServiceContext) throws -> RecordNumber {
        try field("number") { try RecordNumber(try context.parameters.require("number")) }
    }

    func cardStatus(_ context: ServiceContext) async throws -> CardStatusReport {
        let serial = try field("serial") { try CardSerial(hex: try context.parameters.require("serial")) }
        guard let status = try await store.cardStatus(serial) else {
            throw ServiceError(.notFound, "STORE_NOT_FOUND", "no card \(serial) in the database")
        }
        return status
    }

    func authoriseForCard(_ account: Account, _ status: CardStatusReport) async throws {
        guard let region = status.registeredRegion else { return }  // a card never issued belongs to no region
        try account.authorise(Set(Role.allCases), for: region, to: "read cards of \(region.code)")
    }

    func package(region: RegionCode, signing: PackageSigning, account: Account) async throws -> String {
        let revision = try await store.revision()
        let day = today
        try FileManager.default.createDirectory(at: signing.directory, withIntermediateDirectories: true)
        let file = signing.directory.appendingPathComponent("\(region.code)-\(day.yyyymmdd)-r\(revision).jsonl")
        if !FileManager.default.fileExists(atPath: file.path) {
            _ = try await PackageExport.export(
                from: store, region: region, on: day, at: clock(), by: account, key: signing.key,
                certificate: signing.certificate, revocationLists: signing.revocationLists, to: file)
            // Older packages of the region are no longer served.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: signing.directory.path)) ?? []
            where name.hasPrefix(region.code + "-") && name != file.lastPathComponent {
                try? FileManager.default.removeItem(at: signing.directory.appendingPathComponent(name))
            }
        }
        return file.path
    }
}

/// A JSON response body with a status.
struct JSONBody<Value: Encodable & Sendable>: ResponseGenerator {
    let value: Value
    let status: HTTPResponse.Status

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Account {
    /// 403 unless the account has one of `roles`.
    func require(_ roles: [Role], _ action: String) throws {
        try authorise(Set(roles), for: nil, to: action)
    }
}

/// Reads the request body (at most the context's limit) as JSON.
func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: ServiceContext, allowEmpty: Bool = false)
    async throws -> T
{
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    var bytes = Array(buffer.readableBytesView)
    if bytes.isEmpty && allowEmpty { bytes = Array("{}".utf8) }
    do {
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch let error as DecodingError {
        throw ServiceError(.badRequest, "BAD_JSON", "the request body is not a valid \(T.self): \(describe(error))")
    }
}

/// Runs a validation that names its field when it fails (422).
func field<T>(_ name: String, _ make: () throws -> T) throws -> T {
    do {
        return try make()
    } catch let error as IdentifierError {
        throw ServiceError(.unprocessableContent, "INVALID_FIELD", "\(name): \(error)")
    } catch let error as StoreError {
        throw ServiceError(.unprocessableContent, "INVALID_FIELD", "\(name): \(error.message)")
    } catch let error as CardDateError {
        throw ServiceError(.unprocessableContent, "INVALID_FIELD", "\(name): \(error)")
    }
}

func parseDate(_ text: String, _ name: String) throws -> CardDate {
    try field(name) { () throws -> CardDate in
        guard text.utf8.count == 10 else { throw CardDateError(reason: "\"\(text.prefix(20))\" is not YYYY-MM-DD") }
        return try CardDate(yyyymmdd: text.filter { $0 != "-" })
    }
}
