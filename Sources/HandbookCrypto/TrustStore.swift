import COpenSSL
import Foundation
import Synchronization

/// The pinned regional roots and the CRLs a verifier trusts.
public struct TrustStore: Sendable {
    /// The root certificates: the only anchors a chain may end in.
    public let roots: [Certificate]
    /// Revocation lists of the roots (and of any intermediate CA).
    public let revocationLists: [CertificateRevocationList]
    /// For each root (by index), the CRLs it issued and signed: checked once, here, rather than
    /// once per document.
    private let listsByRoot: [[CertificateRevocationList]]
    /// The roots as an OpenSSL store, built once.
    private let store: OpenSSLStore
    /// Signer certificates already decoded, by their DER: verifiers meet the same few office
    /// certificates over and over, and OpenSSL 3 takes a fifth of a millisecond to decode one.
    private let decoded: CertificateCache

    /// Creates a trust store.
    public init(roots: [Certificate], revocationLists: [CertificateRevocationList] = []) {
        self.roots = roots
        self.revocationLists = revocationLists
        listsByRoot = roots.map { root in revocationLists.filter { $0.isIssued(by: root) } }
        store = OpenSSLStore(roots: roots)
        decoded = CertificateCache()
    }

    /// The certificate encoded as `der`, decoded once and then kept (up to 64 of them).
    public func certificate(derEncoded der: [UInt8]) throws(CryptoError) -> Certificate {
        if let known = decoded.lookup(der) { return known }
        let certificate = try Certificate(derEncoded: der)
        decoded.insert(certificate)
        return certificate
    }

    /// The CRLs `issuer` issued and signed.
    private func lists(issuedBy issuer: Certificate) -> [CertificateRevocationList] {
        if let index = roots.firstIndex(of: issuer) { return listsByRoot[index] }
        return revocationLists.filter { $0.isIssued(by: issuer) }
    }

    /// Checks the chain from `signer` through `intermediates` to a pinned root, in three parts:
    /// the path and its signatures; every certificate's validity period at `validAt` (the
    /// document's issue time); and revocation of every certificate by the CRLs as of `now`.
    public func verify(
        signer: Certificate, intermediates: [Certificate] = [], purpose: CertificatePurpose? = nil, validAt: Date,
        revocationAt now: Date
    ) -> ChainVerification {
        if let purpose, !signer.allows(purpose) {
            return ChainVerification(
                chain: [signer],
                path: .failed(
                    .init(
                        code: .wrongPurpose,
                        reason:
                            "\(signer.subject) is not a certificate for \(purpose.name): its extended key usages lack \(purpose.oid)"
                    )), validity: .notChecked, revocation: .notChecked)
        }
        switch buildPath(signer, intermediates) {
        case .success(let chain):
            return ChainVerification(
                chain: chain, path: .passed, validity: validity(of: chain, at: validAt),
                revocation: revocation(of: chain, at: now))
        case .failure(let failure):
            return ChainVerification(
                chain: [signer], path: .failed(failure), validity: .notChecked, revocation: .notChecked)
        }
    }

    /// Builds and verifies the path with OpenSSL, ignoring time (checked separately) and CRLs
    /// (checked here, because OpenSSL cannot verify SM2-signed CRLs).
    private func buildPath(_ signer: Certificate, _ intermediates: [Certificate]) -> Result<
        [Certificate], ChainVerification.Failure
    > {
        guard signer.mayVerifyDocuments else {
            return .failure(
                .init(
                    code: .notASigningCertificate,
                    reason: "the key usage of \(signer.subject) does not allow signing documents"))
        }
        guard let store = store.pointer else {
            return .failure(.init(code: .openssl, reason: "the root store could not be built"))
        }
        guard let untrusted = copenssl_sk_X509_new_null() else {
            return .failure(.init(code: .openssl, reason: "sk_X509_new_null"))
        }
        defer { copenssl_sk_X509_pop_free(untrusted) }
        for certificate in intermediates {
            X509_up_ref(certificate.x509)
            copenssl_sk_X509_push(untrusted, certificate.x509)
        }
        guard let context = X509_STORE_CTX_new() else {
            return .failure(.init(code: .openssl, reason: "X509_STORE_CTX_new"))
        }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, signer.x509, untrusted) == 1 else {
            return .failure(.init(code: .openssl, reason: drainErrorQueue() ?? "X509_STORE_CTX_init"))
        }
        X509_VERIFY_PARAM_set_flags(
            X509_STORE_CTX_get0_param(context), UInt(X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_X509_STRICT))
        let verified = X509_verify_cert(context)
        drainErrorQueue()
        guard verified == 1 else {
            let error = X509_STORE_CTX_get_error(context)
            let reason = String(cString: X509_verify_cert_error_string(Int(error)))
            let code: ChainVerification.Failure.Code
            switch error {
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
                X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
                code = .untrustedRoot
            case X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
                code = .signatureFailure
            default:
                code = .invalidChain
            }
            return .failure(.init(code: code, reason: "\(reason) (depth \(X509_STORE_CTX_get_error_depth(context)))"))
        }
        guard let stack = X509_STORE_CTX_get0_chain(context) else {
            return .failure(.init(code: .openssl, reason: "no chain after verification"))
        }
        // Every certificate of the chain is one we handed OpenSSL: match them by identity rather
        // than decoding them again.
        let known = [signer] + intermediates + roots
        var chain: [Certificate] = []
        for index in 0..<copenssl_sk_X509_num(stack) {
            let x509 = copenssl_sk_X509_value(stack, index)
            guard let certificate = known.first(where: { $0.x509 == x509 }) else {
                return .failure(
                    .init(code: .openssl, reason: "the verified chain holds a certificate that was not given"))
            }
            chain.append(certificate)
        }
        // One algorithm per hierarchy (Docs/ARCHITECTURE.md §6): every certificate signed with its root's algorithm.
        guard let rootAlgorithm = chain.last?.publicKey.algorithm else {
            return .failure(.init(code: .openssl, reason: "OpenSSL verified an empty chain"))
        }
        for certificate in chain
        where certificate.signatureAlgorithm != rootAlgorithm || certificate.publicKey.algorithm != rootAlgorithm {
            return .failure(
                .init(
                    code: .algorithmMismatch,
                    reason: "\(certificate.subject) mixes algorithms under a \(rootAlgorithm.rawValue) root"))
        }
        return .success(chain)
    }

    private func validity(of chain: [Certificate], at time: Date) -> ChainVerification.Validity {
        for certificate in chain {
            if time < certificate.notBefore { return .notYetValid(certificate.subject, certificate.notBefore) }
            if time > certificate.notAfter { return .expired(certificate.subject, certificate.notAfter) }
        }
        return .valid
    }

    private func revocation(of chain: [Certificate], at now: Date) -> ChainVerification.Revocation {
        for (index, certificate) in chain.enumerated().dropLast() {
            let issuer = chain[index + 1]
            let lists = self.lists(issuedBy: issuer).filter { $0.thisUpdate <= now }
            if let date = lists.lazy.compactMap({ $0.revocationDate(of: certificate) }).first {
                return .revoked(certificate.subject, date)
            }
            guard let newest = lists.max(by: { $0.thisUpdate < $1.thisUpdate }) else {
                return .unknown("no CRL from \(issuer.subject) in the trust store")
            }
            if let next = newest.nextUpdate, next < now {
                return .unknown("the newest CRL from \(issuer.subject) was due for renewal on \(next)")
            }
        }
        return .good
    }
}

