/// Max pooling over square windows of NCHW batches (PyTorch `nn.MaxPool2d` without padding). Like PyTorch, the
/// first maximum in scan order wins a tie, and the gradient goes to it alone.
public final class MaxPool2d: Layer {
    public let kernel: Int
    public let stride: Int

    private let output = Tensor()
    private let inputGradient = Tensor()
    /// For each output value, the flat index within its input plane of the maximum it took.
    private var winners: [Int32] = []
    private var inputShape: [Int] = []
    /// Whether the last forward clamped its output at zero (a following ReLU run in the same pass), so the
    /// backward passes gradient only where the output is positive.
    private var clampedAtZero = false

    public init(kernel: Int, stride: Int) {
        self.kernel = kernel
        self.stride = stride
    }

    public var description: String { "MaxPool2d(\(kernel)x\(kernel), stride \(stride))" }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        try forward(input, clampingAtZero: false)
    }

    /// The pool, followed when `clampingAtZero` by a ReLU in the same pass: max(0, max of the window), with the
    /// backward of both.
    func forward(_ input: Tensor, clampingAtZero: Bool) throws -> Tensor {
        guard input.shape.count == 4, input.shape[2] >= kernel, input.shape[3] >= kernel else {
            throw ShapeError(layer: description, expected: "[N, C, H, W] with H, W ≥ \(kernel)", actual: input.shape)
        }
        inputShape = input.shape
        clampedAtZero = clampingAtZero
        let (height, width) = (input.shape[2], input.shape[3])
        let outputHeight = (height - kernel) / stride + 1
        let outputWidth = (width - kernel) / stride + 1
        let planes = input.shape[0] * input.shape[1]
        output.resize([input.shape[0], input.shape[1], outputHeight, outputWidth])
        if winners.count < output.count { winners = Array(repeating: 0, count: output.count) }
        let source = input.pointer
        let destination = output.pointer
        let (kernel, stride) = (kernel, stride)
        winners.withUnsafeMutableBufferPointer { winnerBuffer in
            let winner = winnerBuffer.baseAddress!
            Parallel.forRanges(planes, grain: max(1, 4096 / (height * width))) { range in
                for plane in range {
                    let inputPlane = source + plane * height * width
                    let outputOffset = plane * outputHeight * outputWidth
                    for outputRow in 0..<outputHeight {
                        let rowStart = outputOffset + outputRow * outputWidth
                        if kernel == 2 && stride == 2 {
                            MaxPool2d.poolPairOfRows(inputPlane + 2 * outputRow * width, width: width,
                                                     firstIndex: 2 * outputRow * width, count: outputWidth,
                                                     clampingAtZero: clampingAtZero,
                                                     output: destination + rowStart, winners: winner + rowStart)
                            continue
                        }
                        for outputColumn in 0..<outputWidth {
                            var best = -Float.infinity
                            var bestIndex = (outputRow * stride) * width + outputColumn * stride
                            for row in (outputRow * stride)..<(outputRow * stride + kernel) {
                                for column in (outputColumn * stride)..<(outputColumn * stride + kernel) {
                                    let value = inputPlane[row * width + column]
                                    if value > best || value.isNaN {
                                        best = value
                                        bestIndex = row * width + column
                                    }
                                }
                            }
                            // max(best, 0) keeps a NaN, as ReLU's forward does.
                            destination[rowStart + outputColumn] = clampingAtZero ? max(best, 0) : best
                            winner[rowStart + outputColumn] = Int32(bestIndex)
                        }
                    }
                }
            }
        }
        return output
    }

    /// max(0, maxPool(input)) for the 2x2, stride 2 pool in evaluation when no backward follows: one pass that
    /// keeps no record of which value won. Other kernels pool as usual and clamp in the same pass.
    func inferClampingAtZero(_ input: Tensor) throws -> Tensor {
        guard kernel == 2, stride == 2, input.shape.count == 4, input.shape[2] >= 2, input.shape[3] >= 2 else {
            return try forward(input, clampingAtZero: true)
        }
        let (height, width) = (input.shape[2], input.shape[3])
        let (outputHeight, outputWidth) = (height / 2, width / 2)
        let rows = input.shape[0] * input.shape[1] * outputHeight
        output.resize([input.shape[0], input.shape[1], outputHeight, outputWidth])
        let source = input.pointer
        let destination = output.pointer
        Parallel.forRanges(rows, grain: max(1, 4096 / width)) { range in
            for row in range {
                let (plane, outputRow) = row.quotientAndRemainder(dividingBy: outputHeight)
                let top = source + plane * height * width + 2 * outputRow * width
                let bottom = top + width
                let target = destination + row * outputWidth
                var column = 0
                while column + 8 <= outputWidth {
                    let upper = UnsafeRawPointer(top + 2 * column).loadUnaligned(as: SIMD16<Float>.self)
                    let lower = UnsafeRawPointer(bottom + 2 * column).loadUnaligned(as: SIMD16<Float>.self)
                    // Comparisons and selects: the generic pointwiseMax is not lowered to vector instructions.
                    let pairs = upper.replacing(with: lower, where: lower .> upper)
                    let across = pairs.evenHalf.replacing(with: pairs.oddHalf, where: pairs.oddHalf .> pairs.evenHalf)
                    let best = across.replacing(with: 0, where: across .< 0)
                    UnsafeMutableRawPointer(target + column).storeBytes(of: best, as: SIMD8<Float>.self)
                    column += 8
                }
                while column < outputWidth {
                    let upper = max(top[2 * column], top[2 * column + 1])
                    let lower = max(bottom[2 * column], bottom[2 * column + 1])
                    target[column] = max(max(upper, lower), 0)
                    column += 1
                }
            }
        }
        return output
    }

    /// The 2x2, stride 2 case, which the paper's classifier uses: one output row from two input rows, eight outputs
    /// at a time with vector selects (which of four values wins is unpredictable, so branches would mispredict).
    @inline(__always)
    private static func poolPairOfRows(_ top: UnsafePointer<Float>, width: Int, firstIndex: Int, count: Int,
                                       clampingAtZero: Bool,
                                       output: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Int32>) {
        let bottom = top + width
        let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        var column = 0
        while column + 8 <= count {
            let upper = UnsafeRawPointer(top + 2 * column).loadUnaligned(as: SIMD16<Float>.self)
            let lower = UnsafeRawPointer(bottom + 2 * column).loadUnaligned(as: SIMD16<Float>.self)
            var best = upper.evenHalf
            var offset = SIMD8<Int32>()
            @inline(__always) func consider(_ candidate: SIMD8<Float>, _ shift: SIMD8<Int32>) {
                // A later value wins if larger, or if NaN while the best so far is not, as in PyTorch.
                let take = (candidate .> best) .| ((candidate .!= candidate) .& (best .== best))
                best.replace(with: candidate, where: take)
                offset.replace(with: shift, where: take)
            }
            consider(upper.oddHalf, SIMD8(repeating: 1))
            consider(lower.evenHalf, SIMD8(repeating: Int32(width)))
            consider(lower.oddHalf, SIMD8(repeating: Int32(width + 1)))
            // A select, not pointwiseMax, so a NaN stays NaN as in ReLU's forward.
            if clampingAtZero { best.replace(with: 0, where: best .< 0) }
            UnsafeMutableRawPointer(output + column).storeBytes(of: best, as: SIMD8<Float>.self)
            let index = offset &+ lanes &+ SIMD8(repeating: Int32(firstIndex + 2 * column))
            UnsafeMutableRawPointer(winners + column).storeBytes(of: index, as: SIMD8<Int32>.self)
            column += 8
        }
        while column < count {
            var best = top[2 * column]
            var offset = 0
            // Selects, not branches: which candidate wins is unpredictable.
            @inline(__always) func consider(_ candidate: Float, _ shift: Int) {
                let larger = candidate > best ? 1 : 0
                let nanOverNumber = (candidate != candidate ? 1 : 0) & (best == best ? 1 : 0)
                let take = (larger | nanOverNumber) != 0
                best = take ? candidate : best
                offset = take ? shift : offset
            }
            consider(top[2 * column + 1], 1)
            consider(bottom[2 * column], width)
            consider(bottom[2 * column + 1], width + 1)
            output[column] = clampingAtZero ? max(best, 0) : best
            winners[column] = Int32(firstIndex + 2 * column + offset)
            column += 1
        }
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else {
            inputGradient.resize([0])
            return inputGradient
        }
        inputGradient.resize(inputShape)
        let planeSize = inputShape[2] * inputShape[3]
        let outputPlaneSize = outputGradient.count / (inputShape[0] * inputShape[1])
        let destination = inputGradient.pointer
        let gradients = outputGradient.pointer
        let outputs = output.pointer
        let clampedAtZero = clampedAtZero
        winners.withUnsafeBufferPointer { winnerBuffer in
            let winner = winnerBuffer.baseAddress!
            Parallel.forRanges(inputShape[0] * inputShape[1], grain: max(1, 4096 / planeSize)) { planes in
                for plane in planes {
                    // Zeroed plane by plane, so the scatter below finds it in cache.
                    let planeGradient = destination + plane * planeSize
                    planeGradient.update(repeating: 0, count: planeSize)
                    for index in (plane * outputPlaneSize)..<((plane + 1) * outputPlaneSize) {
                        // As ReLU's backward: no gradient where the clamped output is not positive (a select,
                        // as the sign is unpredictable).
                        let passes = !clampedAtZero || outputs[index] > 0
                        planeGradient[Int(winner[index])] += passes ? gradients[index] : 0
                    }
                }
            }
        }
        return inputGradient
    }
}
