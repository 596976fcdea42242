// swift-tools-version: 6.1
// The credit handbook on IC cards: the modules and their dependencies as Docs/ARCHITECTURE.md §2 draws them.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "CreditHandbook",
    products: [
        .library(name: "HandbookCodec", targets: ["HandbookCodec"]),
        .library(name: "HandbookCrypto", targets: ["HandbookCrypto"]),
        .library(name: "ISO7816", targets: ["ISO7816"]),
        .library(name: "CardReader", targets: ["CardReader"]),
        .library(name: "HandbookApplication", targets: ["HandbookApplication"]),
        .library(name: "VirtualCard", targets: ["VirtualCard"]),
        .library(name: "CreditStore", targets: ["CreditStore"]),
        .library(name: "IssuanceService", targets: ["IssuanceService"]),
        .library(name: "Verifier", targets: ["Verifier"]),
        .library(name: "PublicSite", targets: ["PublicSite"]),
        .library(name: "OfficialsConsole", targets: ["OfficialsConsole"]),
        .executable(name: "virtual-card", targets: ["virtual-card"]),
        .executable(name: "handbook-card", targets: ["handbook-card"]),
        .executable(name: "handbook-issuer", targets: ["handbook-issuer"]),
        .executable(name: "handbook-verify", targets: ["VerifierCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // C bindings: module map + shim header, no Swift code (Docs/ARCHITECTURE.md §2).
        .systemLibrary(
            name: "CPCSC",
            path: "Sources/CPCSC",
            pkgConfig: "libpcsclite",
            providers: [.apt(["libpcsclite-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),

        // Errors as values: a stable code and a kind that decides the HTTP status and the exit code.
        .target(name: "CodedErrors", swiftSettings: swiftSettings),
        // The one way the tools read their JSON configuration files.
        .target(name: "HandbookConfiguration", dependencies: ["CodedErrors"], swiftSettings: swiftSettings),

        .target(
            name: "HandbookCodec",
            dependencies: ["CodedErrors"],
            resources: [
                .embedInCode("Resources/region-codes.tsv"),
                .embedInCode("Resources/behaviour-codes.tsv"),
                .embedInCode("Resources/uscc-pilot-areas.tsv"),
                // A link to Cards/card-profiles.tsv: the profiles live with the card specification.
                .embedInCode("Resources/card-profiles.tsv"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "HandbookCrypto",
            dependencies: ["COpenSSL", "HandbookCodec", "CodedErrors"],
            swiftSettings: swiftSettings
        ),

        // The card stack in layers (Docs/ARCHITECTURE.md): ISO/IEC 7816-4 without I/O; the reader
        // side (PC/SC); the handbook application over any transport; the virtual card.
        .target(name: "ISO7816", dependencies: ["CodedErrors"], swiftSettings: swiftSettings),
        .target(
            name: "CardReader",
            dependencies: ["CPCSC", "ISO7816", "CodedErrors"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HandbookApplication",
            dependencies: ["ISO7816", "HandbookCodec", "HandbookCrypto", "CodedErrors"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VirtualCard",
            dependencies: ["ISO7816", "HandbookCodec", "HandbookCrypto", "HandbookConfiguration"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "virtual-card",
            dependencies: [
                "VirtualCard", "HandbookCodec", "HandbookConfiguration",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "handbook-card",
            dependencies: [
                "CardReader", "HandbookApplication", "ISO7816", "HandbookCodec", "HandbookCrypto", "CodedErrors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "CreditStore",
            dependencies: [
                "HandbookCodec", "HandbookCrypto", "CodedErrors", "HandbookConfiguration",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "IssuanceService",
            dependencies: [
                "CreditStore", "CardReader", "HandbookApplication", "ISO7816", "HandbookCodec", "HandbookCrypto",
                "CodedErrors", "HandbookConfiguration",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The public credit information website: a read-only face of the database on its own
        // listener, pages from the Mustache templates in Templates/, and the same as JSON under /api.
        .target(
            name: "PublicSite",
            dependencies: [
                "CreditStore", "HandbookCodec", "HandbookCrypto", "CodedErrors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("Templates/top.mustache"),
                .embedInCode("Templates/bottom.mustache"),
                .embedInCode("Templates/pager.mustache"),
                .embedInCode("Templates/home.mustache"),
                .embedInCode("Templates/enterprises.mustache"),
                .embedInCode("Templates/enterprise.mustache"),
                .embedInCode("Templates/records-table.mustache"),
                .embedInCode("Templates/practitioners.mustache"),
                .embedInCode("Templates/practitioner.mustache"),
                .embedInCode("Templates/projects.mustache"),
                .embedInCode("Templates/project.mustache"),
                .embedInCode("Templates/records.mustache"),
                .embedInCode("Templates/record.mustache"),
                .embedInCode("Templates/check.mustache"),
                .embedInCode("Templates/message.mustache"),
                .embedInCode("Templates/site.css"),
            ],
            swiftSettings: swiftSettings
        ),
        // The officials' console: pages under /console on the service's listener, over the same
        // store operations and action table as the API; templates in Templates/.
        .target(
            name: "OfficialsConsole",
            dependencies: [
                "IssuanceService", "CreditStore", "CardReader", "ISO7816", "HandbookCodec", "HandbookCrypto",
                "CodedErrors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("Templates/console-accounts.mustache"),
                .embedInCode("Templates/console-amend.mustache"),
                .embedInCode("Templates/console-audit.mustache"),
                .embedInCode("Templates/console-bottom.mustache"),
                .embedInCode("Templates/console-card.mustache"),
                .embedInCode("Templates/console-checks.mustache"),
                .embedInCode("Templates/console-data.mustache"),
                .embedInCode("Templates/console-enterprise.mustache"),
                .embedInCode("Templates/console-enterprises.mustache"),
                .embedInCode("Templates/console-home.mustache"),
                .embedInCode("Templates/console-import.mustache"),
                .embedInCode("Templates/console-issue.mustache"),
                .embedInCode("Templates/console-issued.mustache"),
                .embedInCode("Templates/console-login.mustache"),
                .embedInCode("Templates/console-message.mustache"),
                .embedInCode("Templates/console-queue.mustache"),
                .embedInCode("Templates/console-record-form.mustache"),
                .embedInCode("Templates/console-record-rows.mustache"),
                .embedInCode("Templates/console-record.mustache"),
                .embedInCode("Templates/console-records.mustache"),
                .embedInCode("Templates/console-top.mustache"),
                .embedInCode("Templates/console.css"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "handbook-issuer",
            dependencies: [
                "IssuanceService", "PublicSite", "OfficialsConsole", "CreditStore", "CardReader", "HandbookApplication",
                "ISO7816",
                "HandbookCodec", "HandbookCrypto", "CodedErrors", "HandbookConfiguration",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // The verifier: the checks and the verdict policy as a library (the benchmark drives it too),
        // and the command line over it (VerifierCLI, the executable handbook-verify).
        .target(
            name: "Verifier",
            dependencies: [
                "CardReader", "HandbookApplication", "ISO7816", "HandbookCodec", "HandbookCrypto", "CodedErrors",
                "HandbookConfiguration",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "VerifierCLI",
            dependencies: [
                "Verifier", "CardReader", "HandbookApplication", "ISO7816", "HandbookCodec", "HandbookCrypto",
                "HandbookConfiguration",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // The building blocks one by one, and the maker of Cards/samples.
        .executableTarget(
            name: "handbook-demo",
            dependencies: [
                "CardReader", "HandbookApplication", "ISO7816", "VirtualCard", "HandbookCodec", "HandbookCrypto",
                "CreditStore",
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "CPCSCTests",
            dependencies: ["CPCSC"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "COpenSSLTests",
            dependencies: ["COpenSSL"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandbookCryptoTests",
            dependencies: ["HandbookCrypto", "HandbookCodec", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        // What the test targets share: the repository's files and tools, signed test documents, and
        // the locks of the vpcd reader slots.
        .target(
            name: "TestSupport", dependencies: ["HandbookCodec", "HandbookCrypto", "CreditStore"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CardReaderTests",
            dependencies: [
                "CardReader", "HandbookApplication", "ISO7816", "VirtualCard", "HandbookCodec", "HandbookCrypto",
                "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandbookApplicationTests",
            dependencies: [
                "HandbookApplication", "ISO7816", "VirtualCard", "HandbookCodec", "HandbookCrypto", "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditStoreTests",
            dependencies: [
                "CreditStore", "HandbookCodec", "HandbookCrypto", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the service and verifier suites share: the service in-process and as its own process,
        // the tools run as processes, the report schema.
        .target(
            name: "ServiceTestSupport",
            dependencies: [
                "TestSupport", "IssuanceService", "CreditStore", "HandbookCodec", "HandbookCrypto", "CardReader",
                "HandbookApplication", "ISO7816", "VirtualCard",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/ServiceTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VerifierTests",
            dependencies: [
                "Verifier", "ServiceTestSupport", "TestSupport", "IssuanceService", "CreditStore", "CardReader",
                "HandbookApplication", "ISO7816", "VirtualCard", "HandbookCodec", "HandbookCrypto",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IssuanceServiceTests",
            dependencies: [
                "ServiceTestSupport",
                "IssuanceService", "CreditStore", "CardReader", "HandbookApplication", "ISO7816", "VirtualCard",
                "HandbookCodec", "HandbookCrypto", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PublicSiteTests",
            dependencies: [
                "PublicSite", "CreditStore", "HandbookCodec", "HandbookCrypto", "TestSupport", "ServiceTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OfficialsConsoleTests",
            dependencies: [
                "OfficialsConsole", "IssuanceService", "CreditStore", "HandbookCodec", "HandbookCrypto", "TestSupport",
                "ServiceTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandbookCodecTests",
            dependencies: [
                "HandbookCodec",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
