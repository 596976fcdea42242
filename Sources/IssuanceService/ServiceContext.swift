import CodedErrors
import CreditStore
import Hummingbird
import Logging
import NIOCore

/// The request context: who is asking (after the bearer token was checked) and from where.
public struct ServiceContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated account; nil before the authentication middleware ran or on open routes.
    public var account: Account?
    /// The token of the request, for logout.
    public var token: String?
    public let remoteAddress: SocketAddress?
    /// The largest request body read (bytes); larger bodies are answered 413.
    public var maxUploadSize: Int { 64 * 1024 }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The authenticated account, or 401.
    public func requireAccount() throws -> Account {
        guard let account else { throw ServiceError.unauthenticated }
        return account
    }

    /// The client's address without the port, for rate limiting.
    public var clientAddress: String { remoteAddress?.ipAddress ?? "local" }
}
