import NeuralNet

/// How close a set of reconstructions came to the images they were made from, averaged over the images: the
/// pixel-level figures of the model-inversion literature. (Attack accuracy and feature distance need an evaluation
/// classifier and join these when it exists.)
public struct ReconstructionScore: Codable, Sendable, Equatable {
    public let images: Int
    public let mse: Double
    /// Mean of the per-image PSNR in dB (infinite when some reconstruction is exact).
    public let psnr: Double
    public let ssim: Double

    /// Scores `reconstructions` against `truths`, both `[N, 1, H, W]` or `[N, H, W]` of the same shape with values
    /// in [0, 1]; the error says which of `truthName` / `reconstructionName` is wrong and how.
    public init(truths: Tensor, reconstructions: Tensor, truthName: String, reconstructionName: String) throws {
        func imageShape(_ tensor: Tensor, _ name: String) throws -> (count: Int, height: Int, width: Int) {
            let shape = tensor.shape
            if shape.count == 3 { return (shape[0], shape[1], shape[2]) }
            if shape.count == 4 && shape[1] == 1 { return (shape[0], shape[2], shape[3]) }
            throw ConfigurationError("\(name): shape \(shape) is not [N, H, W] or [N, 1, H, W] of grey images")
        }
        let truthShape = try imageShape(truths, truthName)
        let reconstructionShape = try imageShape(reconstructions, reconstructionName)
        guard truthShape == reconstructionShape else {
            throw ConfigurationError("\(reconstructionName): shape \(reconstructions.shape) does not match \(truthName)'s \(truths.shape)")
        }
        let (count, height, width) = truthShape
        guard count > 0 else { throw ConfigurationError("\(truthName): holds no images") }
        guard min(height, width) >= ImageQuality.minimumSide else {
            throw ConfigurationError("\(truthName): images of \(height) x \(width) are smaller than SSIM's \(ImageQuality.minimumSide) x \(ImageQuality.minimumSide) window")
        }
        for (tensor, name) in [(truths, truthName), (reconstructions, reconstructionName)] {
            if let index = (0..<tensor.count).first(where: { !(0...1).contains(tensor[$0]) }) {
                throw ConfigurationError("\(name): element \(index) is \(tensor[index]); pixel values must lie in [0, 1]")
            }
        }
        let pixels = height * width
        var (mse, psnr, ssim) = (0.0, 0.0, 0.0)
        for image in 0..<count {
            let truth = (0..<pixels).map { truths[image * pixels + $0] }
            let reconstruction = (0..<pixels).map { reconstructions[image * pixels + $0] }
            mse += ImageQuality.mse(truth, reconstruction)
            psnr += ImageQuality.psnr(truth, reconstruction)
            ssim += ImageQuality.ssim(truth, reconstruction, width: width, height: height)
        }
        images = count
        self.mse = mse / Double(count)
        self.psnr = psnr / Double(count)
        self.ssim = ssim / Double(count)
    }
}
