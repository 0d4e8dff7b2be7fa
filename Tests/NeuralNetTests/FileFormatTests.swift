import Foundation
import NeuralNet
import TensorFiles
import XCTest

/// Safetensors and NPY: round trips, and a clear error for every kind of bad file.
final class FileFormatTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func makeInversion(seed: UInt64) -> Sequential {
        var rng = RandomGenerator(seed: seed)
        return PaperModels.inversion(imageSize: 32, classes: 4, width: 2, rng: &rng)
    }

    private func floatState(_ layer: Layer) -> [String: [Float]] {
        var state: [String: [Float]] = [:]
        for entry in layer.stateEntries {
            if case .floats(let tensor) = entry.value { state[entry.name] = tensor.values }
        }
        return state
    }

    func testSafetensorsRoundTripKeepsEveryEntry() throws {
        let original = makeInversion(seed: 1)
        _ = try original.forward(randomTensor([3, 4], seed: 2), mode: .training)
        let file = folder.appendingPathComponent("inversion.safetensors")
        try original.saveState(to: file)
        let copy = makeInversion(seed: 2)
        XCTAssertNotEqual(floatState(copy), floatState(original))
        try copy.loadState(from: file)
        XCTAssertEqual(floatState(copy), floatState(original))
        let counters = copy.stateEntries.compactMap { entry -> Int64? in
            if case .counter(let counter) = entry.value { return counter.value }
            return nil
        }
        XCTAssertEqual(counters, [1, 1, 1])
        let stored = try SafeTensors.read(file)
        XCTAssertEqual(stored["decoder.1.num_batches_tracked"]?.dtype, "I64")
        XCTAssertEqual(stored["decoder.0.weight"]?.shape, [4, 8, 4, 4])
    }

    /// Writes a safetensors file by hand: `header` as given, then `data`.
    private func writeRaw(header: String, data: Data, declaredLength: UInt64? = nil) throws -> URL {
        let file = folder.appendingPathComponent("bad.safetensors")
        var contents = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { contents.append(contentsOf: $0) }
        contents.append(Data(header.utf8))
        contents.append(data)
        try contents.write(to: file)
        return file
    }

    private func assertLoadFails(_ file: URL, mentioning fragments: [String], line: UInt = #line) {
        let model = makeInversion(seed: 3)
        let before = floatState(model)
        XCTAssertThrowsError(try model.loadState(from: file), line: line) { error in
            let message = "\(error)"
            XCTAssert(message.contains(file.path), "no file name in: \(message)", line: line)
            for fragment in fragments {
                XCTAssert(message.contains(fragment), "'\(fragment)' missing from: \(message)", line: line)
            }
        }
        XCTAssertEqual(floatState(model), before, "a failed load must leave the model unchanged", line: line)
    }

    private func validFileWithChange(_ change: (inout [String: Any]) -> Void) throws -> URL {
        let file = folder.appendingPathComponent("good.safetensors")
        try makeInversion(seed: 4).saveState(to: file)
        let contents = try Data(contentsOf: file)
        let length = Int(contents.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: contents.subdata(in: 8..<(8 + length))) as? [String: Any])
        change(&header)
        let newHeader = String(decoding: try JSONSerialization.data(withJSONObject: header), as: UTF8.self)
        return try writeRaw(header: newHeader, data: contents.subdata(in: (8 + length)..<contents.count))
    }

    func testWrongNameIsReported() throws {
        assertLoadFails(try validFileWithChange { header in
            header["decoder.0.weights"] = header.removeValue(forKey: "decoder.0.weight")
        }, mentioning: ["decoder.0.weights"])
    }

    func testMissingTensorIsReported() throws {
        let file = folder.appendingPathComponent("partial.safetensors")
        try SafeTensors.write(makeInversion(seed: 4).stateEntries.filter { $0.name != "decoder.3.bias" }, to: file)
        assertLoadFails(file, mentioning: ["decoder.3.bias"])
    }

    func testWrongShapeIsReported() throws {
        assertLoadFails(try validFileWithChange { header in
            var entry = header["decoder.0.weight"] as! [String: Any]
            entry["shape"] = [8, 4, 4, 4]
            header["decoder.0.weight"] = entry
        }, mentioning: ["decoder.0.weight", "[8, 4, 4, 4]"])
    }

    func testWrongDtypeIsReported() throws {
        assertLoadFails(try validFileWithChange { header in
            var entry = header["decoder.0.bias"] as! [String: Any]
            entry["dtype"] = "I32"
            header["decoder.0.bias"] = entry
        }, mentioning: ["decoder.0.bias", "I32"])
    }

    func testTruncatedDataIsReported() throws {
        let file = folder.appendingPathComponent("whole.safetensors")
        try makeInversion(seed: 5).saveState(to: file)
        let contents = try Data(contentsOf: file)
        let truncated = folder.appendingPathComponent("truncated.safetensors")
        try contents.prefix(contents.count - 100).write(to: truncated)
        assertLoadFails(truncated, mentioning: ["outside"])
    }

    func testHeaderLengthThatLiesIsReported() throws {
        assertLoadFails(try writeRaw(header: "{}", data: Data(), declaredLength: 1 << 40), mentioning: ["header length"])
        assertLoadFails(try writeRaw(header: "{\"a\": [1, 2]", data: Data()), mentioning: ["JSON"])
        let tiny = folder.appendingPathComponent("tiny.safetensors")
        try Data([1, 2, 3]).write(to: tiny)
        assertLoadFails(tiny, mentioning: ["too short"])
    }

    func testOverlappingGappedAndTrailingDataAreRefused() throws {
        let overlapping = try writeRaw(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#,
                                       data: Data(count: 12))
        XCTAssertThrowsError(try SafeTensors.read(overlapping)) { XCTAssert("\($0)".contains("share data bytes"), "\($0)") }
        let gapped = try writeRaw(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, data: Data(count: 8))
        XCTAssertThrowsError(try SafeTensors.read(gapped)) { XCTAssert("\($0)".contains("belong to no tensor"), "\($0)") }
        let trailing = try writeRaw(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: Data(count: 9))
        XCTAssertThrowsError(try SafeTensors.read(trailing)) { XCTAssert("\($0)".contains("5 bytes after"), "\($0)") }
        let exact = try writeRaw(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: Data(count: 4))
        XCTAssertEqual(try SafeTensors.read(exact)["a"]?.shape, [1])
    }

    func testDuplicateKeysAndHostileShapesAreRefused() throws {
        let duplicate = try writeRaw(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#,
                                     data: Data(count: 4))
        XCTAssertThrowsError(try SafeTensors.read(duplicate)) { XCTAssert("\($0)".contains("'a' twice"), "\($0)") }
        let nestedDuplicate = try writeRaw(header: #"{"a": {"dtype": "F32", "shape": [1], "shape": [2], "data_offsets": [0, 4]}}"#,
                                           data: Data(count: 4))
        XCTAssertThrowsError(try SafeTensors.read(nestedDuplicate)) { XCTAssert("\($0)".contains("'shape' twice"), "\($0)") }
        let negative = try writeRaw(header: #"{"a": {"dtype": "F32", "shape": [-1, -4], "data_offsets": [0, 16]}}"#, data: Data(count: 16))
        XCTAssertThrowsError(try SafeTensors.read(negative)) { XCTAssert("\($0)".contains("negative dimension"), "\($0)") }
        let huge = try writeRaw(header: #"{"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}}"#, data: Data())
        XCTAssertThrowsError(try SafeTensors.read(huge)) { XCTAssert("\($0)".contains("more elements than memory"), "\($0)") }
    }

    func testPyTorchCheckpointsAreNamedAsSuch() throws {
        for (name, start) in [("zip.pth", [UInt8]([0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, 0, 0])), ("pickle.pth", [0x80, 0x02, 0x8A, 0x0A, 0, 0, 0, 0, 0, 0])] {
            let file = folder.appendingPathComponent(name)
            try Data(start).write(to: file)
            assertLoadFails(file, mentioning: ["not a safetensors file", "convert_pth.py"])
        }
    }

    func testNonFiniteWeightsAndNegativeVarianceAreRefused() throws {
        let file = folder.appendingPathComponent("weights.safetensors")
        let model = makeInversion(seed: 7)
        let weight = try XCTUnwrap(model.stateEntries.first { $0.name == "decoder.0.weight" })
        guard case .floats(let tensor) = weight.value else { return XCTFail("weight is not a float tensor") }
        tensor[5] = .nan
        try model.saveState(to: file)
        assertLoadFails(file, mentioning: ["decoder.0.weight", "nan", "element 5"])
        tensor[5] = 0
        let variance = try XCTUnwrap(model.stateEntries.first { $0.name == "decoder.1.running_var" })
        guard case .floats(let varianceTensor) = variance.value else { return XCTFail("variance is not a float tensor") }
        varianceTensor[2] = -0.5
        try model.saveState(to: file)
        assertLoadFails(file, mentioning: ["decoder.1.running_var", "negative variance"])
    }

    func testFoldersAndPipesAreNamedAsSuch() throws {
        assertLoadFails(folder, mentioning: ["is a folder"])
        let pipe = folder.appendingPathComponent("pipe.safetensors")
        XCTAssertEqual(mkfifo(pipe.path, 0o600), 0)
        assertLoadFails(pipe, mentioning: ["named pipe"])
        let loop = folder.appendingPathComponent("loop.safetensors")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: loop.path)
        assertLoadFails(loop, mentioning: ["loop of symbolic links"])
        assertLoadFails(folder.appendingPathComponent("absent.safetensors"), mentioning: ["does not exist"])
    }

    func testNumpyRoundTripAndErrors() throws {
        let tensor = randomTensor([2, 3, 4], seed: 6)
        let file = folder.appendingPathComponent("array.npy")
        try NumpyArray.write(tensor, to: file)
        let back = try NumpyArray.read(file)
        XCTAssertEqual(back.shape, [2, 3, 4])
        XCTAssertEqual(back.values, tensor.values)

        var header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }"
        header += String(repeating: " ", count: (64 - (10 + header.count + 1) % 64) % 64) + "\n"
        var contents = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0])
        contents.append(Data(header.utf8))
        contents.append(Data(count: 16))
        let integers = folder.appendingPathComponent("integers.npy")
        try contents.write(to: integers)
        XCTAssertThrowsError(try NumpyArray.read(integers)) { XCTAssert("\($0)".contains("<i8") && "\($0)".contains("integers.npy")) }

        let notNumpy = folder.appendingPathComponent("text.npy")
        try Data("hello world".utf8).write(to: notNumpy)
        XCTAssertThrowsError(try NumpyArray.read(notNumpy)) { XCTAssert("\($0)".contains("not an NPY file")) }

        let short = folder.appendingPathComponent("short.npy")
        try Data(try Data(contentsOf: file).dropLast(8)).write(to: short)
        XCTAssertThrowsError(try NumpyArray.read(short)) { XCTAssert("\($0)".contains("needs")) }
    }

    /// An NPY file of `dtype` holding `values` (as that dtype) in one dimension.
    private func labelFile(_ name: String, dtype: String, values: [Int64]) throws -> URL {
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': (\(values.count),), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8))
        for value in values {
            if dtype == "<f4" {
                withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            } else {
                withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        let file = folder.appendingPathComponent(name)
        try data.write(to: file)
        return file
    }

    func testLabelArraysMustHoldWholeClassNumbers() throws {
        XCTAssertEqual(try NumpyArray.readLabels(try labelFile("ok.npy", dtype: "<i8", values: [0, 3, 1]), classes: 4), [0, 3, 1])
        XCTAssertEqual(try NumpyArray.readLabels(try labelFile("floats.npy", dtype: "<f4", values: [2, 0]), classes: 4), [2, 0])
        XCTAssertThrowsError(try NumpyArray.readLabels(try labelFile("big.npy", dtype: "<i8", values: [0, 4]), classes: 4)) {
            XCTAssert("\($0)".contains("big.npy: element 1 is 4.0; labels must be whole numbers from 0 to 3"), "\($0)")
        }
        XCTAssertThrowsError(try NumpyArray.readLabels(try labelFile("negative.npy", dtype: "<i8", values: [-1]), classes: 4)) {
            XCTAssert("\($0)".contains("element 0 is -1.0"), "\($0)")
        }
    }

    func testAStateSnapshotPutsBackEveryParameterAndBuffer() throws {
        var rng = RandomGenerator(seed: 5)
        let model = PaperModels.classifier(imageSize: 32, classes: 3, width: 2, rng: &rng)
        let before = model.stateEntries.map { entry -> [Float] in
            if case .floats(let tensor) = entry.value { tensor.values } else { [] }
        }
        let snapshot = StateSnapshot(of: model)
        _ = try model.forward(Tensor(shape: [2, 1, 32, 32], values: (0..<2048).map { Float($0 % 7) / 7 }), mode: .training)
        for parameter in model.parameters { parameter.value.fill(0.25) }
        snapshot.restore(into: model)
        let after = model.stateEntries.map { entry -> [Float] in
            if case .floats(let tensor) = entry.value { tensor.values } else { [] }
        }
        XCTAssertEqual(after, before, "parameters and BatchNorm's running statistics")
    }
}
