import CodedErrors
import Foundation

/// A JSON configuration file as every tool of the project reads one: a JSON object of at most
/// 1 MiB; every key known (a misspelt key is refused, never silently ignored), at every level;
/// every value of its type and range, refused with the key named; relative paths relative to the
/// file's own folder, so a configuration means the same whatever the working directory.
public struct ConfigurationFile: Sendable {
    /// The file's path, for messages.
    public let path: String
    /// The folder relative paths are resolved against.
    public let folder: URL
    /// The object read (or a nested object of it).
    let object: [String: any Sendable]
    /// The key path of this object within the file, for messages: `office.`.
    let prefix: String

    /// Why a configuration was refused.
    public struct Problem: CodedError {
        public let message: String
        public init(message: String) { self.message = message }
        public var errorCode: String { "CONFIGURATION_INVALID" }
        public var kind: ErrorKind { .invalidInput }
    }

    /// Reads `path` and refuses keys outside `known`.
    public init(path: String, known: Set<String>) throws(Problem) {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard (attributes[.size] as? Int ?? 0) <= 1 << 20 else {
                throw Problem(message: "\(path) is larger than 1 MiB: not a configuration")
            }
            data = try Data(contentsOf: url)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(message: "cannot read the configuration \(path): \(error.localizedDescription)")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Problem(message: "\(path) is not JSON: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw Problem(message: "\(path): the configuration must be a JSON object")
        }
        try self.init(path: path, folder: url.deletingLastPathComponent(), object: object, prefix: "", known: known)
    }

    private init(path: String, folder: URL, object: [String: Any], prefix: String, known: Set<String>)
        throws(Problem)
    {
        if let unknown = object.keys.filter({ !known.contains($0) }).sorted().first {
            throw Problem(
                message:
                    "\(path): unknown setting \"\(prefix)\(LogText.escaped(unknown, limit: 40))\"; the settings here are \(known.sorted().map { prefix + $0 }.joined(separator: ", "))"
            )
        }
        self.path = path
        self.folder = folder
        self.prefix = prefix
        self.object = object.mapValues { Self.sendable($0) }
    }

    private static let booleanClass: AnyClass = type(of: NSNumber(value: true) as AnyObject)

    /// JSONSerialization's values (strings, numbers, booleans, arrays, objects, null) as Sendable values.
    private static func sendable(_ value: Any) -> any Sendable {
        switch value {
        case let text as String: return text
        // JSONSerialization gives booleans as NSNumbers of their own class (0 and 1 also answer
        // `is Bool`, so the class is what tells them apart).
        case let flag as Bool where ObjectIdentifier(type(of: value as AnyObject)) == ObjectIdentifier(booleanClass):
            return flag
        case let number as NSNumber: return number.doubleValue
        case let list as [Any]: return list.map(sendable)
        case let object as [String: Any]: return object.mapValues(sendable) as [String: any Sendable]
        default: return Optional<String>.none as any Sendable
        }
    }

    private func problem(_ key: String, _ expected: String) -> Problem {
        Problem(message: "\(path): \"\(prefix)\(key)\" must be \(expected)")
    }

    /// Whether the key is there.
    public func has(_ key: String) -> Bool { object[key] != nil }

    /// A non-empty string.
    public func string(_ key: String) throws(Problem) -> String? {
        guard let value = object[key] else { return nil }
        guard let text = value as? String, !text.isEmpty else { throw problem(key, "a non-empty string") }
        return text
    }

    /// A file path, resolved against the file's folder when relative.
    public func path(_ key: String) throws(Problem) -> String? {
        try string(key).map(resolve)
    }

    /// A list of file paths, each resolved.
    public func paths(_ key: String) throws(Problem) -> [String]? {
        try strings(key)?.map(resolve)
    }

    /// A list of strings.
    public func strings(_ key: String) throws(Problem) -> [String]? {
        guard let value = object[key] else { return nil }
        guard let list = value as? [any Sendable], list.count <= 1_000 else {
            throw problem(key, "a list of strings")
        }
        var strings: [String] = []
        for item in list {
            guard let text = item as? String, !text.isEmpty else { throw problem(key, "a list of non-empty strings") }
            strings.append(text)
        }
        return strings
    }

    /// A whole number within `range`.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws(Problem) -> Int? {
        guard let value = object[key] else { return nil }
        guard let number = value as? Double, number.rounded() == number, let whole = Int(exactly: number),
            range.contains(whole)
        else {
            throw problem(key, "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return whole
    }

    /// A number within `range`.
    public func number(_ key: String, in range: ClosedRange<Double>) throws(Problem) -> Double? {
        guard let value = object[key] else { return nil }
        guard let number = value as? Double, number.isFinite, range.contains(number) else {
            throw problem(key, "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A boolean.
    public func bool(_ key: String) throws(Problem) -> Bool? {
        guard let value = object[key] else { return nil }
        guard let flag = value as? Bool else { throw problem(key, "true or false") }
        return flag
    }

    /// A nested object, with its own known keys.
    public func section(_ key: String, known: Set<String>) throws(Problem) -> ConfigurationFile? {
        guard let value = object[key] else { return nil }
        guard let nested = value as? [String: any Sendable] else { throw problem(key, "an object") }
        return try ConfigurationFile(
            path: path, folder: folder, object: nested, prefix: prefix + key + ".", known: known)
    }

    /// `value` made absolute against the file's folder when relative.
    public func resolve(_ value: String) -> String {
        value.hasPrefix("/") ? value : folder.appendingPathComponent(value).standardizedFileURL.path
    }
}
