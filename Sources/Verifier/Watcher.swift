import CardReader
import Foundation
import HandbookApplication
import ISO7816

/// The inspector's mode: waits for cards on every reader and checks each card once per insertion,
/// surviving cards pulled early, readers coming and going, and pcscd stopping and starting again.
public struct Watcher: Sendable {
    /// What `watch` reports, one line each.
    public enum Event: Sendable {
        case checked(VerifyReport)
        case readerAttached(String)
        case readerRemoved(String)
        /// pcscd cannot be reached (stopped, restarting); the watcher keeps trying.
        case serviceUnavailable(String)
        case serviceBack
    }

    let checker: Checker
    /// Only readers whose name contains this (nil: every reader).
    let readerFilter: String?
    /// How long one wait for a change lasts before the reader list is read again.
    let pollMilliseconds: UInt32

    public init(checker: Checker, readerFilter: String? = nil, pollMilliseconds: UInt32 = 1_000) {
        self.checker = checker
        self.readerFilter = readerFilter
        self.pollMilliseconds = pollMilliseconds
    }

    /// Runs until `limit` cards were checked (nil: until the task is cancelled), calling `report`
    /// for every event.
    public func run(limit: Int? = nil, report: @Sendable (Event) -> Void) async {
        // The watch loop's own executor: its waits (which a cancelled task ends at once) never hold
        // up the checks, which go to each reader's executor.
        let executor = CardExecutor(name: "watch")
        var known: [String: PCSCContext.ReaderState?] = [:]
        /// The insertion (pcsc-lite's event counter) last checked in each reader.
        var checkedInsertion: [String: UInt16] = [:]
        var unavailable = false
        var checked = 0
        while !Task.isCancelled, limit.map({ checked < $0 }) ?? true {
            do {
                let filter = readerFilter
                let readers = try await executor.run { context throws(CardError) in
                    try context.readers().filter { name in filter.map { name.contains($0) } ?? true }
                }
                if unavailable {
                    unavailable = false
                    report(.serviceBack)
                }
                for gone in known.keys where !readers.contains(gone) {
                    known[gone] = nil
                    checkedInsertion[gone] = nil
                    report(.readerRemoved(gone))
                }
                for added in readers where known.index(forKey: added) == nil {
                    known[added] = .some(nil)
                    report(.readerAttached(added))
                }
                if readers.isEmpty {
                    // Nothing to wait on but the plug-and-play notification; wait for it.
                    _ = try await executor.waitForChange([:], timeoutMilliseconds: pollMilliseconds)
                    continue
                }
                let states = try await executor.waitForChange(known, timeoutMilliseconds: pollMilliseconds)
                for state in states where known.index(forKey: state.reader) != nil {
                    known[state.reader] = state
                    guard state.hasCard, checkedInsertion[state.reader] != state.eventCount else { continue }
                    checkedInsertion[state.reader] = state.eventCount
                    report(.checked(await checker.check(.reader(state.reader))))
                    checked += 1
                    if let limit, checked >= limit { return }
                }
            } catch let error {
                switch error.code {
                case .cancelled:
                    return
                case .serviceUnavailable:
                    for gone in known.keys.sorted() { report(.readerRemoved(gone)) }
                    known = [:]
                    checkedInsertion = [:]
                    if !unavailable {
                        unavailable = true
                        report(.serviceUnavailable(error.description))
                    }
                    try? await Task.sleep(for: .milliseconds(500))
                case .noReader:
                    continue  // a reader went between listing and waiting: list again
                default:
                    // Anything else from pcscd: the executor starts afresh with a new context.
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
    }
}

extension Watcher.Event {
    /// The event as one line of text (bilingual) or of JSON.
    public func line(json: Bool, differences: Bool) -> String {
        switch self {
        case .checked(let report):
            if json { return report.json(pretty: false) }
            guard differences, !report.differences.isEmpty else { return report.oneLine }
            return ([report.oneLine] + report.differences.map { "    \($0)" }).joined(separator: "\n")
        case .readerAttached(let reader):
            return json
                ? Self.object(["event": "reader-attached", "reader": reader]) : "读卡器接入 reader attached: \(reader)"
        case .readerRemoved(let reader):
            return json
                ? Self.object(["event": "reader-removed", "reader": reader]) : "读卡器移除 reader removed: \(reader)"
        case .serviceUnavailable(let reason):
            return json
                ? Self.object(["event": "pcsc-unavailable", "reason": reason])
                : "读卡服务不可用 PC/SC service unavailable, waiting for it: \(reason)"
        case .serviceBack:
            return json ? Self.object(["event": "pcsc-available"]) : "读卡服务恢复 PC/SC service back"
        }
    }

    private static func object(_ fields: [String: String]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
