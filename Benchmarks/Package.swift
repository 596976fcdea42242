// swift-tools-version: 6.1
// Benchmarks, kept out of the main package so the product build does not carry their baselines
// (swift-asn1 here). Run them with `make bench` (scripts/bench.sh), always in release mode.

import PackageDescription

/// A benchmark: its folder under Sources, the shared support, the project's `products` and `other`
/// packages' products.
func benchmark(_ name: String, _ products: [String], other: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["BenchmarkSupport"] + products.map { .product(name: $0, package: "CreditHandbook") } + other)
}

/// What a benchmark serving HTTP in its own process needs besides the project.
let serviceLibraries: [Target.Dependency] = [
    .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
]

let package = Package(
    name: "CreditHandbookBenchmarks",
    dependencies: [
        .package(name: "CreditHandbook", path: ".."),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        .target(
            name: "BenchmarkSupport", dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/BenchmarkSupport"),
        benchmark("DocumentBenchmark", ["HandbookCodec", "HandbookCrypto"]),
        benchmark(
            "CardBenchmark",
            ["HandbookCodec", "HandbookCrypto", "CardReader", "HandbookApplication", "ISO7816", "VirtualCard"]),
        benchmark(
            "EngineBenchmark", ["HandbookCodec", "HandbookCrypto", "CreditStore", "IssuanceService"],
            other: serviceLibraries),
        benchmark("StoreBenchmark", ["HandbookCodec", "CreditStore"]),
        benchmark(
            "ServiceBenchmark",
            [
                "HandbookCodec", "HandbookCrypto", "CreditStore", "CardReader", "HandbookApplication", "ISO7816",
                "VirtualCard", "IssuanceService",
            ],
            other: serviceLibraries),
        benchmark(
            "VerifyBenchmark",
            [
                "HandbookCodec", "HandbookCrypto", "CreditStore", "CardReader", "HandbookApplication", "ISO7816",
                "VirtualCard", "IssuanceService", "Verifier",
            ],
            other: serviceLibraries),
        benchmark(
            "PublicSiteBenchmark", ["HandbookCodec", "CreditStore", "PublicSite"],
            other: serviceLibraries),
        benchmark(
            "ConsoleBenchmark",
            ["HandbookCodec", "HandbookCrypto", "CreditStore", "IssuanceService", "OfficialsConsole"],
            other: serviceLibraries),
        benchmark("AvailabilityBenchmark", ["HandbookCodec"], other: [.product(name: "GRDB", package: "GRDB.swift")]),
        benchmark("CodecBenchmark", ["HandbookCodec"], other: [.product(name: "SwiftASN1", package: "swift-asn1")]),
    ],
    swiftLanguageModes: [.v6]
)
