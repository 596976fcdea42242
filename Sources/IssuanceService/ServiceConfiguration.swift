import CodedErrors
import CreditStore
import Foundation
import HandbookCodec
import HandbookCrypto

/// The service's settings: from a JSON file (`--config`), then the command line. Relative paths
/// are relative to the working directory. The defaults are the demo's: the TEST keys in Keys/ and a
/// service on loopback.
public struct ServiceConfiguration: Codable, Sendable {
    public struct Office: Codable, Sendable {
        public var region: String = "310000"
        public var name: String = "上海市住房和城乡建设管理委员会"
        public var key: String = "Keys/p256/office-310000.key.pem"
        public var certificate: String = "Keys/p256/office-310000.pem"
    }

    public struct PackageSigner: Codable, Sendable {
        public var key: String = "Keys/p256/package-signer.key.pem"
        public var certificate: String = "Keys/p256/package-signer.pem"
        public var crls: [String] = ["Keys/p256/crl.pem"]
    }

    public var database: String = "credit.sqlite"
    /// `host:port`; loopback unless set otherwise.
    public var listen: String = "127.0.0.1:8080"
    public var office = Office()
    /// The card-management master key, hex.
    public var masterKey: String = "Keys/issuer-master-key.hex"
    public var packageSigner: PackageSigner? = PackageSigner()
    /// The readers issuance may use; empty allows every reader of the host.
    public var readers: [String] = []
    public var tokenLifetimeMinutes: Int = 480
    public var documentValidityMonths: Int = 12

    public init() {}

    enum CodingKeys: String, CodingKey {
        case database, listen, office, masterKey, packageSigner, readers, tokenLifetimeMinutes, documentValidityMonths
    }

    public init(from decoder: any Decoder) throws {
        let defaults = ServiceConfiguration()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        database = try container.decodeIfPresent(String.self, forKey: .database) ?? defaults.database
        listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? defaults.listen
        office = try container.decodeIfPresent(Office.self, forKey: .office) ?? defaults.office
        masterKey = try container.decodeIfPresent(String.self, forKey: .masterKey) ?? defaults.masterKey
        packageSigner =
            try container.decodeIfPresent(PackageSigner.self, forKey: .packageSigner) ?? defaults.packageSigner
        readers = try container.decodeIfPresent([String].self, forKey: .readers) ?? defaults.readers
        tokenLifetimeMinutes =
            try container.decodeIfPresent(Int.self, forKey: .tokenLifetimeMinutes) ?? defaults.tokenLifetimeMinutes
        documentValidityMonths =
            try container.decodeIfPresent(Int.self, forKey: .documentValidityMonths) ?? defaults.documentValidityMonths
    }

    /// Reads a configuration file.
    public static func load(_ path: String) throws -> ServiceConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw StoreError(.fileUnreadable, "cannot read the configuration \(path)")
        }
        do {
            return try JSONDecoder().decode(ServiceConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw StoreError(.invalidInput, "configuration \(path): \(describe(error))")
        }
    }

    /// The host and port to listen on.
    public func address() throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65_535).contains(port)
        else { throw StoreError(.invalidInput, "listen address \"\(listen)\": host:port expected") }
        return (String(listen[..<colon]), port)
    }

    /// The office's signing key, certificate and the master key, loaded and checked together.
    public func credentials() throws -> OfficeCredentials {
        func text(_ path: String, _ what: String) throws -> String {
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw StoreError(.fileUnreadable, "cannot read the \(what) \(path)")
            }
        }
        let region = try RegionCode(office.region)
        let key = try PrivateKey(pemEncoded: try text(office.key, "office key"))
        let certificate = try Certificate(pemEncoded: try text(office.certificate, "office certificate"))
        guard key.publicKey == certificate.publicKey else {
            throw StoreError(.invalidInput, "the office key \(office.key) is not the key of \(office.certificate)")
        }
        return OfficeCredentials(
            office: IssuingOffice(region: region, name: office.name), key: key, certificate: certificate,
            masterKey: try SymmetricKey(hex: try text(masterKey, "master key")), validityMonths: documentValidityMonths)
    }

    /// The package signer, if one is configured.
    public func packageSigning(directory: URL) throws -> PackageSigning? {
        guard let packageSigner else { return nil }
        return PackageSigning(
            key: try PrivateKey(pemEncoded: try String(contentsOfFile: packageSigner.key, encoding: .utf8)),
            certificate: try Certificate(
                pemEncoded: try String(contentsOfFile: packageSigner.certificate, encoding: .utf8)),
            revocationLists: try packageSigner.crls.map {
                try CertificateRevocationList(pemEncoded: try String(contentsOfFile: $0, encoding: .utf8))
            },
            directory: directory)
    }
}
