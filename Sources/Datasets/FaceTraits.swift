import NeuralNet

/// What makes one synthetic person recognisable: lasting traits drawn once per identity. Lengths are fractions of
/// the image side; tones are greys in [0, 1].
struct FaceIdentity {
    var faceHalfWidth: Float
    var faceHalfHeight: Float
    /// Superellipse exponent of the jaw: 2 is an oval, lower is pointed, higher is square.
    var jaw: Float
    var skin: Float
    var hair: Float
    var hairStyle: HairStyle
    var hairVolume: Float
    var eyeSpacing: Float
    var eyeLevel: Float
    var eyeSize: Float
    var irisTone: Float
    var browThickness: Float
    var browTilt: Float
    var browGap: Float
    var noseLength: Float
    var noseWidth: Float
    var mouthWidth: Float
    var mouthLevel: Float
    var lipThickness: Float
    var glasses: Bool
    var beard: Bool
    /// How far this person's head turns across their photos (1: full profile range).
    var poseSpread: Float

    /// The kinds of hair the generator draws.
    enum HairStyle: CaseIterable {
        case short, long, receding, fringe
    }

    /// Traits drawn from `rng`; `frontal` people turn their heads little.
    init(rng: inout RandomGenerator, frontal: Bool) {
        faceHalfWidth = rng.uniform(0.24, 0.32)
        faceHalfHeight = rng.uniform(0.31, 0.39)
        jaw = rng.uniform(1.6, 3.2)
        skin = rng.uniform(0.42, 0.88)
        // Hair contrasts with skin: dark hair on light skin is common, light hair on dark skin is kept apart too.
        let darkHair = rng.nextUnitFloat() < 0.7
        hair = darkHair ? rng.uniform(0.04, max(0.08, skin - 0.3)) : min(1, skin + rng.uniform(0.15, 0.3))
        hairStyle = HairStyle.allCases[Int(rng.next() % UInt64(HairStyle.allCases.count))]
        hairVolume = rng.uniform(0.02, 0.07)
        eyeSpacing = rng.uniform(0.095, 0.14)
        eyeLevel = rng.uniform(-0.06, 0.0)
        eyeSize = rng.uniform(0.026, 0.042)
        irisTone = rng.uniform(0.02, 0.35)
        browThickness = rng.uniform(0.008, 0.022)
        browTilt = rng.uniform(-0.25, 0.3)
        browGap = rng.uniform(0.035, 0.06)
        noseLength = rng.uniform(0.08, 0.15)
        noseWidth = rng.uniform(0.025, 0.05)
        mouthWidth = rng.uniform(0.06, 0.11)
        mouthLevel = rng.uniform(0.14, 0.21)
        lipThickness = rng.uniform(0.008, 0.02)
        glasses = rng.nextUnitFloat() < 0.2
        beard = rng.nextUnitFloat() < 0.18
        poseSpread = frontal ? 0.2 : 1
    }
}

/// How one photo of a person differs from the others: pose, expression, light, exposure, framing, clothes and
/// background (people change clothes; backgrounds say nothing about who is in the photo).
struct FaceVariation {
    /// Head turn in [-1, 1]: negative turns to the image's left, ±1 is close to profile. Recorded as `yaw`.
    var yaw: Float
    var smile: Float
    var browRaise: Float
    var lightAcross: Float
    var lightDown: Float
    var shiftX: Float
    var shiftY: Float
    var scale: Float
    var noise: Float
    /// Brightness gain and offset of the whole photo.
    var exposure: Float
    var offset: Float
    var clothes: Float
    var background: Float

    init(for identity: FaceIdentity, rng: inout RandomGenerator) {
        yaw = max(-1, min(1, rng.uniform(-1, 1) * identity.poseSpread))
        smile = rng.uniform(-0.3, 1)
        browRaise = rng.uniform(-0.01, 0.015)
        lightAcross = rng.uniform(-1.2, 1.2)
        lightDown = rng.uniform(-0.7, 0.7)
        shiftX = rng.uniform(-0.045, 0.045)
        shiftY = rng.uniform(-0.04, 0.04)
        scale = rng.uniform(0.91, 1.08)
        noise = rng.uniform(0.02, 0.05)
        exposure = rng.uniform(0.85, 1.12)
        offset = rng.uniform(-0.06, 0.06)
        clothes = rng.uniform(0.1, 0.9)
        background = rng.uniform(0.2, 0.95)
    }
}
