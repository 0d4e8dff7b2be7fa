import Datasets
import Foundation
import NeuralNet

/// Grading attacks as the field does: the evaluation classifier (shipped, given or trained here), attack accuracy
/// and KNN distance on the test victims, and the baselines beside them.
extension Experiment {
    /// The seed of the evaluator's own split and training: fixed, so one evaluator serves every seed of a preset.
    static let evaluatorSeed: UInt64 = 1_000_003
    static let evaluatorMinimumSteps = 300

    /// The evaluation classifier `init` was told to use: a file, the one shipped for these settings, or one trained
    /// now on the private images (augmented). Its held-out accuracy is measured on
    /// first use and reported.
    public func evaluator() throws -> EvaluationClassifier {
        if let evaluatorInUse { return evaluatorInUse }
        let (train, heldOut) = evaluatorSplit()
        let evaluator: EvaluationClassifier
        let file: URL? = switch evaluatorChoice {
        case .automatic: shippedEvaluator
        case .file(let file): file
        case .trainNew: nil
        }
        if let file {
            evaluator = try EvaluationClassifier(file: file, imageSize: config.size)
            guard evaluator.classes == config.privateClasses else {
                throw ConfigurationError("\(file.path): the evaluator names \(evaluator.classes) people; the settings have \(config.privateClasses) private classes")
            }
        } else {
            evaluator = EvaluationClassifier(imageSize: config.size, classes: config.privateClasses, width: config.width,
                                             seed: Self.evaluatorSeed)
            try observe(.stage("training the evaluation classifier on \(train.count) private images (augmented)"))
            let steps = (train.count + config.batch - 1) / config.batch
            // Twice the target's epochs, and at least 300 steps: a small set in large batches takes few steps an epoch.
            let epochs = max(2 * config.epochsClassifier, (Self.evaluatorMinimumSteps + steps - 1) / steps)
            try evaluator.train(on: train, epochs: epochs, batch: config.batch, seed: Self.evaluatorSeed) { epoch, step, loss in
                try self.checkpoint()
                try self.observe(.step(model: .evaluator, epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss))
            }
        }
        evaluator.heldOutAccuracy = try evaluator.accuracy(on: heldOut, checkpoint: checkpoint)
        evaluatorInUse = evaluator
        return evaluator
    }

    /// The evaluator when it needs no training: already made, given as a file, or shipped for these settings.
    public func readyEvaluator() throws -> EvaluationClassifier? {
        let ready = switch evaluatorChoice {
        case .automatic: evaluatorInUse != nil || shippedEvaluator != nil
        case .file: true
        case .trainNew: evaluatorInUse != nil
        }
        return ready ? try evaluator() : nil
    }

    /// The evaluator's split of the private images, the same for every seed: a fifth of each person's images held
    /// out to measure it, the rest to train it.
    public func evaluatorSplit() -> (train: ImageSet, heldOut: ImageSet) {
        let images = split.privateImages
        var rng = RandomGenerator(seed: Self.evaluatorSeed)
        var (train, heldOut) = ([Int](), [Int]())
        for members in images.indicesByClass() {
            let shuffled = members.shuffled(using: &rng)
            let held = max(1, members.count / 5)
            heldOut += shuffled.prefix(held)
            train += shuffled.dropFirst(held)
        }
        return (images.subset(train.sorted(), origin: "evaluator-train of \(images.origin)"),
                images.subset(heldOut.sorted(), origin: "evaluator-held-out of \(images.origin)"))
    }

    /// The evaluator's embeddings of the target's private training images, the KNN distance's reference.
    public func identityReference() throws -> IdentityEmbeddings {
        if let identityReferenceInUse { return identityReferenceInUse }
        let reference = try IdentityEmbeddings(of: split.classifierTrain, classes: config.privateClasses,
                                               evaluator: try evaluator(), checkpoint: checkpoint)
        identityReferenceInUse = reference
        return reference
    }

    /// Grades `reconstructions` of images `indices` of `victims` (pixel and identity metrics).
    public func grade(_ reconstructions: Tensor, of victims: ImageSet, indices: [Int]) throws -> AttackGrade {
        try AttackGrade(truths: victims.batch(indices), reconstructions: reconstructions, truthName: victims.origin,
                        reconstructionName: "their reconstructions", identities: indices.map { victims.labels![$0] },
                        evaluator: try evaluator(), reference: try identityReference(), checkpoint: checkpoint)
    }

