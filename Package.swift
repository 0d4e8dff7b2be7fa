// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "invertlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "invertlab", targets: ["invertlab"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
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
        .target(
            name: "NeuralNet",
            dependencies: ["CBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "invertlab",
            dependencies: [
                "NeuralNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "NeuralNetTests",
            dependencies: ["NeuralNet"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["invertlab", "NeuralNet"]
        ),
    ]
)
