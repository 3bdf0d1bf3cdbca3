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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C shim over ICU's version-renamed C API (word break, normalization).
        .target(
            name: "CICU",
            linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),
        // OpenBLAS loaded at run time, after a CPU-fitting core type is chosen; CPU affinity and allocator setup.
        .target(
            name: "COpenBLAS",
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]
        ),
        // The recurrent cells' C kernels: gate rows (loom_gates), weight panels and the two-thread
        // single-sequence recurrence (loom_split). Their Swift reference: LoomNN/RecurrentKernels.swift.
        .target(
            name: "CRecurrentKernels",
            linkerSettings: [.linkedLibrary("pthread")]
        ),
        // File-safety and signal primitives (O_TMPFILE writes, renameat2 exchange, openat snapshots, sigaction).
        .target(name: "CLoomSystem"),
        .target(name: "LoomSystem", dependencies: ["CLoomSystem"]),
        .target(name: "LoomText", dependencies: ["CICU", "LoomSystem"]),
        .target(name: "LoomTensor", dependencies: ["COpenBLAS"]),
        .target(name: "LoomNN", dependencies: ["LoomTensor", "LoomSystem", "CRecurrentKernels"]),
        .target(name: "LoomModels", dependencies: ["LoomText", "LoomNN", "LoomTensor", "LoomSystem", "CRecurrentKernels"]),
        // `loom serve`: the HTTP API over the same library calls the CLI makes.
        .target(name: "LoomServer", dependencies: [
            "LoomModels", "LoomNN", "LoomTensor",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(
            name: "loom",
            dependencies: ["LoomModels", "LoomText", "LoomNN", "LoomTensor", "LoomSystem", "LoomServer",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "loom-bench",
            dependencies: ["LoomModels", "LoomNN", "LoomTensor", "LoomText"],
            path: "Benchmarks/LoomBench"
        ),
        .testTarget(name: "LoomSystemTests", dependencies: ["LoomSystem"]),
        .testTarget(name: "LoomTextTests", dependencies: ["LoomText"]),
        .testTarget(name: "LoomTensorTests", dependencies: ["LoomTensor"]),
        .testTarget(name: "LoomNNTests", dependencies: ["LoomNN", "LoomTensor", "CRecurrentKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoomModelsTests", dependencies: ["LoomModels", "LoomNN", "LoomTensor", "LoomText"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoomCLITests", dependencies: ["loom"]),
        .testTarget(name: "LoomServerTests", dependencies: ["LoomServer", "LoomModels"]),
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
