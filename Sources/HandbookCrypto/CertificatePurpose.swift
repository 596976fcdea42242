import COpenSSL
import Foundation

/// What a signing certificate may sign: an extended key usage of the project's own arc.
///
/// The arc is `2.25.23097248765947738005562829670919349818`, a UUID-based object identifier
/// (ITU-T X.667 | ISO/IEC 9834-8), which needs no registration and belongs to this project alone.
/// A verifier accepts a signature only from a certificate whose extended key usages name the
/// purpose of what it signed, so that a key made to sign data packages cannot sign a handbook,
/// nor an office key a package (Cards/FORMAT.md §2.4, Cards/DATA-PACKAGE.md).
public enum CertificatePurpose: String, Sendable, Hashable, CaseIterable {
    /// Signing handbook documents: a licensing office's key.
    case handbookDocumentSigning = "2.25.23097248765947738005562829670919349818.1"
    /// Signing data packages: the key of a province or of the regional centre.
    case dataPackageSigning = "2.25.23097248765947738005562829670919349818.2"
    /// Signing the change feeds provinces send the regional centre.
    case feedSigning = "2.25.23097248765947738005562829670919349818.3"
    /// Signing the public credit reports the public website hands out.
    case creditReportSigning = "2.25.23097248765947738005562829670919349818.4"

    /// The arc every purpose lies under.
    public static let arc = "2.25.23097248765947738005562829670919349818"

    /// The dotted object identifier.
    public var oid: String { rawValue }

    /// What it is, in words.
    public var name: String {
        switch self {
        case .handbookDocumentSigning: return "handbook document signing"
        case .dataPackageSigning: return "data package signing"
        case .feedSigning: return "feed signing"
        case .creditReportSigning: return "credit report signing"
        }
    }
}

extension Certificate {
    /// The certificate's extended key usages, dotted; empty when it has none.
    public var extendedKeyUsages: [String] {
        var buffer = [CChar](repeating: 0, count: 4_096)
        let count = copenssl_extended_key_usages(x509, &buffer, Int32(buffer.count))
        guard count > 0 else { return [] }
        return buffer.split(separator: 0, omittingEmptySubsequences: true).prefix(Int(count)).map {
            String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Whether the certificate may sign for `purpose`.
    public func allows(_ purpose: CertificatePurpose) -> Bool {
        extendedKeyUsages.contains(purpose.oid)
    }

    /// The GB/T 2260 regions the certificate signs for: its subject's serialNumber, one code or
    /// several separated by commas (the regional centre's package signer holds all three provinces).
    public var regionCodes: [String] {
        (regionCode ?? "").split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) }.filter {
            !$0.isEmpty
        }
    }
}
