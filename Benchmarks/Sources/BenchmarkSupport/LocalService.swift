import Foundation
import Hummingbird
import Logging

/// A service run in the benchmark's own process, on a free loopback port.
public struct LocalService: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>

    /// Starts `router` on a free port of 127.0.0.1 and returns once it listens.
    public static func start<Builder: HTTPResponderBuilder>(_ router: Builder, logger: Logger) async throws
        -> LocalService
    where Builder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let portBox = PortBox()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portBox.set(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.runService() }
        while portBox.port == 0 { try await Task.sleep(for: .milliseconds(20)) }
        return LocalService(port: portBox.port, task: task)
    }

    /// Stops serving (requests still in flight are cancelled).
    public func stop() { task.cancel() }
}
