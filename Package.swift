// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Loom",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "loom", targets: ["loom"]),
        .library(name: "LoomText", targets: ["LoomText"]),
        .library(name: "LoomNN", targets: ["LoomNN"]),
        .library(name: "LoomModels", targets: ["LoomModels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C shim over ICU's version-renamed C API (word break, normalization).
        .target(
            name: "CICU",
            linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),
        // OpenBLAS loaded at run time, after a CPU-fitting core type is chosen (see DESIGN notes in README).
        .target(
            name: "CBLAS",
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]
        ),
        // File-safety and signal primitives (O_TMPFILE writes, renameat2 exchange, openat snapshots, sigaction).
        .target(name: "CSystem"),
        .target(name: "LoomSystem", dependencies: ["CSystem"]),
        .target(name: "LoomText", dependencies: ["CICU", "LoomSystem"]),
        .target(name: "LoomTensor", dependencies: ["CBLAS"]),
        .target(name: "LoomNN", dependencies: ["LoomTensor", "LoomSystem"]),
        .target(name: "LoomModels", dependencies: ["LoomText", "LoomNN", "LoomTensor", "LoomSystem"]),
        .executableTarget(
            name: "loom",
            dependencies: ["LoomModels", "LoomText", "LoomNN", "LoomTensor", "LoomSystem",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "loom-bench",
            dependencies: ["LoomModels"],
            path: "Benchmarks/LoomBench"
        ),
        .testTarget(name: "LoomSystemTests", dependencies: ["LoomSystem"]),
        .testTarget(name: "LoomTextTests", dependencies: ["LoomText"]),
        .testTarget(name: "LoomTensorTests", dependencies: ["LoomTensor"]),
        .testTarget(name: "LoomNNTests", dependencies: ["LoomNN"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoomModelsTests", dependencies: ["LoomModels"]),
        .testTarget(name: "LoomCLITests", dependencies: ["loom"]),
        // Fuzz targets (libFuzzer with -DFUZZING; replay tools otherwise): see scripts/fuzz.sh.
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/FuzzSupport"),
        .executableTarget(name: "FuzzTokenizer", dependencies: ["LoomText", "FuzzSupport"], path: "Fuzz/FuzzTokenizer"),
        .executableTarget(name: "FuzzCorpus", dependencies: ["LoomText", "FuzzSupport"], path: "Fuzz/FuzzCorpus"),
        .executableTarget(name: "FuzzVocabulary", dependencies: ["LoomText", "FuzzSupport"], path: "Fuzz/FuzzVocabulary"),
        .executableTarget(name: "FuzzSafeTensors", dependencies: ["LoomNN", "LoomTensor", "FuzzSupport"], path: "Fuzz/FuzzSafeTensors"),
        .executableTarget(name: "FuzzConfig", dependencies: ["LoomModels", "FuzzSupport"], path: "Fuzz/FuzzConfig"),
        .executableTarget(name: "FuzzResumeState", dependencies: ["LoomModels", "FuzzSupport"], path: "Fuzz/FuzzResumeState"),
    ],
    swiftLanguageModes: [.v5]
)
