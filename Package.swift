// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "invertlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "invertlab", targets: ["invertlab"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "TensorFiles", targets: ["TensorFiles"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Lab", targets: ["Lab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CImageCodecs",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev", "libturbojpeg0-dev", "zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CCurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(
            name: "Terminal",
            dependencies: ["CCurses"]
        ),
        .target(
            name: "Workbench",
            dependencies: ["Terminal", "Lab", "Datasets", "NeuralNet"]
        ),
        .target(
            name: "Lab",
            dependencies: ["NeuralNet", "TensorFiles", "Datasets"]
        ),
        // The file parsers live in Datasets and TensorFiles: checked arithmetic and bounds, never -Ounchecked.
        .target(
            name: "Datasets",
            dependencies: ["CImageCodecs", "NeuralNet", "TensorFiles"]
        ),
        .target(
            name: "TensorFiles",
            dependencies: ["NeuralNet"]
        ),
        .target(
            name: "NeuralNet",
            dependencies: ["CBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"] + kernelTargetFlags)]
        ),
        // The parsers as fuzz targets (make fuzz), and the binary that runs them under libFuzzer or replays files.
        .target(
            name: "FuzzTargets",
            dependencies: ["Datasets", "TensorFiles", "Lab"]
        ),
        .executableTarget(
            name: "invertlab-fuzz",
            dependencies: ["FuzzTargets"]
        ),
        .executableTarget(
            name: "invertlab",
            dependencies: [
                "NeuralNet",
                "TensorFiles",
                "Datasets",
                "Lab",
                "Workbench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "NeuralNetTests",
            dependencies: ["NeuralNet", "TensorFiles"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "DatasetsTests",
            dependencies: ["Datasets", "NeuralNet", "TensorFiles", "FuzzTargets"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "LabTests",
            dependencies: ["Lab", "Datasets", "NeuralNet", "TensorFiles"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TerminalTests",
            dependencies: ["Terminal"]
        ),
        .testTarget(
            name: "WorkbenchTests",
            dependencies: ["Workbench", "Terminal", "Lab"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["invertlab", "NeuralNet", "TensorFiles"]
        ),
    ]
)

/// The engine's kernels are compiled for the processor that builds them (`make run` builds where it runs), so their
/// 8-lane vectors fill one AVX register instead of two SSE halves. Only on x86-64, where it was measured.
var kernelTargetFlags: [String] {
    #if arch(x86_64)
    ["-target-cpu", "native"]
    #else
    []
    #endif
}
