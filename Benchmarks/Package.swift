// swift-tools-version: 6.1
// Benchmarks, kept out of the main package so the product build does not carry their baselines
// (swift-asn1 here). Run them with `make bench` (scripts/bench.sh), always in release mode.

import PackageDescription

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
        .executableTarget(
            name: "DocumentBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "HandbookCrypto", package: "CreditHandbook"),
            ]
        ),
        .executableTarget(
            name: "CardBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "HandbookCrypto", package: "CreditHandbook"),
                .product(name: "CardReader", package: "CreditHandbook"),
                .product(name: "HandbookApplication", package: "CreditHandbook"),
                .product(name: "ISO7816", package: "CreditHandbook"),
                .product(name: "VirtualCard", package: "CreditHandbook"),
            ]
        ),
        .executableTarget(
            name: "EngineBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "HandbookCrypto", package: "CreditHandbook"),
                .product(name: "CreditStore", package: "CreditHandbook"),
                .product(name: "IssuanceService", package: "CreditHandbook"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "StoreBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "CreditStore", package: "CreditHandbook"),
            ]
        ),
        .executableTarget(
            name: "ServiceBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "HandbookCrypto", package: "CreditHandbook"),
                .product(name: "CreditStore", package: "CreditHandbook"),
                .product(name: "CardReader", package: "CreditHandbook"),
                .product(name: "HandbookApplication", package: "CreditHandbook"),
                .product(name: "ISO7816", package: "CreditHandbook"),
                .product(name: "VirtualCard", package: "CreditHandbook"),
                .product(name: "IssuanceService", package: "CreditHandbook"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "VerifyBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "HandbookCrypto", package: "CreditHandbook"),
                .product(name: "CreditStore", package: "CreditHandbook"),
                .product(name: "CardReader", package: "CreditHandbook"),
                .product(name: "HandbookApplication", package: "CreditHandbook"),
                .product(name: "ISO7816", package: "CreditHandbook"),
                .product(name: "VirtualCard", package: "CreditHandbook"),
                .product(name: "IssuanceService", package: "CreditHandbook"),
                .product(name: "Verifier", package: "CreditHandbook"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "PublicSiteBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "CreditStore", package: "CreditHandbook"),
                .product(name: "PublicSite", package: "CreditHandbook"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ConsoleBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "HandbookCrypto", package: "CreditHandbook"),
                .product(name: "CreditStore", package: "CreditHandbook"),
                .product(name: "IssuanceService", package: "CreditHandbook"),
                .product(name: "OfficialsConsole", package: "CreditHandbook"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "AvailabilityBenchmark",
            dependencies: [
                "BenchmarkSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HandbookCodec", package: "CreditHandbook"),
            ]
        ),
        .executableTarget(
            name: "CodecBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HandbookCodec", package: "CreditHandbook"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