/// What checking a certificate chain found: the path, the validity periods, revocation.
public struct ChainVerification: Sendable {
    /// Why a path could not be built or verified.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// A stable code for each kind of path failure.
        public enum Code: String, Sendable, Hashable {
            case untrustedRoot = "CHAIN_UNTRUSTED_ROOT"
            case signatureFailure = "CHAIN_SIGNATURE_FAILURE"
            case algorithmMismatch = "CHAIN_ALGORITHM_MISMATCH"
            case notASigningCertificate = "CHAIN_NOT_A_SIGNING_CERTIFICATE"
            /// The signer certificate is not for what it signed (a package key on a handbook).
            case wrongPurpose = "CHAIN_WRONG_PURPOSE"
            case invalidChain = "CHAIN_INVALID"
            case openssl = "CHAIN_OPENSSL"
        }

        public let code: Code
        public let reason: String

        public var description: String { "\(reason) [\(code.rawValue)]" }
    }

    /// Whether the path to a pinned root holds.
    public enum Path: Sendable, Hashable {
        case passed
        case failed(Failure)
    }

    /// Whether every certificate was valid at the time checked.
    public enum Validity: Sendable, Hashable {
        case valid
        case expired(String, Date)
        case notYetValid(String, Date)
        case notChecked
    }

    /// Whether any certificate of the chain is revoked.
    public enum Revocation: Sendable, Hashable {
        case good
        case revoked(String, Date)
        case unknown(String)
        case notChecked
    }

    /// The chain from the signer to the root (only the signer when no path was found).
    public let chain: [Certificate]
    public let path: Path
    public let validity: Validity
    public let revocation: Revocation

    /// Whether all three parts passed.
    public var isTrusted: Bool { path == .passed && validity == .valid && revocation == .good }

    /// The first part that did not pass, in words; empty when the chain is trusted.
    public var problem: String {
        if case .failed(let failure) = path { return failure.description }
        switch validity {
        case .expired(let subject, let date): return "\(subject) expired on \(date)"
        case .notYetValid(let subject, let date): return "\(subject) is not valid before \(date)"
        case .notChecked: return "validity not checked"
        case .valid: break
        }
        switch revocation {
        case .revoked(let subject, let date): return "\(subject) was revoked on \(date)"
        case .unknown(let reason): return "revocation unknown: \(reason)"
        case .notChecked: return "revocation not checked"
        case .good: return ""
        }
    }
}

/// An X509_STORE holding the roots. OpenSSL allows one store to serve concurrent verifications once
/// it is set up, which it is here, in init, and never changed.
final class OpenSSLStore: @unchecked Sendable {
    // @unchecked: the store is filled in init and only read afterwards.
    let pointer: OpaquePointer?

    init(roots: [Certificate]) {
        pointer = X509_STORE_new()
        if let pointer {
            for root in roots { X509_STORE_add_cert(pointer, root.x509) }
        }
    }

    deinit {
        if let pointer { X509_STORE_free(pointer) }
    }
}

/// A small cache of decoded certificates keyed by their DER; the oldest entry goes when it is full.
final class CertificateCache: Sendable {
    /// DER bytes as a dictionary key, hashed in one pass over the bytes rather than byte by byte.
    struct Key: Hashable, Sendable {
        let der: [UInt8]

        func hash(into hasher: inout Hasher) {
            der.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    private struct State {
        var entries: [Key: Certificate] = [:]
        var order: [Key] = []
    }

    private let state = Mutex(State())
    private let capacity = 64

    func lookup(_ der: [UInt8]) -> Certificate? {
        state.withLock { $0.entries[Key(der: der)] }
    }

    func insert(_ certificate: Certificate) {
        let key = Key(der: certificate.derEncoded)
        state.withLock { state in
            guard state.entries.updateValue(certificate, forKey: key) == nil else { return }
            state.order.append(key)
            if state.order.count > capacity {
                state.entries[state.order.removeFirst()] = nil
            }
        }
    }
}
