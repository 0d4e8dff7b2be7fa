/// The geometry of a 2-D convolution over one image: input planes of `height` x `width` with `channels`, a square
/// kernel, stride and zero padding. ConvTranspose2d uses the same geometry with input and output swapped.
struct ConvolutionGeometry {
    let channels: Int
    let height: Int
    let width: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    /// Whether `imageToColumns` and `addColumnsToImage` may take the phase-split path where it applies; the plain
    /// reference engines turn it off.
    var mayUsePhases = true

    var outputHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outputWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    var outputPixels: Int { outputHeight * outputWidth }
    var inputPixels: Int { height * width }
    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    var columnRows: Int { channels * kernel * kernel }

    /// The output columns `lower..<upper` whose input column `ow * stride - padding + kernelColumn` is inside the image.
    @inline(__always)
    private func validColumns(kernelColumn: Int) -> (lower: Int, upper: Int) {
        let offset = padding - kernelColumn
        // Both ends stay within the row even where the kernel column lies wholly in the padding of an image narrower
        // than the kernel; integer division would round a negative quotient for the last valid column up to zero.
        let lower = offset > 0 ? min(outputWidth, (offset + stride - 1) / stride) : 0
        let last = width - 1 + offset
        let upper = last < 0 ? 0 : min(outputWidth, last / stride + 1)
        return (lower, max(lower, upper))
    }

    /// Unfolds `channel` of `image` into its `kernel * kernel` rows of the column matrix `columns`, whose rows are
    /// `rowStride` apart (several images can share one matrix side by side).
    func imageToColumns(
        _ image: UnsafePointer<Float>, channel: Int, columns: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        let plane = image + channel * inputPixels
        if splitsIntoPhases {
            phaseImageToColumns(plane, channel: channel, columns: columns, rowStride: rowStride)
            return
        }
        for kernelRow in 0..<kernel {
            for kernelColumn in 0..<kernel {
                let row = columns + ((channel * kernel + kernelRow) * kernel + kernelColumn) * rowStride
                let (lower, upper) = validColumns(kernelColumn: kernelColumn)
                for outputRow in 0..<outputHeight {
                    let destination = row + outputRow * outputWidth
                    let inputRow = outputRow * stride - padding + kernelRow
                    if inputRow < 0 || inputRow >= height {
                        destination.update(repeating: 0, count: outputWidth)
                        continue
                    }
                    if lower > 0 { destination.update(repeating: 0, count: lower) }
                    let source = plane + inputRow * width - padding + kernelColumn
                    if stride == 1 {
                        (destination + lower).update(from: source + lower, count: upper - lower)
                    } else {
                        for outputColumn in lower..<upper { destination[outputColumn] = source[outputColumn * stride] }
                    }
                    if upper < outputWidth { (destination + upper).update(repeating: 0, count: outputWidth - upper) }
                }
            }
        }
    }

    /// Folds the rows of `columns` belonging to `channel` back into `image`, adding overlapping contributions to
    /// what `image` already holds: the adjoint of `imageToColumns`.
    func addColumnsToImage(
        _ columns: UnsafePointer<Float>, rowStride: Int, channel: Int, image: UnsafeMutablePointer<Float>
    ) {
        let plane = image + channel * inputPixels
        if splitsIntoPhases {
            phaseAddColumnsToImage(columns, rowStride: rowStride, channel: channel, plane: plane)
            return
        }
        for kernelRow in 0..<kernel {
            for kernelColumn in 0..<kernel {
                let row = columns + ((channel * kernel + kernelRow) * kernel + kernelColumn) * rowStride
                let (lower, upper) = validColumns(kernelColumn: kernelColumn)
                for outputRow in 0..<outputHeight {
                    let inputRow = outputRow * stride - padding + kernelRow
                    if inputRow < 0 || inputRow >= height { continue }
                    let source = row + outputRow * outputWidth
                    let destination = plane + inputRow * width - padding + kernelColumn
                    for outputColumn in lower..<upper { destination[outputColumn * stride] += source[outputColumn] }
                }
            }
        }
    }
}

