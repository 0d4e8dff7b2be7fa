/// Vectorised loops for the memory-bound work around the GEMMs. Swift keeps floating-point additions in source
/// order, so a plain `sum += x[i]` loop cannot use SIMD; these accumulate in SIMD registers explicitly.
enum VectorMath {
    /// The sum of `count` values.
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD8<Float>()
        var index = 0
        while index + 8 <= count {
            accumulator += UnsafeRawPointer(values + index).loadUnaligned(as: SIMD8<Float>.self)
            index += 8
        }
        var total = accumulator.sum()
        while index < count {
            total += values[index]
            index += 1
        }
        return total
    }

    /// Σ (values[i] - center)², the deviation sum behind a variance.
    @inline(__always)
    static func squaredDeviationSum(_ values: UnsafePointer<Float>, count: Int, center: Float) -> Float {
        var accumulator = SIMD8<Float>()
        let centers = SIMD8<Float>(repeating: center)
        var index = 0
        while index + 8 <= count {
            let deviation = UnsafeRawPointer(values + index).loadUnaligned(as: SIMD8<Float>.self) - centers
            accumulator += deviation * deviation
            index += 8
        }
        var total = accumulator.sum()
        while index < count {
            total += (values[index] - center) * (values[index] - center)
            index += 1
        }
        return total
    }

    /// (Σ g, Σ g · (x - center)) over paired values: BatchNorm's backward reductions.
    @inline(__always)
    static func sumAndCenteredDot(_ gradients: UnsafePointer<Float>, _ values: UnsafePointer<Float>, count: Int,
                                  center: Float) -> (Float, Float) {
        var sums = SIMD8<Float>()
        var dots = SIMD8<Float>()
        let centers = SIMD8<Float>(repeating: center)
        var index = 0
        while index + 8 <= count {
            let gradient = UnsafeRawPointer(gradients + index).loadUnaligned(as: SIMD8<Float>.self)
            let value = UnsafeRawPointer(values + index).loadUnaligned(as: SIMD8<Float>.self)
            sums += gradient
            dots += gradient * (value - centers)
            index += 8
        }
        var (sum, dot) = (sums.sum(), dots.sum())
        while index < count {
            sum += gradients[index]
            dot += gradients[index] * (values[index] - center)
            index += 1
        }
        return (sum, dot)
    }

    /// destination[i] = source[i] * scale + shift.
    @inline(__always)
    static func scaleAndShift(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int,
                              scale: Float, shift: Float) {
        for index in 0..<count { destination[index] = source[index] * scale + shift }
    }

    /// e^x for eight values at once: x = n ln 2 + r with |r| ≤ ln 2 / 2, e^r by a degree-6 polynomial, 2^n through
    /// the exponent bits. Relative error about 2e-7 over [-87, 88]; inputs are clamped to that range. Written with
    /// explicit vector constants, a magic-number rounding and `replacing` for the clamp: Swift's generic SIMD
    /// `rounded`, integer conversion and `pointwiseMin` fall back to per-lane code twenty times slower.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let low = SIMD8<Float>(repeating: -87.3)
        let high = SIMD8<Float>(repeating: 88.3)
        // Adding 1.5 · 2^23 rounds to an integer held in the low mantissa bits.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        var clamped = x.replacing(with: low, where: x .< low)
        clamped.replace(with: high, where: clamped .> high)
        let shifted = clamped * SIMD8(repeating: 1.442_695_04) + magic
        let n = shifted - magic
        // ln 2 split in two parts keeps r exact enough.
        let r = clamped - n * SIMD8(repeating: 0.693_145_75) - n * SIMD8(repeating: 1.428_606_8e-6)
        let one = SIMD8<Float>(repeating: 1)
        var p = SIMD8<Float>(repeating: 1.0 / 720)
        p = p * r + SIMD8(repeating: 1.0 / 120)
        p = p * r + SIMD8(repeating: 1.0 / 24)
        p = p * r + SIMD8(repeating: 1.0 / 6)
        p = p * r + SIMD8(repeating: 0.5)
        p = p * r + one
        p = p * r + one
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- SIMD8(repeating: 0x4B40_0000 - 127))
            &<< SIMD8(repeating: 23)
        return p * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    /// Applies `kernel` to `count` values eight at a time (the tail padded), writing `destination`.
    @inline(__always)
    static func map(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int,
                    _ kernel: (SIMD8<Float>) -> SIMD8<Float>) {
        var index = 0
        while index + 8 <= count {
            let result = kernel(UnsafeRawPointer(source + index).loadUnaligned(as: SIMD8<Float>.self))
            UnsafeMutableRawPointer(destination + index).storeBytes(of: result, as: SIMD8<Float>.self)
            index += 8
        }
        if index < count {
            var tail = SIMD8<Float>()
            for lane in 0..<(count - index) { tail[lane] = source[index + lane] }
            let result = kernel(tail)
            for lane in 0..<(count - index) { destination[index + lane] = result[lane] }
        }
    }
}
