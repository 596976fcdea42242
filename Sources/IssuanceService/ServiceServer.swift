import CodedErrors
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOHTTPTypes
import NIOSSL

/// How the service's listeners take connections: HTTP/1.1, TLS when configured (required off
/// loopback), and limits that keep a slow or idle client from holding the service — an idle
/// connection closed after the idle limit (which also bounds the wait for a request's head), a
/// request's body that must arrive within the body limit of its head, and a bound on the
/// connections open at once (``ServiceConfiguration/Limits``).
public enum ServiceServer {
    /// The server for a listener.
    public static func builder(tls: ServiceConfiguration.TLS?, limits: ServiceConfiguration.Limits) throws
        -> HTTPServerBuilder
    {
        let http = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: [RequestBodyDeadline(timeout: .seconds(Int64(limits.bodySeconds)))],
                idleTimeout: .seconds(Int64(limits.idleSeconds))))
        guard let tls else { return http }
        return try .tls(http, tlsConfiguration: try tlsConfiguration(tls))
    }

    /// The application configuration of a listener on `host:port`.
    public static func configuration(host: String, port: Int, name: String, limits: ServiceConfiguration.Limits)
        -> ApplicationConfiguration
    {
        ApplicationConfiguration(
            address: .hostname(host, port: port), serverName: name,
            availableConnectionsDelegate: MaximumAvailableConnections(limits.maximumConnections))
    }

    /// A server TLS configuration from PEM files (TLS 1.2 and later).
    public static func tlsConfiguration(_ tls: ServiceConfiguration.TLS) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map {
                NIOSSLCertificateSource.certificate($0)
            }
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            return configuration
        } catch {
            throw ServiceError(
                .invalidInput, "TLS_CONFIGURATION",
                "tls: cannot load the certificate \(tls.certificate) or key \(tls.key): \(error)")
        }
    }
}

/// Closes a connection whose request body does not arrive in full within `timeout` of its head:
/// a client trickling a body byte by byte would otherwise hold the connection for ever (the idle
/// timeout only looks for silence).
final class RequestBodyDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) { loopBound.value.close(promise: nil) }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}