/// Moves between an NCHW batch and the `[channels, images * pixels]` layout a chunk's GEMM works in.
enum ChunkLayout {
    /// Copies images `first..<first + count` of `batch` ([N, channels, pixels]) into `matrix`
    /// ([channels, count * pixels]).
    static func gather(
        _ batch: UnsafePointer<Float>, first: Int, count: Int, channels: Int, pixels: Int,
        into matrix: UnsafeMutablePointer<Float>
    ) {
        Parallel.forRanges(count * channels, grain: max(1, 8192 / max(pixels, 1))) { range in
            for index in range {
                // Images vary fastest, so the matrix fills row by row.
                let (channel, image) = index.quotientAndRemainder(dividingBy: count)
                (matrix + channel * count * pixels + image * pixels)
                    .update(from: batch + ((first + image) * channels + channel) * pixels, count: pixels)
            }
        }
    }

    /// The inverse of `gather`: writes `matrix` back into images `first..<first + count` of `batch`, adding
    /// `bias[channel]` to every value when a bias is given.
    static func scatter(
        _ matrix: UnsafePointer<Float>, first: Int, count: Int, channels: Int, pixels: Int,
        bias: UnsafePointer<Float>?, into batch: UnsafeMutablePointer<Float>
    ) {
        Parallel.forRanges(count * channels, grain: max(1, 8192 / max(pixels, 1))) { range in
            for index in range {
                let (channel, image) = index.quotientAndRemainder(dividingBy: count)
                let source = matrix + channel * count * pixels + image * pixels
                let destination = batch + ((first + image) * channels + channel) * pixels
                if let bias {
                    let shift = bias[channel]
                    for pixel in 0..<pixels { destination[pixel] = source[pixel] + shift }
                } else {
                    destination.update(from: source, count: pixels)
                }
            }
        }
    }

    /// How many images one GEMM takes so that it has at least `targetColumns` columns.
    static func imagesPerChunk(batch: Int, pixels: Int, targetColumns: Int = 4096) -> Int {
        max(1, min(batch, (targetColumns + pixels - 1) / max(pixels, 1)))
    }
}

