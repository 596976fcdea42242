// swift-tools-version: 6.1
// The credit handbook on IC cards: the modules of DESIGN.md §2, each appearing as it gets content.

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
    ],
    dependencies: [
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0")
    ],
    targets: [
        // C bindings: module map + shim header, no Swift code (PLATFORM.md).
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

        .target(
            name: "HandbookCodec",
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
            dependencies: ["COpenSSL", "HandbookCodec"],
            swiftSettings: swiftSettings
        ),

        // What `make demo` runs until the issuer and the verifier exist.
        .executableTarget(
            name: "handbook-demo",
            dependencies: ["CPCSC", "HandbookCodec", "HandbookCrypto"],
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
            dependencies: ["HandbookCrypto", "HandbookCodec"],
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
