import Foundation
import HandbookCodec
import HandbookCrypto

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The issuance service, as the verifier uses it: log in, read the card's status and the
/// enterprise's current view, send the proof of check.
struct OnlineService: Sendable {
    let base: String
    let token: String
    let session: URLSession

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The largest answer read from the service: a card status or an enterprise's view is a few
    /// kilobytes; anything past this is refused, not buffered.
    static let answerLimit = 4 << 20

    /// Logs in (or, with `token`, uses a token the inspector already has) and keeps the session.
    static func connect(_ base: String, account: String, password: String, token: String? = nil, timeout: Double)
        async throws -> OnlineService
    {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 2
        let session = URLSession(configuration: configuration, delegate: BoundedAnswers(), delegateQueue: nil)
        if let token { return OnlineService(base: base, token: token, session: session) }
        let body = try JSONSerialization.data(withJSONObject: ["name": account, "password": password])
        let data = try await request(session, base + "/v1/login", method: "POST", token: nil, body: body)
        guard let token = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["token"] as? String else {
            throw Failure(description: "the service's login answer has no token")
        }
        return OnlineService(base: base, token: token, session: session)
    }

    static func request(_ session: URLSession, _ url: String, method: String, token: String?, body: Data?) async throws
        -> Data
    {
        guard let target = URL(string: url), let scheme = target.scheme, ["http", "https"].contains(scheme) else {
            throw Failure(description: "\(url) is not an http(s) URL")
        }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        guard let answers = session.delegate as? BoundedAnswers else {
            throw Failure(description: "the session has no answer limit")
        }
        let (data, response) = try await answers.fetch(request, in: session)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw Failure(
                description:
                    "\(method) \(target.path) answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return data
    }

    struct CardStatus: Decodable {
        var serial: CardSerial
        var state: CardState
        var uscc: USCC?
        var document: DocumentNumber?
        var documentState: DocumentState?
        var revision: UInt64
    }

    struct CurrentView: Decodable {
        var view: HandbookView
        var revision: UInt64
    }

    /// The service's answer for a card and its document, as a reference.
    func reference(card serial: CardSerial, document: HandbookContent) async throws -> Reference {
        let decoder = JSONDecoder()
        let statusData = try await Self.request(
            session, base + "/v1/cards/\(serial)", method: "GET", token: token, body: nil)
        let status = try decoder.decode(CardStatus.self, from: statusData)
        let viewData = try await Self.request(
            session, base + "/v1/enterprises/\(document.enterprise.uscc)/view", method: "GET", token: token, body: nil)
        let current = try decoder.decode(CurrentView.self, from: viewData)
        let onCard = document.header.documentNumber
        return Reference(
            source: "online \(base)", revision: current.revision,
            card: PackageCard(serial: status.serial, state: status.state, uscc: status.uscc, document: status.document),
            document: status.document == onCard
                ? PackageDocument(
                    number: onCard, card: serial, uscc: document.enterprise.uscc,
                    state: status.documentState ?? .current,
                    viewRevision: document.header.databaseRevision) : nil,
            view: current.view)
    }

    /// Sends the proof of check; true when the service kept it. Best effort: the verdict stands
    /// without it, and the local log says whether it was sent.
    func sendCheck(serial: String, document: String?, verdict: String, comparedRevision: UInt64?, at time: Date)
        async -> Bool
    {
        var body: [String: Any] = [
            "checkedAt": CardTimestamp(secondsSince1970: Int64(time.timeIntervalSince1970)).description,
            "cardSerial": serial, "verdict": verdict,
        ]
        body["documentNumber"] = document
        body["comparedRevision"] = comparedRevision
        guard let data = try? JSONSerialization.data(withJSONObject: body) else { return false }
        return (try? await Self.request(session, base + "/v1/checks", method: "POST", token: token, body: data)) != nil
    }
}

/// Fetches answers of at most ``OnlineService/answerLimit`` bytes: a longer one is cancelled as it
/// arrives (by its announced length or by what has come), never held whole.
final class BoundedAnswers: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: every field is touched under `lock`.
    private struct Pending {
        var continuation: CheckedContinuation<(Data, URLResponse), any Error>
        var data = Data()
        var response: URLResponse?
        var tooLong = false
    }
    private let lock = NSLock()
    private var pending: [Int: Pending] = [:]

    func fetch(_ request: URLRequest, in session: URLSession) async throws -> (Data, URLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request)
            lock.withLock { pending[task.taskIdentifier] = Pending(continuation: continuation) }
            task.resume()
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let tooLong = response.expectedContentLength > Int64(OnlineService.answerLimit)
        lock.withLock {
            pending[dataTask.taskIdentifier]?.response = response
            if tooLong { pending[dataTask.taskIdentifier]?.tooLong = true }
        }
        completionHandler(tooLong ? .cancel : .allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let tooLong = lock.withLock { () -> Bool in
            guard var entry = pending[dataTask.taskIdentifier], !entry.tooLong else { return false }
            if entry.data.count + data.count > OnlineService.answerLimit {
                entry.tooLong = true
                entry.data = Data()
            } else {
                entry.data.append(data)
            }
            pending[dataTask.taskIdentifier] = entry
            return entry.tooLong
        }
        if tooLong { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let entry = lock.withLock({ pending.removeValue(forKey: task.taskIdentifier) }) else { return }
        if entry.tooLong {
            entry.continuation.resume(
                throwing: OnlineService.Failure(
                    description:
                        "\(task.originalRequest?.url?.path ?? "the service") answered more than \(OnlineService.answerLimit) bytes; refused"
                ))
        } else if let error {
            entry.continuation.resume(throwing: error)
        } else if let response = entry.response {
            entry.continuation.resume(returning: (entry.data, response))
        } else {
            entry.continuation.resume(throwing: OnlineService.Failure(description: "the service gave no answer"))
        }
    }
}