    /// Grades class-level reconstructions (row i shows class `classes[i]`), as the field grades attacks that
    /// reconstruct a person rather than a photo: the pixel metrics against the private training image of that
    /// person nearest the reconstruction, and the identity metrics against the class.
    public func gradeClasses(_ reconstructions: Tensor, classes: [Int]) throws -> AttackGrade {
        let train = split.classifierTrain
        let groups = train.indicesByClass()
        precondition(reconstructions.count == classes.count * train.pixelsPerImage, "gradeClasses: one image per class")
        let closest = try classes.enumerated().map { row, label in
            guard groups.indices.contains(label), !groups[label].isEmpty else {
                throw ConfigurationError("class \(label) has no private training image (the classes are 0 to \(config.privateClasses - 1))")
            }
            let reconstruction = reconstructions.sample(row)
            return nearest(among: groups[label]) { squaredDistance(train.image($0), reconstruction) }
        }
        var truths = train.subset(closest, origin: "the nearest private training image of each class")
        truths.classNames = nil
        return try AttackGrade(truths: truths.batch(Array(0..<truths.count)), reconstructions: reconstructions,
                               truthName: truths.origin, reconstructionName: "the class reconstructions", identities: classes,
                               evaluator: try evaluator(), reference: try identityReference(), checkpoint: checkpoint)
    }

    /// `attack`'s reconstructions of every test victim released under `policy`.
    public func testVictimReconstructions(of attack: TrainingBasedInversion, policy: ReleasePolicy) throws -> Tensor {
        let test = split.classifierTest
        return try attack.reconstruct(victims: test, indices: Array(0..<test.count), release: policy,
                                      context: try context(auxiliary: attack.auxiliary))
    }

    /// `attack`'s reconstructions of every test victim released under `policy`, graded.
    public func testVictimGrade(of attack: TrainingBasedInversion, policy: ReleasePolicy) throws -> AttackGrade {
        let test = split.classifierTest
        return try grade(try testVictimReconstructions(of: attack, policy: policy), of: test, indices: Array(0..<test.count))
    }

    /// What `baseline` offers for images `indices` of `victims` released under `policy`, from auxiliary set
    /// `auxiliary`: `[n, 1, size, size]`.
    public func baselineImages(_ baseline: Baseline, victims: ImageSet, indices: [Int], policy: ReleasePolicy,
                               auxiliary: AuxiliarySource) throws -> Tensor {
        let set = try auxiliarySet(auxiliary)
        switch baseline {
        case .mean:
            let mean = set.meanImage()
            return Tensor(shape: [indices.count, 1, set.height, set.width], values: Array(indices.map { _ in mean }.joined()))
        case .nearest:
            let known = try api.query(set, Array(0..<set.count), policy: policy, from: .attacker, checkpoint: checkpoint)
            let asked = try api.query(victims, indices, policy: policy, from: .victims, checkpoint: checkpoint)
            let classes = api.classes
            let chosen = (0..<indices.count).map { row in
                nearest(among: 0..<set.count) { squaredDistance(asked, row, known, $0, classes) }
            }
            return set.batch(chosen)
        case .random:
            var rng = RandomGenerator(seed: config.seed &+ 29)
            return set.batch(indices.map { _ in Int(rng.next() % UInt64(set.count)) })
        }
    }

    /// Every baseline for the test victims released under `policy` from auxiliary set `auxiliary`, graded.
    public func testVictimBaselines(policy: ReleasePolicy, auxiliary: AuxiliarySource) throws -> [Baseline: AttackGrade] {
        let test = split.classifierTest
        let indices = Array(0..<test.count)
        var grades: [Baseline: AttackGrade] = [:]
        for baseline in Baseline.allCases {
            grades[baseline] = try grade(try baselineImages(baseline, victims: test, indices: indices, policy: policy,
                                                            auxiliary: auxiliary), of: test, indices: indices)
        }
        return grades
    }
}

/// The candidate with the smallest `distance`, each distance computed once (the first of equals wins).
private func nearest<Candidates: Collection<Int>>(among candidates: Candidates, distance: (Int) -> Float) -> Int {
    var best = (candidate: candidates.first!, distance: Float.infinity)
    for candidate in candidates {
        let value = distance(candidate)
        if value < best.distance { best = (candidate, value) }
    }
    return best.candidate
}

/// The squared distance between an image's bytes and a reconstruction in [0, 1].
private func squaredDistance(_ image: ArraySlice<UInt8>, _ reconstruction: UnsafeBufferPointer<Float>) -> Float {
    zip(image, reconstruction).reduce(0) { sum, pair in
        let difference = Float(pair.0) / 255 - pair.1
        return sum + difference * difference
    }
}

/// The squared distance between row `first` of `a` and row `second` of `b`, both `[n, length]`.
private func squaredDistance(_ a: Tensor, _ first: Int, _ b: Tensor, _ second: Int, _ length: Int) -> Float {
    var total: Float = 0
    for entry in 0..<length {
        let difference = a[first * length + entry] - b[second * length + entry]
        total += difference * difference
    }
    return total
}
