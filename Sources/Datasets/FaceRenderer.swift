import Foundation
import NeuralNet

/// Draws one synthetic face into a square grey canvas, back to front: background, clothes, long hair, neck, face,
/// hair, eyes, brows, nose, mouth, beard, glasses, then sensor noise. Every shape has a soft edge about a pixel wide,
/// so the faces are anti-aliased at any size.
struct FaceRenderer {
    let size: Int

    /// The face of `identity` as varied by `variation`, as bytes; `rng` supplies the noise.
    func render(_ identity: FaceIdentity, _ variation: FaceVariation, rng: inout RandomGenerator) -> [UInt8] {
        var canvas = [Float](repeating: 0, count: size * size)
        let pixel = 1 / Float(size)
        for row in 0..<size {
            for column in 0..<size {
                let x = (Float(column) + 0.5) * pixel - 0.5
                let y = (Float(row) + 0.5) * pixel - 0.5
                canvas[row * size + column] = shade(x: x, y: y, identity, variation, pixel: pixel)
            }
        }
        return canvas.map { value in
            let noisy = value * variation.exposure + variation.offset + variation.noise * rng.normal()
            return UInt8(max(0, min(255, (noisy * 255).rounded())))
        }
    }

    /// Coverage of a shape whose signed distance (negative inside) is `distance`, with an edge `pixel` wide.
    @inline(__always)
    private func coverage(_ distance: Float, pixel: Float) -> Float {
        max(0, min(1, 0.5 - distance / pixel))
    }

    /// Approximate signed distance to an axis-aligned ellipse.
    @inline(__always)
    private func ellipse(_ x: Float, _ y: Float, centerX: Float, centerY: Float, radiusX: Float, radiusY: Float) -> Float {
        let dx = (x - centerX) / radiusX
        let dy = (y - centerY) / radiusY
        return ((dx * dx + dy * dy).squareRoot() - 1) * min(radiusX, radiusY)
    }