/// The per-plane, per-point and per-filter loops the direct and Winograd engines share.
enum TransformLoops {
    /// Runs `body(image, channel, scratch)` for every (image, channel) pair of `images` x `channels`, spread over
    /// the workers; each worker has its own scratch plane of `scratchSize` floats (contents left to `body`).
    /// Images vary fastest: the transformed tiles of one channel's images lie side by side in every point's row,
    /// so neighbouring planes touch neighbouring memory in each of the 36 rows instead of 36 new pages.
    static func forEachPlane(images: Int, channels: Int, scratchSize: Int,
                             _ body: (_ image: Int, _ channel: Int, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forRanges(images * channels, grain: 1) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchSize)
            defer { scratch.deallocate() }
            for index in range {
                let (channel, image) = index.quotientAndRemainder(dividingBy: images)
                body(image, channel, scratch)
            }
        }
    }

    /// Copies the 4x4 blocks of one output plane (`height` x `width`, zero beyond its edges) into 16 rows
    /// `lanes` long, one column per block: `blocks[(r * 4 + c) * lanes + block]` is the block's value (r, c).
    static func gatherBlocks(_ plane: UnsafePointer<Float>, height: Int, width: Int, blocksDown: Int, blocksAcross: Int,
                             into blocks: UnsafeMutablePointer<Float>, lanes: Int) {
        for blockRow in 0..<blocksDown {
            let rows = min(4, height - 4 * blockRow)
            for blockColumn in 0..<blocksAcross {
                let columns = min(4, width - 4 * blockColumn)
                let block = blocks + blockRow * blocksAcross + blockColumn
                let corner = plane + 4 * blockRow * width + 4 * blockColumn
                for row in 0..<4 {
                    for column in 0..<4 {
                        block[(row * 4 + column) * lanes] = row < rows && column < columns ? corner[row * width + column] : 0
                    }
                }
            }
        }
    }

    /// Runs `body(start, count, staging)` over blocks of 64 filters, spread over the workers, each with its own
    /// staging of `points` rows 64 long. A filter's transformed values lie a point row apart, each on another
    /// page, so they are moved between the rows and the staging a block at a time.
    private static func forEachFilterBlock(_ filters: Int, points: Int,
                                           _ body: (_ start: Int, _ count: Int, _ staging: UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forRanges((filters + filterBlock - 1) / filterBlock, grain: 16) { blocks in
            let staging = UnsafeMutablePointer<Float>.allocate(capacity: points * filterBlock)
            defer { staging.deallocate() }
            for block in blocks {
                let start = block * filterBlock
                body(start, min(filterBlock, filters - start), staging)
            }
        }
    }

    /// Filters per staged block.
    private static let filterBlock = 64

    /// Fills `points` rows of `filters` values (`destination[p * filters + f]`): `body(filter, staging, stride)`
    /// writes one filter's values at `staging[p * stride]`.
    static func transformFilters(_ filters: Int, points: Int, into destination: UnsafeMutablePointer<Float>,
                                 _ body: (_ filter: Int, _ staging: UnsafeMutablePointer<Float>, _ stride: Int) -> Void) {
        forEachFilterBlock(filters, points: points) { start, count, staging in
            for offset in 0..<count { body(start + offset, staging + offset, filterBlock) }
            for point in 0..<points {
                (destination + point * filters + start).update(from: staging + point * filterBlock, count: count)
            }
        }
    }

    /// The reverse of `transformFilters`: `body(filter, staging, stride)` reads one filter's values of the
    /// `points` rows of `source` at `staging[p * stride]`.
    static func gatherFilters(_ filters: Int, points: Int, from source: UnsafePointer<Float>,
                              _ body: (_ filter: Int, _ staging: UnsafePointer<Float>, _ stride: Int) -> Void) {
        forEachFilterBlock(filters, points: points) { start, count, staging in
            for point in 0..<points {
                (staging + point * filterBlock).update(from: source + point * filters + start, count: count)
            }
            for offset in 0..<count { body(start + offset, staging + offset, filterBlock) }
        }
    }

    /// Copies `count` values of each of 36 staged point rows (`stagingStride` apart) to the same positions of the
    /// point rows at `destination`, `pointStride` apart: a plane's transformed tiles, or a group's filters, to
    /// their place in the GEMM buffers.
    @inline(__always)
    static func copyPoints(_ staging: UnsafePointer<Float>, stagingStride: Int, count: Int,
                           into destination: UnsafeMutablePointer<Float>, pointStride: Int) {
        for point in 0..<36 {
            (destination + point * pointStride).update(from: staging + point * stagingStride, count: count)
        }
    }

    /// The backward GEMMs of every transform point, spread over the workers: when `weightGradients` is given,
    /// weightGradients[p] += productGradients[p] · tiles[p]ᵀ, then, when `inputGradient`, tiles[p] = weights[p]ᵀ · productGradients[p]
    /// (the tiles are no longer needed: their gradient replaces them). Layouts as in `multiplyPoints`.
    static func multiplyPointGradients(_ points: Int, weights: UnsafePointer<Float>, tiles: UnsafeMutablePointer<Float>,
                                       productGradients: UnsafePointer<Float>, weightGradients: UnsafeMutablePointer<Float>?,
                                       outChannels: Int, inChannels: Int, columns: Int, inputGradient: Bool) {
        Parallel.forEach(points) { point in
            let productGradient = productGradients + point * outChannels * columns
            let tile = tiles + point * inChannels * columns
            if let weightGradients {
                serialGemm(transposeA: false, transposeB: true, m: outChannels, n: inChannels, k: columns,
                           a: productGradient, lda: columns, b: tile, ldb: columns,
                           beta: 1, c: weightGradients + point * outChannels * inChannels, ldc: inChannels)
            }
            if inputGradient {
                serialGemm(transposeA: true, transposeB: false, m: inChannels, n: columns, k: outChannels,
                           a: weights + point * outChannels * inChannels, lda: inChannels,
                           b: productGradient, ldb: columns, beta: 0, c: tile, ldc: columns)
            }
        }
    }

    /// products[p] = weights[p] · tiles[p] for each of `points` transform points, the points spread over the
    /// workers: weights `[points, out, in]`, tiles `[points, in, columns]`, products `[points, out, columns]`.
    static func multiplyPoints(_ points: Int, weights: UnsafePointer<Float>, tiles: UnsafePointer<Float>,
                               products: UnsafeMutablePointer<Float>, outChannels: Int, inChannels: Int, columns: Int) {
        Parallel.forEach(points) { point in
            serialGemm(transposeA: false, transposeB: false, m: outChannels, n: columns, k: inChannels,
                       a: weights + point * outChannels * inChannels, lda: inChannels,
                       b: tiles + point * inChannels * columns, ldb: columns,
                       beta: 0, c: products + point * outChannels * columns, ldc: columns)
        }
    }
}
