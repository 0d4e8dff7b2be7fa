/// The taps of a 3x3 or 4x4, stride 2, padding 1 kernel over a plane split into its four phase planes
/// P(a, b)[p][q] = plane[2p + a][2q + b], each stored with a border of one value around it.
enum StrideTwoTaps {
    /// Where tap `tap` = ky * kernel + kx starts reading, for output (0, 0): plane[2i + ky - 1][2j + kx - 1] is
    /// P(a(ky), a(kx)) at padded (i + o(ky), j + o(kx)), with a = (1, 0, 1, 0) and o = (0, 1, 1, 2) (the first
    /// three of each for a 3x3 kernel).
    @inline(__always)
    static func offset(tap: Int, kernel: Int, planeSize: Int, planeWidth: Int) -> Int {
        let (ky, kx) = tap.quotientAndRemainder(dividingBy: kernel)
        // a(k) = (k + 1) & 1 picks the phase, o(k) = (k + 1) >> 1 the padded offset.
        return (((ky + 1) & 1) * 2 + ((kx + 1) & 1)) * planeSize + ((ky + 1) >> 1) * planeWidth + ((kx + 1) >> 1)
    }
}

/// im2col and col2im for 3x3 and 4x4 kernels at stride 2 with padding 1 over even-sized planes (the students' strided
/// convolutions, the transposed upsampling layers' backward and forward), through the plane's four phase planes
/// P(a, b)[p][q] = plane[2p + a][2q + b].
///
/// Column row (ky, kx) at output (i, j) reads plane[2i + ky - 1][2j + kx - 1], which is P(a(ky), a(kx)) at
/// (i + o(ky) - 1, j + o(kx) - 1) with a = (1, 0, 1, 0) and o = (0, 1, 1, 2): once the plane is split, every
/// column row is a unit-stride copy of a phase plane's rows, where the direct gather reads every other value.
extension ConvolutionGeometry {
    /// Whether this convolution takes the phase-split path.
    var splitsIntoPhases: Bool {
        mayUsePhases && (kernel == 3 || kernel == 4) && stride == 2 && padding == 1
            && height % 2 == 0 && width % 2 == 0 && height > 0 && width > 0
    }

    /// The phase planes' size: the output's, with a border of one zero (or discarded) value around it.
    private var phaseHeight: Int { outputHeight + 2 }
    private var phaseWidth: Int { outputWidth + 2 }
    private var phaseSize: Int { phaseHeight * phaseWidth }

    /// Where column row `tap` starts reading in the split planes, for output (0, 0).
    @inline(__always)
    private func phaseOffset(tap: Int) -> Int {
        StrideTwoTaps.offset(tap: tap, kernel: kernel, planeSize: phaseSize, planeWidth: phaseWidth)
    }

    /// `count` values from `source` to `destination`, with vector moves for the usual row widths.
    @inline(__always)
    private static func copyRow(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        switch count {
        case 4: UnsafeMutableRawPointer(destination).storeBytes(
            of: UnsafeRawPointer(source).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
        case 8: UnsafeMutableRawPointer(destination).storeBytes(
            of: UnsafeRawPointer(source).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        default: destination.update(from: source, count: count)
        }
    }

    /// `imageToColumns` for this geometry: split, then copy rows.
    func phaseImageToColumns(_ plane: UnsafePointer<Float>, channel: Int, columns: UnsafeMutablePointer<Float>,
                             rowStride: Int) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * phaseSize) { buffer in
            let phases = buffer.baseAddress!
            phases.update(repeating: 0, count: 4 * phaseSize)
            for row in 0..<height {
                let source = plane + row * width
                let even = phases + (row & 1) * 2 * phaseSize + (row / 2 + 1) * phaseWidth + 1
                let odd = even + phaseSize
                for column in 0..<outputWidth {
                    even[column] = source[2 * column]
                    odd[column] = source[2 * column + 1]
                }
            }
            for tap in 0..<kernel * kernel {
                let source = phases + phaseOffset(tap: tap)
                let row = columns + (channel * kernel * kernel + tap) * rowStride
                for outputRow in 0..<outputHeight {
                    Self.copyRow(source + outputRow * phaseWidth, to: row + outputRow * outputWidth, count: outputWidth)
                }
            }
        }
    }

    /// `addColumnsToImage` for this geometry: sum the rows into the phase planes, then interleave them into the
    /// plane (the border values fall outside the image and are dropped).
    func phaseAddColumnsToImage(_ columns: UnsafePointer<Float>, rowStride: Int, channel: Int,
                                plane: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * phaseSize) { buffer in
            let phases = buffer.baseAddress!
            phases.update(repeating: 0, count: 4 * phaseSize)
            for tap in 0..<kernel * kernel {
                let destination = phases + phaseOffset(tap: tap)
                let row = columns + (channel * kernel * kernel + tap) * rowStride
                for outputRow in 0..<outputHeight {
                    let target = destination + outputRow * phaseWidth
                    let source = row + outputRow * outputWidth
                    for column in 0..<outputWidth { target[column] += source[column] }
                }
            }
            for row in 0..<height {
                let target = plane + row * width
                let even = phases + (row & 1) * 2 * phaseSize + (row / 2 + 1) * phaseWidth + 1
                let odd = even + phaseSize
                for column in 0..<outputWidth {
                    target[2 * column] += even[column]
                    target[2 * column + 1] += odd[column]
                }
            }
        }
    }
}
