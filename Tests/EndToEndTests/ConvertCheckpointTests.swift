import Foundation
import XCTest

/// `scripts/convert_pth.py` must not run code a checkpoint names: a crafted .pth is refused unless the user says
/// `--trust-pickle`, while the authors' kind of checkpoint (tensors and numpy scalars) converts. Needs torch,
/// safetensors and numpy; skipped where they are not installed.
final class ConvertCheckpointTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        guard try python(["-c", "import torch, safetensors, numpy"]).status == 0 else {
            throw XCTSkip("torch, safetensors or numpy is not installed")
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("invertlab-convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    private func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments, in: folder ?? repositoryRoot)
    }

    func testAMaliciousCheckpointIsRefusedAndAnHonestOneConverts() throws {
        let marker = folder.appendingPathComponent("ran-code")
        let make = """
            import numpy, torch
            class Payload:
                def __reduce__(self):
                    return (eval, ("open('\(marker.path)', 'w').write('x')",))
            torch.save({"model": {"w": torch.zeros(2)}, "extra": Payload()}, "evil.pth")
            torch.save({"model": {"module.w": torch.ones(3)}, "best_acc": numpy.float64(0.9), "epoch": 3}, "honest.pth")
            """
        XCTAssertEqual(try python(["-c", make]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path))
        let script = repositoryRoot.appendingPathComponent("scripts/convert_pth.py").path
        let refused = try python([script, "evil.pth", "evil.safetensors"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssert(refused.output.contains("evil.pth: refused") && refused.output.contains("--trust-pickle")
                  && refused.output.contains("eval"), refused.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "refusing must not run the payload")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("evil.safetensors").path))

        let converted = try python([script, "honest.pth", "honest.safetensors"])
        XCTAssertEqual(converted.status, 0, converted.output)
        let file = folder.appendingPathComponent("honest.safetensors")
        let check = try python(["-c", "from safetensors.numpy import load_file; t = load_file('\(file.path)'); print(sorted(t), t['w'].tolist())"])
        XCTAssert(check.output.contains("['w'] [1.0, 1.0, 1.0]"), check.output)
    }
}
