import AsyncHTTPClient
import Foundation
import HandbookCodec
import HandbookCrypto
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL

/// The issuance service, as the verifier uses it: log in, read the card's status and the
/// enterprise's current view, send the proof of check.
///
/// Off loopback it speaks HTTPS only (a password and the answers never travel in clear) unless
/// told `--insecure`; the service's certificate is checked against the system's roots or against
/// the one CA the settings pin; redirects are never followed; every answer is bounded in size and
/// in time.
struct OnlineService: Sendable {
    let base: String
    let token: String
    /// Whether the answers come over TLS.
    let overTLS: Bool
    let tls: TLSConfiguration?
    let timeout: TimeAmount

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The largest answer read from the service: a card status or an enterprise's view is a few
    /// kilobytes; anything past this is refused, not buffered.
    static let answerLimit = 4 << 20

    /// One client for the life of the process, following no redirects.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5))))

    /// Whether `base` may be used with `insecure`: https anywhere; http only on loopback, or when
    /// the inspector said `--insecure`.
    static func check(_ base: String, insecure: Bool) throws -> (URL, Bool) {
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw Failure(description: "\(base) is not a URL of the service")
        }
        switch scheme {
        case "https": return (url, true)
        case "http":
            let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
            guard loopback || insecure else {
                throw Failure(
                    description:
                        "\(base) is plain HTTP off loopback: a password and the answers would travel in clear; use https:// (or --insecure on a network you trust)"
                )
            }
            return (url, false)
        default:
            throw Failure(description: "\(base) is not an http(s) URL")
        }
    }

    /// Logs in (or, with `token`, uses a token the inspector already has) and keeps the session.
    static func connect(
        _ base: String, account: String, password: String, token: String? = nil, timeout: Double,
        insecure: Bool = false,
        pinnedCA: String? = nil
    ) async throws -> OnlineService {
        let (_, overTLS) = try check(base, insecure: insecure)
        var tls: TLSConfiguration?
        if overTLS {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let pinnedCA {
                configuration.trustRoots = .file(pinnedCA)
                configuration.additionalTrustRoots = []
            }
            tls = configuration
        }
        let amount = TimeAmount.milliseconds(Int64(min(max(timeout, 0.05), 600) * 1_000))
        var service = OnlineService(base: base, token: token ?? "", overTLS: overTLS, tls: tls, timeout: amount)
        if token != nil { return service }
        let body = try JSONSerialization.data(withJSONObject: ["name": account, "password": password])
        let data = try await service.request("/v1/login", method: .POST, body: body, authorised: false)
        guard let issued = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["token"] as? String else {
            throw Failure(description: "the service's login answer has no token")
        }
        service = OnlineService(base: base, token: issued, overTLS: overTLS, tls: tls, timeout: amount)
        return service
    }

    func request(_ path: String, method: HTTPMethod, body: Data?, authorised: Bool = true) async throws -> Data {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.tlsConfiguration = tls
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        if authorised { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await Self.client.execute(request, deadline: .now() + timeout)
        let collected: ByteBuffer
        do {
            collected = try await response.body.collect(upTo: Self.answerLimit)
        } catch is NIOTooManyBytesError {
            throw Failure(description: "\(path) answered more than \(Self.answerLimit) bytes; refused")
        }
        let data = Data(buffer: collected)
        guard (200..<300).contains(response.status.code) else {
            throw Failure(
                description:
                    "\(method.rawValue) \(path) answered \(response.status.code): \(String(decoding: data.prefix(300), as: UTF8.self))"
            )
        }
        return data
    }

    /// The service's answer for a card and the document on it, as a reference: one request, so
    /// the card, the document and the view come from one snapshot of the database.
    func reference(card serial: CardSerial, document: HandbookContent) async throws -> Reference {
        let onCard = document.header.documentNumber
        let answer = try JSONDecoder().decode(
            CardReference.self,
            from: try await request("/v1/cards/\(serial)/reference?document=\(onCard)", method: .GET, body: nil))
        guard answer.card.serial == serial else {
            throw Failure(description: "the service answered for card \(answer.card.serial), not \(serial)")
        }
        return Reference(
            source: "online \(base)", revision: answer.revision, card: answer.card,
            document: answer.document?.number == onCard ? answer.document : nil, view: answer.view)
    }

    /// Sends the proof of check; true when the service kept it. Best effort: the verdict stands
    /// without it, and the local log says whether it was sent.
    func sendCheck(serial: String, document: String?, verdict: String, comparedRevision: UInt64?, at time: Date)
        async -> Bool
    {
        let proof = CheckProof(
            checkedAt: CardTimestamp(time), cardSerial: serial, documentNumber: document, verdict: verdict,
            comparedRevision: comparedRevision)
        guard let data = try? JSONEncoder().encode(proof) else { return false }
        return (try? await request("/v1/checks", method: .POST, body: data)) != nil
    }
}
