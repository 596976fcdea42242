import CardReader
import CodedErrors
import CreditStore
import Foundation
import HTTPTypes
import HandbookApplication
import HandbookCodec
import HandbookCrypto
import Hummingbird
import ISO7816
import Logging
import NIOCore

/// The HTTP API of a licensing office (Docs/API.md): the routes of its controllers under `/v1`,
/// behind the session check, over one store.
public struct IssuanceAPI: Sendable {
    public let store: any CreditStore
    /// Where what only reads is read (card status, current views, packages): a hot standby when
    /// the service has one, else `store`. Every such answer names the revision it was read at.
    public let readStore: any CreditStore
    public let sessions: Sessions
    public let throttle: LoginThrottle
    public let passwords: PasswordChecks
    public let issuer: CardIssuer?
    public let packages: PackageShelf?
    /// The readers issuance may use; empty allows any reader of the host.
    public let readers: [String]
    public let clock: @Sendable () -> Date

    public init(
        store: any CreditStore, sessions: Sessions, throttle: LoginThrottle = LoginThrottle(),
        passwords: PasswordChecks = PasswordChecks(), issuer: CardIssuer?, packages: PackageSigning?,
        readers: [String] = [], readStore: (any CreditStore)? = nil, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.readStore = readStore ?? store
        self.sessions = sessions
        self.throttle = throttle
        self.passwords = passwords
        self.issuer = issuer
        self.packages = packages.map { PackageShelf(store: readStore ?? store, signing: $0, clock: clock) }
        self.readers = readers
        self.clock = clock
    }

    /// The router: `/v1/health` and `/v1/login` open, everything else behind a session.
    public func router() -> Router<ServiceContext> {
        let router = Router(context: ServiceContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("/v1/health") { _, _ in
            JSONBody(Health(status: "ok", revision: try await store.revision()))
        }
        let accounts = AccountsController(store: store, sessions: sessions, throttle: throttle, passwords: passwords)
        accounts.addOpenRoutes(to: router)
        let api = router.group("/v1").add(middleware: AuthenticationMiddleware(sessions: sessions, store: store))
        accounts.addRoutes(to: api)
        EnterprisesController(store: store, readStore: readStore, clock: clock).addRoutes(to: api)
        RecordsController(store: store, clock: clock).addRoutes(to: api)
        CardsController(store: store, readStore: readStore, issuer: issuer, readers: readers, clock: clock).addRoutes(
            to: api)
        PackagesController(store: store, shelf: packages).addRoutes(to: api)
        AuditController(store: store).addRoutes(to: api)
        return router
    }
}
