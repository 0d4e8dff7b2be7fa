import ArgumentParser
import Foundation
import Lab
import TensorFiles

/// `invertlab score`: the reconstruction metrics for any two image arrays, so other tools' results are graded the
/// same way as invertlab's own.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score reconstructions against the images they came from: MSE, PSNR, SSIM, attack accuracy, KNN distance.",
        discussion: """
            Both arrays are float32 or float64 NPY files of grey images in [0, 1], [N, H, W] or [N, 1, H, W], \
            the i-th reconstruction belonging to the i-th truth. SSIM uses Wang et al.'s Gaussian window (sigma \
            1.5) as scikit-image's structural_similarity(gaussian_weights=True, use_sample_covariance=False, \
            data_range=1) does; PSNR and SSIM are averaged over the images.

            With --labels (the person of each truth, integers 0..K-1) and --evaluator (a trained evaluation \
            classifier, such as Assets/models/orl-evaluator.safetensors or a run folder's evaluator.safetensors), \
            the identity metrics join them: attack accuracy top-1 and top-5 (the evaluator names the truth's person \
            for the reconstruction) and the KNN distance (squared, in the evaluator's embedding, from each \
            reconstruction to the nearest truth image of the same person).

            Example: invertlab score --truth victims.npy --reconstruction attack.npy --labels ids.npy \
            --evaluator Assets/models/orl-evaluator.safetensors --json
            """
    )

    @Option(help: "NPY array of the original images.")
    var truth: String

    @Option(help: "NPY array of the reconstructions, in the same order.")
    var reconstruction: String

    @Option(help: "NPY array of the truths' labels (one whole number per image); needs --evaluator.")
    var labels: String?

    @Option(help: "Trained evaluation classifier (.safetensors) for attack accuracy and KNN distance; needs --labels.")
    var evaluator: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if (labels == nil) != (evaluator == nil) {
            throw ValidationError("--labels and --evaluator go together: the evaluator's verdict needs each victim's person")
        }
    }

    func run() throws {
        let truths = try NumpyArray.read(URL(fileURLWithPath: truth))
        let reconstructions = try NumpyArray.read(URL(fileURLWithPath: reconstruction))
        var judge: (evaluator: EvaluationClassifier, identities: [Int], reference: IdentityEmbeddings)?
        if let labels, let evaluator {
            let side = truths.shape.last ?? 0
            let model = try EvaluationClassifier(file: URL(fileURLWithPath: evaluator), imageSize: side)
            let identities = try NumpyArray.readLabels(URL(fileURLWithPath: labels), classes: model.classes)
            guard identities.count == truths.shape.first else {
                throw ValidationError("--labels \(labels): \(identities.count) labels for the \(truths.shape.first ?? 0) images of --truth")
            }
            let embeddings = try model.judge(truths).embeddings
            judge = (model, identities, try IdentityEmbeddings(embeddings: embeddings, labels: identities, classes: model.classes))
        }
        let grade = try AttackGrade(truths: truths, reconstructions: reconstructions, truthName: truth,
                                    reconstructionName: reconstruction, identities: judge?.identities,
                                    evaluator: judge?.evaluator, reference: judge?.reference)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(grade), as: UTF8.self))
        } else {
            let pixels = grade.pixels
            var line = String(format: "%d images: MSE %.5f, PSNR %.2f dB, SSIM %.4f", pixels.images, pixels.mse, pixels.psnr, pixels.ssim)
            if let top1 = grade.accuracyTop1, let top5 = grade.accuracyTop5 {
                line += String(format: ", attack accuracy top-1 %.1f%%, top-5 %.1f%%", 100 * top1, 100 * top5)
            }
            if let distance = grade.knnDistance { line += String(format: ", KNN distance %.2f", distance) }
            print(line)
        }
    }
}
