import Foundation

/// The 4x4, stride 2, padding 1 transposed convolution to one output channel (the inversion model's last layer,
/// which draws the greyscale image), computed directly with vector multiply-adds. With one output channel im2col
/// gives GEMMs only 16 rows tall, where BLAS reaches a small fraction of its speed, and the column matrix and
/// col2im cost more than the multiplications.
///
/// Output phase (a, b) = (row, column) parity is a 2x2 correlation of the input:
/// y[2i+a][2j+b] = bias + Σ_{c,t,u} x[c][i+a-1+t][j+b-1+u] · w[c][3-a-2t][3-b-2u]. Vectors run along a row: eight
/// input columns give sixteen output columns, the two column phases interleaved.
struct SingleOutputTransposedConvolution: ConvolutionEngine {
    let inChannels: Int

    /// Eight lanes: one AVX register.
    typealias Lanes = SIMD8<Float>

    /// One image's planes: input `height` x `width`, rows rounded up to whole vectors (`vectorWidth`), and padded
    /// planes with a border of zeros one pixel wide, from which every shifted vector reads without bounds checks.
    struct Geometry {
        let height: Int
        let width: Int
        var vectorWidth: Int { (width + 7) & ~7 }
        var paddedWidth: Int { vectorWidth + 2 }
        var paddedSize: Int { (height + 2) * paddedWidth }
        var pixels: Int { height * width }
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
    }

    /// Writes the first `count` lanes of `values` to `destination`.
    @inline(__always)
    private static func store<Vector: SIMD>(_ values: Vector, count: Int, to destination: UnsafeMutablePointer<Float>)
    where Vector.Scalar == Float {
        if count == Vector.scalarCount {
            UnsafeMutableRawPointer(destination).storeBytes(of: values, as: Vector.self)
        } else {
            for lane in 0..<count { destination[lane] = values[lane] }
        }
    }

    /// Copies a `height` x `width` plane into `padded` (zeros around it and beyond its width).
    private static func pad(_ plane: UnsafePointer<Float>, _ shape: Geometry, into padded: UnsafeMutablePointer<Float>) {
        padded.update(repeating: 0, count: shape.paddedSize)
        for row in 0..<shape.height {
            (padded + (row + 1) * shape.paddedWidth + 1).update(from: plane + row * shape.width, count: shape.width)
        }
    }

    /// output `[N, 1, 2H, 2W]` from input `[N, in, H, W]`, weight `[in, 1, 4, 4]` and bias `[1]`.
    func forward(input: Tensor, weight: Tensor, bias: Tensor, output: Tensor) {
        let shape = Geometry(height: input.shape[2], width: input.shape[3])
        let bias = bias[0]
        let inChannels = inChannels
        let (source, destination, weights) = (input.pointer, output.pointer, weight.pointer)
        TransformLoops.forEachPlane(images: input.shape[0], channels: 1, scratchSize: inChannels * shape.paddedSize) {
            image, _, padded in
            for channel in 0..<inChannels {
                Self.pad(source + (image * inChannels + channel) * shape.pixels, shape,
                         into: padded + channel * shape.paddedSize)
            }
            let plane = destination + image * 4 * shape.pixels
            for row in 0..<shape.height {
                for column in stride(from: 0, to: shape.width, by: 8) {
                    var phases = (Lanes(repeating: bias), Lanes(repeating: bias), Lanes(repeating: bias),
                                  Lanes(repeating: bias))
                    for channel in 0..<inChannels {
                        // v(r, c) holds x[row - 1 + r][column - 1 + c ...], r and c in 0...2.
                        let corner = padded + channel * shape.paddedSize + row * shape.paddedWidth + column
                        @inline(__always) func v(_ r: Int, _ c: Int) -> Lanes { Self.load(corner + r * shape.paddedWidth + c) }
                        let w = weights + channel * 16
                        let (v00, v01, v02) = (v(0, 0), v(0, 1), v(0, 2))
                        let (v10, v11, v12) = (v(1, 0), v(1, 1), v(1, 2))
                        let (v20, v21, v22) = (v(2, 0), v(2, 1), v(2, 2))
                        // Phase (a, b), tap (t, u): weight w[(3 - a - 2t) * 4 + 3 - b - 2u] times v(a + t, b + u).
                        phases.0 += w[15] * v00 + w[13] * v01 + w[7] * v10 + w[5] * v11
                        phases.1 += w[14] * v01 + w[12] * v02 + w[6] * v11 + w[4] * v12
                        phases.2 += w[11] * v10 + w[9] * v11 + w[3] * v20 + w[1] * v21
                        phases.3 += w[10] * v11 + w[8] * v12 + w[2] * v21 + w[0] * v22
                    }
                    let count = 2 * min(8, shape.width - column)
                    var even = SIMD16<Float>()
                    even.evenHalf = phases.0
                    even.oddHalf = phases.1
                    var odd = SIMD16<Float>()
                    odd.evenHalf = phases.2
                    odd.oddHalf = phases.3
                    Self.store(even, count: count, to: plane + 2 * row * 2 * shape.width + 2 * column)
                    Self.store(odd, count: count, to: plane + (2 * row + 1) * 2 * shape.width + 2 * column)
                }
            }
        }
    }

