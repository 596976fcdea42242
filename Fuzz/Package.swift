// swift-tools-version: 6.1
// libFuzzer targets, kept out of the main package: a fuzz target has no `main` of its own and links
// only with --sanitize=fuzzer. Build and run them with `make fuzz` (scripts/fuzz.sh).

import PackageDescription

let package = Package(
    name: "CreditHandbookFuzz",
    dependencies: [.package(name: "CreditHandbook", path: "..")],
    targets: [
        .executableTarget(
            name: "TLVFuzz",
            dependencies: [.product(name: "HandbookCodec", package: "CreditHandbook")]
        )
    ],
    swiftLanguageModes: [.v6]
)
