// swift-tools-version: 6.1
// libFuzzer targets, kept out of the main package: a fuzz target has no `main` of its own and links
// only with --sanitize=fuzzer. Build and run them with `make fuzz` (scripts/fuzz.sh).

import PackageDescription

let package = Package(
    name: "CreditHandbookFuzz",
    dependencies: [
        .package(name: "CreditHandbook", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "HandbookCrypto", package: "CreditHandbook"),
            ]
        ),
        .executableTarget(
            name: "TLVFuzz",
            dependencies: [.product(name: "HandbookCodec", package: "CreditHandbook")]
        ),
        .executableTarget(
            name: "DocumentFuzz",
            dependencies: [
                "FuzzSupport", .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "HandbookCrypto", package: "CreditHandbook"),
            ]
        ),
        .executableTarget(
            name: "CardFilesFuzz",
            dependencies: [
                "FuzzSupport", .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "Verifier", package: "CreditHandbook"),
            ]
        ),
        .executableTarget(
            name: "PackageFuzz",
            dependencies: [
                "FuzzSupport", .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "HandbookCrypto", package: "CreditHandbook"),
            ]
        ),
        .executableTarget(
            name: "ImportFuzz",
            dependencies: [
                "FuzzSupport", .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "CreditStore", package: "CreditHandbook"),
            ]
        ),
        .executableTarget(
            name: "APIFuzz",
            dependencies: [
                "FuzzSupport", .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "CreditStore", package: "CreditHandbook"),
                .product(name: "IssuanceService", package: "CreditHandbook"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
