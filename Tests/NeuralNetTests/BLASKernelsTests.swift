import NeuralNet
import XCTest

/// Choosing OpenBLAS kernels for the CPU: what counts as a generic fallback, what replaces it, and what is reported.
final class BLASKernelsTests: XCTestCase {
    private let avx512 = CPUFeatures(cpuinfo: """
        processor\t: 0
        vendor_id\t: GenuineIntel
        flags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni avx512_bf16 avx512_fp16
        processor\t: 1
        flags\t\t: fpu sse
        """)
    private let avx2 = CPUFeatures(flags: ["sse", "avx", "avx2", "fma"])
    private let old = CPUFeatures(flags: ["sse", "sse2", "ssse3"])

    func testCPUFlagsAreReadFromTheFirstProcessor() {
        XCTAssert(avx512.hasAVX512 && avx512.hasAVX2)
        XCTAssertEqual(avx512.summary, "avx512f avx512bw avx512vl avx512dq avx512_vnni avx512_bf16 avx512_fp16 avx2 fma")
        XCTAssertFalse(avx2.hasAVX512)
        XCTAssertEqual(old.summary, "no AVX2 or AVX-512")
        XCTAssertEqual(CPUFeatures(cpuinfo: "no flags here").flags, [])
    }

    func testOnlyGenericKernelsAreReplacedAndByTheWidestTheCPUCanRun() {
        // The case measured on an AVX-512 Xeon: Debian's OpenBLAS 0.3.21 fell back to Prescott.
        XCTAssertEqual(BLASKernels.betterCore(than: "Prescott", features: avx512), "SkylakeX")
        XCTAssertEqual(BLASKernels.betterCore(than: "Nehalem", features: avx2), "Haswell")
        XCTAssertNil(BLASKernels.betterCore(than: "Prescott", features: old), "nothing better to run")
        for chosen in ["Zen", "Haswell", "SkylakeX", "Cooperlake"] {
            XCTAssertNil(BLASKernels.betterCore(than: chosen, features: avx512), "\(chosen) was chosen for the CPU")
        }
    }

    func testTheReportSaysWhichKernelsRunAndWhoChoseThem() {
        let plain = BLASKernels.report(environment: [:])
        XCTAssert(plain.contains("OpenBLAS") && plain.contains("kernels \(BLASKernels.coreName) (chosen by OpenBLAS)"), plain)
        XCTAssert(BLASKernels.report(environment: ["OPENBLAS_CORETYPE": "Haswell"]).contains("(set by OPENBLAS_CORETYPE)"))
        let restarted = BLASKernels.report(environment: ["OPENBLAS_CORETYPE": "SkylakeX", "INVERTLAB_BLAS_CORE": "SkylakeX"])
        XCTAssert(restarted.contains("chosen by invertlab in place of OpenBLAS's generic kernels"), restarted)
    }
}
