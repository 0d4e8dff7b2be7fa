import Foundation
import NeuralNet
import TensorFiles
import XCTest

/// Golden values recorded from PyTorch by scripts/make_golden_fixtures.py.
enum Fixture {
    /// Every tensor of fixture `name`, converted to Float32 tensors.
    static func load(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Tensor] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "safetensors",
                                                  subdirectory: "Fixtures"),
                                "missing fixture \(name)", file: file, line: line)
        return try SafeTensors.read(url).mapValues { stored in
            XCTAssertEqual(stored.dtype, "F32", file: file, line: line)
            let values = stored.bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return Tensor(shape: stored.shape, values: values)
        }
    }
}

/// Copies the fixture tensors named `prefix + entry name` into the layer's float state.
func loadState(_ layer: Layer, from fixture: [String: Tensor], prefix: String) throws {
    for entry in layer.stateEntries {
        guard case .floats(let tensor) = entry.value else { continue }
        let source = try XCTUnwrap(fixture[prefix + entry.name], "fixture lacks \(prefix + entry.name)")
        XCTAssertEqual(source.shape, tensor.shape, entry.name)
        tensor.copy(from: source)
    }
}

/// Asserts that two tensors have the same shape and values within `absolute + relative * |expected|` each, where
/// `absolute` is scaled by the largest expected magnitude so that tensors of tiny values are compared fairly, and
/// never below `floor`.
func assertClose(_ actual: Tensor, _ expected: Tensor, relative: Float = 1e-4, absolute: Float = 1e-5,
                 floor: Float = 0, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape \(message)", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    let scale = max(expected.values.map(abs).max() ?? 0, 1e-6)
    var worst: (index: Int, excess: Float)?
    for index in 0..<expected.count {
        let allowed = max(absolute * scale, floor) + relative * abs(expected[index])
        let excess = abs(actual[index] - expected[index]) - allowed
        if !(excess <= 0), excess > (worst?.excess ?? -1) || actual[index].isNaN { worst = (index, excess) }
    }
    if let worst {
        XCTFail("\(message): value \(worst.index) is \(actual[worst.index]), expected \(expected[worst.index])",
                file: file, line: line)
    }
}

/// Finite-difference check of a layer's backward pass: with a random projection R, L(x, θ) = Σ R · layer(x; θ),
/// and the analytic gradients of L with respect to the input and every parameter must match central differences.
func checkGradients(
    of layer: Layer, input: Tensor, mode: Mode = .training, step: Float = 1e-2, tolerance: Float = 2e-2,
    samples: Int = 24, parameters checksParameters: Bool = true, beforeForward: () -> Void = {},
    file: StaticString = #filePath, line: UInt = #line
) throws {
    var rng = RandomGenerator(seed: 99)
    beforeForward()
    let firstOutput = try layer.forward(input, mode: mode)
    let projection = Tensor(shape: firstOutput.shape, values: (0..<firstOutput.count).map { _ in rng.normal() })
    func loss() throws -> Double {
        beforeForward()
        let output = try layer.forward(input, mode: mode)
        var total = 0.0
        for index in 0..<output.count { total += Double(output[index]) * Double(projection[index]) }
        return total
    }
    layer.zeroGradients()
    beforeForward()
    _ = try layer.forward(input, mode: mode)
    let inputGradient = layer.backward(projection, needsInputGradient: true).clone()
    var checked: [(String, Tensor, Tensor)] = [("input", input, inputGradient)]
    for (name, parameter) in checksParameters ? layer.namedParameters : [] {
        checked.append((name, parameter.value, parameter.gradient.clone()))
    }
    for (name, values, analytic) in checked {
        XCTAssertEqual(values.shape, analytic.shape, "\(layer.description) \(name) gradient shape", file: file, line: line)
        for sample in 0..<min(samples, values.count) {
            let index = values.count <= samples ? sample : Int(rng.next() % UInt64(values.count))
            let original = values[index]
            values[index] = original + step
            let above = try loss()
            values[index] = original - step
            let below = try loss()
            values[index] = original
            let numeric = Float((above - below) / Double(2 * step))
            let difference = abs(numeric - analytic[index])
            XCTAssertLessThanOrEqual(difference, tolerance * max(1, abs(numeric)),
                                     "\(layer.description) ∂L/∂\(name)[\(index)]: analytic \(analytic[index]), numeric \(numeric)",
                                     file: file, line: line)
        }
    }
}

/// A tensor of standard normal values.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor(shape: shape, values: (0..<Tensor.elementCount(shape)).map { _ in rng.normal() * scale })
}
