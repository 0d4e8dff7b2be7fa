import ArgumentParser
import Foundation
import Lab
import TensorFiles

/// `invertlab score`: the reconstruction metrics for any two image arrays, so other tools' results are graded the
/// same way as invertlab's own.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score reconstructions against the images they came from: MSE, PSNR and SSIM.",
        discussion: """
            Both arrays are float32 or float64 NPY files of grey images in [0, 1], [N, H, W] or [N, 1, H, W], \
            the i-th reconstruction belonging to the i-th truth. SSIM uses Wang et al.'s Gaussian window (sigma \
            1.5) as scikit-image's structural_similarity(gaussian_weights=True, use_sample_covariance=False, \
            data_range=1) does; PSNR and SSIM are averaged over the images.

            Example: invertlab score --truth victims.npy --reconstruction attack.npy --json
            """
    )

    @Option(help: "NPY array of the original images.")
    var truth: String

    @Option(help: "NPY array of the reconstructions, in the same order.")
    var reconstruction: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let score = try ReconstructionScore(truths: NumpyArray.read(URL(fileURLWithPath: truth)),
                                            reconstructions: NumpyArray.read(URL(fileURLWithPath: reconstruction)),
                                            truthName: truth, reconstructionName: reconstruction)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(score), as: UTF8.self))
        } else {
            print(String(format: "%d images: MSE %.5f, PSNR %.2f dB, SSIM %.4f", score.images, score.mse, score.psnr, score.ssim))
        }
    }
}