    /// Adds the weight and bias gradients to `weightGradient` and `biasGradient` and, when `inputGradient` is
    /// given, writes the input gradient there. The input gradient is the stride-2 correlation
    /// dx[c][i][j] = Σ_{ky,kx} dy[2i+ky-1][2j+kx-1] · w[c][ky][kx]; splitting dy into its four phase planes makes
    /// every tap a unit-stride read.
    func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, parameterGradients: ParameterGradients?,
                  inputGradient: Tensor?) {
        let (batch, shape) = (input.shape[0], Geometry(height: input.shape[2], width: input.shape[3]))
        if let parameterGradients {
            addBiasGradient(outputGradient, images: batch, channels: 1, pixels: 4 * shape.pixels, into: parameterGradients.bias)
        }
        let inChannels = inChannels
        let inputPlanes = inChannels * shape.height * shape.vectorWidth
        let sums = inChannels * 16
        // Where each tap s(ky, kx) = dy[2 row + ky - 1][2 column + kx - 1 ...] reads in the phase planes.
        let tapOffsets = (0..<16).map { StrideTwoTaps.offset(tap: $0, kernel: 4, planeSize: shape.paddedSize, planeWidth: shape.paddedWidth) }
        let weightSums = parameterGradients.map { _ in OrderedPartialSums(items: batch, width: sums) }
        defer { weightSums?.deallocate() }
        tapOffsets.withUnsafeBufferPointer { offsets in
            let offsets = offsets.baseAddress!
            Parallel.forRanges(batch, grain: 1) { images in
                // Per worker: dy's four padded phase planes and the image's input rows padded to whole vectors.
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * shape.paddedSize + inputPlanes)
                defer { scratch.deallocate() }
                let rows = scratch + 4 * shape.paddedSize
                rows.update(repeating: 0, count: inputPlanes)
                for image in images {
                    Self.splitPhases(outputGradient.pointer + image * 4 * shape.pixels, shape, into: scratch)
                    if let weightSums {
                        for channel in 0..<inChannels {
                            for row in 0..<shape.height {
                                (rows + (channel * shape.height + row) * shape.vectorWidth)
                                    .update(from: input.pointer + (image * inChannels + channel) * shape.pixels + row * shape.width,
                                            count: shape.width)
                            }
                        }
                        Self.addWeightSums(phases: scratch, rows: rows, offsets: offsets, shape, inChannels: inChannels,
                                           into: weightSums.row(image))
                    }
                    if let inputGradient {
                        Self.correlate(phases: scratch, offsets: offsets, shape, weights: weight.pointer, inChannels: inChannels,
                                       into: inputGradient.pointer + image * inChannels * shape.pixels)
                    }
                }
            }
        }
        if let parameterGradients, let weightSums { weightSums.add(into: parameterGradients.weight.pointer) }
    }

    /// Writes dy's phase planes P(a, b)[p][q] = dy[2p+a][2q+b] into `phases`, each padded (plane a * 2 + b).
    private static func splitPhases(_ gradient: UnsafePointer<Float>, _ shape: Geometry,
                                    into phases: UnsafeMutablePointer<Float>) {
        phases.update(repeating: 0, count: 4 * shape.paddedSize)
        let outputWidth = 2 * shape.width
        for a in 0..<2 {
            for row in 0..<shape.height {
                let source = gradient + (2 * row + a) * outputWidth
                let even = phases + (2 * a) * shape.paddedSize + (row + 1) * shape.paddedWidth + 1
                let odd = even + shape.paddedSize
                for column in 0..<shape.width {
                    even[column] = source[2 * column]
                    odd[column] = source[2 * column + 1]
                }
            }
        }
    }

    /// sums[c * 16 + tap] += Σ x[c][i][j] · s(tap) over one image, four taps (one kernel row) per pass so that the
    /// sums stay in registers.
    private static func addWeightSums(phases: UnsafePointer<Float>, rows: UnsafePointer<Float>,
                                      offsets: UnsafePointer<Int>, _ shape: Geometry, inChannels: Int,
                                      into sums: UnsafeMutablePointer<Float>) {
        for channel in 0..<inChannels {
            let plane = rows + channel * shape.height * shape.vectorWidth
            for kernelRow in 0..<4 {
                let taps = (offsets[4 * kernelRow], offsets[4 * kernelRow + 1], offsets[4 * kernelRow + 2],
                            offsets[4 * kernelRow + 3])
                var totals = (Lanes(), Lanes(), Lanes(), Lanes())
                for row in 0..<shape.height {
                    for column in stride(from: 0, to: shape.width, by: 8) {
                        // The input's lanes beyond its width are zero, so the taps read there add nothing.
                        let x = load(plane + row * shape.vectorWidth + column)
                        let corner = phases + row * shape.paddedWidth + column
                        totals.0 += x * load(corner + taps.0)
                        totals.1 += x * load(corner + taps.1)
                        totals.2 += x * load(corner + taps.2)
                        totals.3 += x * load(corner + taps.3)
                    }
                }
                let sum = sums + channel * 16 + 4 * kernelRow
                sum[0] += totals.0.sum()
                sum[1] += totals.1.sum()
                sum[2] += totals.2.sum()
                sum[3] += totals.3.sum()
            }
        }
    }

    /// dx[c][i][j] = Σ_tap s(tap) · w[c][tap] for every channel of one image.
    private static func correlate(phases: UnsafePointer<Float>, offsets: UnsafePointer<Int>, _ shape: Geometry,
                                  weights: UnsafePointer<Float>, inChannels: Int,
                                  into gradient: UnsafeMutablePointer<Float>) {
        for row in 0..<shape.height {
            for column in stride(from: 0, to: shape.width, by: 8) {
                let corner = phases + row * shape.paddedWidth + column
                let count = min(8, shape.width - column)
                for channel in 0..<inChannels {
                    let w = weights + channel * 16
                    var sum = Lanes()
                    for tap in 0..<16 { sum += w[tap] * load(corner + offsets[tap]) }
                    store(sum, count: count, to: gradient + channel * shape.pixels + row * shape.width + column)
                }
            }
        }
    }
}