    /// The grey at image point (x, y), both in [-0.5, 0.5].
    private func shade(x: Float, y: Float, _ person: FaceIdentity, _ photo: FaceVariation, pixel: Float) -> Float {
        let yaw = photo.yaw
        // Head centre and the face's own coordinates (u across, v down), scaled with the photo.
        let centerX = photo.shiftX + 0.03 * yaw
        let centerY = photo.shiftY - 0.02
        // Faces fill a little more of the frame than the traits' raw lengths.
        let zoom = photo.scale * 1.15
        let u = (x - centerX) / zoom
        let v = (y - centerY) / zoom
        let edge = pixel / zoom
        // A turned head shows a narrower face whose features slide towards the turn.
        let turn = 1 - 0.22 * abs(yaw)
        let halfWidth = person.faceHalfWidth * turn
        let halfHeight = person.faceHalfHeight

        var value = photo.background * (1 - 0.15 * y)
        // Clothes: the shoulders at the bottom.
        value = mix(value, photo.clothes, coverage(ellipse(x, y, centerX: centerX * 0.5, centerY: 0.62,
                                                           radiusX: 0.44, radiusY: 0.22), pixel: pixel))
        if person.hairStyle == .long {
            let back = ellipse(u, v, centerX: 0, centerY: 0.02, radiusX: halfWidth + 0.05 + person.hairVolume,
                               radiusY: halfHeight + 0.05)
            value = mix(value, person.hair * 0.9, coverage(max(back, v - 0.3), pixel: edge))
        }
        // Neck.
        let neck = max(abs(u) - halfWidth * 0.45, max(-(v - halfHeight * 0.5), v - 0.5))
        value = mix(value, person.skin * 0.8, coverage(neck, pixel: edge))
        // Everything below lies within the head's box; most of the frame is outside it.
        let reach = halfWidth + person.hairVolume + 0.03
        guard abs(u) < reach, v > -(halfHeight + person.hairVolume + 0.03), v < halfHeight + 0.03 else { return value }

        // The face: an oval above, a superellipse jaw below, lit from one side.
        let nu = abs(u) / halfWidth
        let nv = v / halfHeight
        // An oval above the eyes' line (a plain square root), the identity's superellipse jaw below.
        let faceDistance = v > 0
            ? (pow(pow(nu, person.jaw) + pow(nv, person.jaw), 1 / person.jaw) - 1) * halfWidth
            : ((nu * nu + nv * nv).squareRoot() - 1) * halfWidth
        let light = 1 + 0.28 * (photo.lightAcross * u / halfWidth + photo.lightDown * v / halfHeight) * 0.5
        let faceCoverage = coverage(faceDistance, pixel: edge)
        value = mix(value, person.skin * light, faceCoverage)

        // Hair on top: inside a slightly larger head outline and above the hairline.
        if person.hairStyle != .receding || abs(u) > halfWidth * 0.75 {
            let crown = ellipse(u, v, centerX: 0, centerY: -0.015, radiusX: halfWidth + person.hairVolume * 0.6,
                                radiusY: halfHeight + person.hairVolume)
            let hairline: Float = person.hairStyle == .fringe ? -0.13 : (person.hairStyle == .receding ? -0.05 : -0.19)
            let curve = hairline + 0.35 * u * u + 0.04 * yaw * u / halfWidth
            let hairDistance = max(crown, v - curve)
            value = mix(value, person.hair * (1 + 0.1 * photo.lightAcross * u), coverage(hairDistance, pixel: edge))
        }

        // Features ride on the face surface: they slide with the turn, the far side shrinks.
        let slide = 0.09 * yaw
        func drawEye(side: Float) {
            let far = side * yaw < 0 ? 1 - 0.45 * abs(yaw) : 1
            let eyeX = side * person.eyeSpacing * turn + slide
            let eyeY = person.eyeLevel
            let squint = 1 - 0.25 * max(0, photo.smile)
            let white = ellipse(u, v, centerX: eyeX, centerY: eyeY, radiusX: person.eyeSize * 1.5 * far,
                                radiusY: person.eyeSize * 0.8 * squint)
            value = mix(value, 0.9, coverage(white, pixel: edge) * faceCoverage)
            let iris = ellipse(u, v, centerX: eyeX + 0.012 * yaw, centerY: eyeY, radiusX: person.eyeSize * 0.7 * far,
                               radiusY: person.eyeSize * 0.7 * squint)
            value = mix(value, person.irisTone, coverage(iris, pixel: edge) * faceCoverage)
            // Brow: a thick tilted bar above the eye.
            let browY = eyeY - person.browGap - photo.browRaise + person.browTilt * 0.12 * (u - eyeX) * side
            let brow = max(abs(v - browY) - person.browThickness, abs(u - eyeX) - person.eyeSize * 1.9 * far)
            value = mix(value, person.hair * 0.8, coverage(brow, pixel: edge) * faceCoverage)
            if person.glasses {
                let lens = abs(ellipse(u, v, centerX: eyeX, centerY: eyeY, radiusX: person.eyeSize * 2.3 * far,
                                       radiusY: person.eyeSize * 1.9)) - 0.006
                value = mix(value, 0.08, coverage(lens, pixel: edge))
            }
        }
        drawEye(side: -1)
        drawEye(side: 1)
        if person.glasses {
            let bridge = max(abs(v - person.eyeLevel + 0.005) - 0.004, abs(u - slide) - person.eyeSpacing * turn * 0.5)
            value = mix(value, 0.08, coverage(bridge, pixel: edge))
        }

        // Nose: a shadow on the side away from the light, and nostrils.
        let noseX = 0.13 * yaw
        let noseTop = person.eyeLevel + 0.02
        let noseBottom = noseTop + person.noseLength
        let shadowSide: Float = photo.lightAcross >= 0 ? -1 : 1
        let ridge = max(abs(u - noseX - shadowSide * person.noseWidth * 0.5) - 0.006,
                        max(noseTop - v, v - noseBottom))
        value = mix(value, person.skin * light * 0.7, coverage(ridge, pixel: edge) * 0.8 * faceCoverage)
        let nostrils = ellipse(u, v, centerX: noseX, centerY: noseBottom, radiusX: person.noseWidth, radiusY: 0.012)
        value = mix(value, person.skin * 0.45, coverage(nostrils, pixel: edge) * 0.7 * faceCoverage)

        // Mouth: a curved line; a smile lifts its corners.
        let mouthX = 0.11 * yaw
        let across = (u - mouthX) / (person.mouthWidth * turn)
        let curve = person.mouthLevel - photo.smile * 0.028 * (across * across) + photo.smile * 0.01
        let mouth = max(abs(v - curve) - person.lipThickness * (1 - 0.5 * across * across), abs(across) - 1)
        value = mix(value, person.skin * 0.35, coverage(mouth * zoom, pixel: edge) * faceCoverage)

        if person.beard {
            let chin = max(faceDistance, person.mouthLevel - 0.03 - v)
            let clearOfMouth = 1 - coverage(mouth - 0.01, pixel: edge)
            value = mix(value, person.hair * 0.85 + 0.05, coverage(chin, pixel: edge) * 0.85 * clearOfMouth)
        }
        return value
    }

    @inline(__always)
    private func mix(_ base: Float, _ top: Float, _ amount: Float) -> Float { base + (top - base) * amount }
}
