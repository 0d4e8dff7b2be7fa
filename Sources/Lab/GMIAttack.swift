import Datasets
import Foundation
import NeuralNet

/// The generative model-inversion attack (GMI, Zhang et al., CVPR 2020) and LOMMA's two additions to it (Nguyen et
/// al., CVPR 2023). A GAN trained on the attacker's auxiliary images gives a prior over faces; for each class y the
/// attack searches the latent space for z whose image the target assigns to y and the discriminator finds
/// realistic, minimising −D(G(z)) + λ·L_id with Nesterov SGD, z kept in [−1, 1], from several random starts,
/// keeping the start whose image the target is most confident in. GMI's L_id is the target's cross-entropy at y.
/// LOMMA's logit loss replaces it by −logit_y plus λ_reg times the mean squared distance of the target's
/// penultimate features from their mean over the auxiliary images; its model augmentation averages L_id over the
/// target and three classifiers distilled from it on the auxiliary images (`ModelAugmentation`).
public final class GMIAttack: ClassAttack {
    /// GMI, or GMI with one or both of LOMMA's additions.
    public enum Variant: String, CaseIterable, Sendable {
        case gmi
        /// GMI with LOMMA's logit loss.
        case gmiLogit = "gmi-logit"
        /// GMI with LOMMA's model augmentation.
        case gmiAug = "gmi-aug"
        /// Both: LOMMA as its authors run it on GMI.
        case lomma

        public var usesLogitLoss: Bool { self == .gmiLogit || self == .lomma }
        public var augmentsModels: Bool { self == .gmiAug || self == .lomma }
    }

    /// GMI's settings: λ = 100, learning rate 0.02, momentum 0.9, 1500 iterations, 5 restarts; the GAN trains for
    /// `priorEpochs` passes over the auxiliary images; LOMMA's λ_reg = 1 and 20 epochs of distillation. With KEDMI's
    /// GAN (`gan`), the search learns a distribution per class instead (`distributionSearch`).
    public struct Settings: Sendable, Equatable {
        public var variant = Variant.gmi
        public var gan = GenerativePrior.Kind.general
        public var iterations = 1500
        public var restarts = 5
        public var learningRate: Float = 0.02
        public var momentum: Float = 0.9
        public var identityWeight: Float = 100
        public var priorEpochs = 60
        /// λ_reg of the logit loss.
        public var featureWeight: Float = 1
        public var augmentationEpochs = ModelAugmentation.defaultEpochs

        public init() {}
    }

    public let settings: Settings
    /// The GAN, trained by `prepare` (or given).
    public private(set) var prior: GenerativePrior?
    /// The distilled classifiers of model augmentation, trained by `prepare` (or given); empty without it.
    public private(set) var augmented: [Sequential]
    /// The mean of the target's penultimate features over the auxiliary images, for the logit loss.
    var featureMean: [Float]?
    /// The target last searched, split before its last layer: made once, not at every iteration.
    private var split: (target: Sequential, body: Sequential, head: Layer)?
    /// The image made for each class searched.
    var made: [Int: [Float]] = [:]
    public internal(set) var confidence: [Int: Float] = [:]
    /// KEDMI's learned latent distribution for each class searched, N(mean, diag(e^logVariance)); empty for GMI.
    var distributions: [Int: (mean: [Float], logVariance: [Float])] = [:]
    public var watch: AttackWatch?
    /// How long `prepare` spent training the GAN and distilling the students (zero for what it was given).
    public private(set) var trainingSeconds: (prior: Double, students: Double) = (0, 0)

    /// An attack that trains its prior (and students) in `prepare`, or uses those given.
    public init(settings: Settings = Settings(), prior: GenerativePrior? = nil, augmented: [Sequential] = []) {
        self.settings = settings
        self.prior = prior
        self.augmented = augmented
    }

    public var name: String {
        switch (settings.gan, settings.variant) {
        case (.general, .gmi): "GMI (Zhang et al.: latent search in a GAN trained on the auxiliary images)"
        case (.general, .gmiLogit): "GMI with LOMMA's logit loss"
        case (.general, .gmiAug): "GMI with LOMMA's model augmentation"
        case (.general, .lomma): "LOMMA (Nguyen et al.: GMI with logit loss and model augmentation)"
        case (.knowledgeEnriched, .gmi): "KEDMI (Chen et al.: a distribution per class searched in a GAN trained against the target)"
        case (.knowledgeEnriched, .gmiLogit): "KEDMI with LOMMA's logit loss"
        case (.knowledgeEnriched, .gmiAug): "KEDMI with LOMMA's model augmentation"
        case (.knowledgeEnriched, .lomma): "LOMMA on KEDMI (logit loss and model augmentation)"
        }
    }

    public var method: String { Self.method(settings.variant, gan: settings.gan) }

    /// The name of `variant` in `gan`: GMI's (gmi, gmi-logit, gmi-aug, lomma) or KEDMI's (kedmi, kedmi-logit,
    /// kedmi-aug, kedmi-lomma).
    public static func method(_ variant: Variant, gan: GenerativePrior.Kind) -> String {
        switch (gan, variant) {
        case (.general, _): variant.rawValue
        case (.knowledgeEnriched, .gmi): "kedmi"
        case (.knowledgeEnriched, .lomma): "kedmi-lomma"
        case (.knowledgeEnriched, _): "kedmi-" + variant.rawValue.dropFirst("gmi-".count)
        }
    }

    /// The GAN (`gan.safetensors`) and the students (`student-1.safetensors`, ...), when trained or given.
    public var trainedModels: [(file: String, network: Sequential)] {
        (prior.map { [(GenerativePrior.fileName($0.kind), $0.networks)] } ?? []) + augmented.enumerated().map { ("student-\($0.offset + 1).safetensors", $0.element) }
    }

    public func prepare(_ context: AttackContext) throws {
        guard case .whiteBox(let target, _) = context.target else {
            throw ConfigurationError("\(name) needs the target's gradients (white-box access)")
        }
        let set = context.auxiliary
        if let prior, prior.kind != settings.gan {
            throw ConfigurationError("\(name) searches a \(settings.gan.rawValue) GAN, and the one given is \(prior.kind.rawValue)")
        }
        if prior == nil {
            let started = Date()
            prior = try trainPrior(on: set, target: target, context: context)
            trainingSeconds.prior = Date().timeIntervalSince(started)
        }
        if settings.variant.augmentsModels && augmented.isEmpty {
            let started = Date()
            augmented = try distilStudents(of: target, on: set, context: context)
            trainingSeconds.students = Date().timeIntervalSince(started)
        }
        if settings.variant.usesLogitLoss && featureMean == nil {
            featureMean = try Self.meanFeatures(of: target, on: set, batch: context.budget.batch)
        }
    }

    private func trainPrior(on set: ImageSet, target: Sequential, context: AttackContext) throws -> GenerativePrior {
        let teacher = settings.gan == .knowledgeEnriched ? try ModelAugmentation.softmax(of: target, on: set, batch: context.budget.batch) : nil
        let gan = GenerativePrior(imageSize: set.height, width: context.modelWidth, seed: context.seed, kind: settings.gan,
                                  classes: teacher?.shape[1] ?? 1)
        try context.observe(.stage(teacher == nil ? "GMI: training the GAN prior on \(set.count) auxiliary images"
                                   : "KEDMI: training the GAN on \(set.count) auxiliary images and the target's soft labels of them"))
        var rng = RandomGenerator(seed: context.seed &+ 1)
        let steps = (set.count + context.budget.batch - 1) / context.budget.batch
        for epoch in 1...max(settings.priorEpochs, 1) {
            try gan.trainEpoch(on: set, batch: context.budget.batch, teacherSoftmax: teacher, rng: &rng) { step, discriminatorLoss, generatorLoss in
                try context.checkpoint()
                try context.observe(.step(model: .attack, epoch: epoch, epochs: settings.priorEpochs, step: step, steps: steps,
                                          loss: discriminatorLoss + generatorLoss))
            }
        }
        return gan
    }

    private func distilStudents(of target: Sequential, on set: ImageSet, context: AttackContext) throws -> [Sequential] {
        let classes = try target.infer(set.batch([0])).shape[1]
        let students = ModelAugmentation.untrainedStudents(imageSize: set.height, classes: classes, width: context.modelWidth,
                                                           seed: context.seed &+ 3)
        let epochs = settings.augmentationEpochs
        try context.observe(.stage("LOMMA: distilling \(students.count) classifiers from the target on \(set.count) auxiliary images"))
        let agreements = try ModelAugmentation.distil(students, from: target, on: set, epochs: epochs, batch: context.budget.batch,
                                                      seed: context.seed &+ 4) { student, epoch, step, steps, loss in
            try context.checkpoint()
            try context.observe(.step(model: .attack, epoch: student * epochs + epoch, epochs: students.count * epochs,
                                      step: step, steps: steps, loss: loss))
        }
        let shares = agreements.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: ", ")
        try context.observe(.stage("LOMMA: the students name the target's top class on \(shares) of the auxiliary images"))
        return students
    }

    /// The mean over `set` of `target`'s penultimate features (the input of its last layer), in evaluation mode.
    static func meanFeatures(of target: Sequential, on set: ImageSet, batch: Int) throws -> [Float] {
        let body = target.splitBeforeLastLayer.body
        var sums: [Double] = []
        for start in stride(from: 0, to: set.count, by: batch) {
            let features = try body.forward(set.batch(Array(start..<min(start + batch, set.count))), mode: .evaluation)
            let length = features.count / features.shape[0]
            if sums.isEmpty { sums = Array(repeating: 0, count: length) }
            for index in 0..<features.count { sums[index % length] += Double(features[index]) }
        }
        return sums.map { Float($0 / Double(max(set.count, 1))) }
    }

    public func reconstruct(classes: [Int], context: AttackContext) throws -> Tensor {
        guard case .whiteBox(let target, _) = context.target, let prior else {
            throw ConfigurationError("\(name) must be prepared with white-box access first")
        }
        let missing = Array(Set(classes.filter { made[$0] == nil })).sorted()
        if !missing.isEmpty {
            try withFrozenParameters(of: [target, prior.generator, prior.discriminator] + augmented) {
                try search(missing, target: target, prior: prior, context: context)
            }
        }
        let pixels = prior.imageSize * prior.imageSize
        let result = Tensor(zeros: [classes.count, 1, prior.imageSize, prior.imageSize])
        for (row, label) in classes.enumerated() {
            made[label]!.withUnsafeBufferPointer { (result.pointer + row * pixels).update(from: $0.baseAddress!, count: pixels) }
        }
        return result
    }

    /// The objective of every row of `latent` (row r searching for class `labels[r]`): each row's loss and the
    /// target's confidence in its class, with the loss's gradient with respect to the latent written to
    /// `latentGradient`. Every network runs in evaluation mode, so rows do not interact.
    public func objective(_ latent: Tensor, labels: [Int], target: Sequential, prior: GenerativePrior,
                   latentGradient: Tensor) throws -> (losses: [Float], priorLosses: [Float], confidences: [Float]) {
        let images = try prior.generator.forward(latent, mode: .evaluation)
        let realism = try prior.discriminator.forward(images, mode: .evaluation)
        let (priorLosses, realismGradient) = prior.priorLoss(realism, weight: 1)
        var losses = priorLosses
        if split?.target !== target {
            let (body, head) = target.splitBeforeLastLayer
            split = (target, body, head)
        }
        let (_, body, head) = split!
        let features = try body.forward(images, mode: .evaluation)
        let logits = try head.forward(features, mode: .evaluation)
        let confidences = labels.enumerated().map { row, label in
            Self.probabilities(logits.pointer + row * logits.shape[1], count: logits.shape[1])[label]
        }
        // L_id averages over the target and the students; its weight λ is shared out among them.
        let share = settings.identityWeight / Float(1 + augmented.count)
        let featureGradient = head.backward(identityGradient(logits, labels: labels, weight: share, losses: &losses),
                                            needsInputGradient: true).clone()
        if settings.variant.usesLogitLoss {
            guard let featureMean, featureMean.count * labels.count == features.count else {
                throw ConfigurationError("\(name): the target's mean features are missing or of the wrong length")
            }
            let length = featureMean.count
            let weight = settings.identityWeight * settings.featureWeight
            for row in 0..<labels.count {
                var squares: Float = 0
                for entry in 0..<length {
                    let index = row * length + entry
                    let difference = features[index] - featureMean[entry]
                    squares += difference * difference
                    featureGradient[index] += weight * 2 * difference / Float(length)
                }
                losses[row] += weight * squares / Float(length)
            }
        }
        let imageGradient = body.backward(featureGradient, needsInputGradient: true).clone()
        for student in augmented {
            let studentLogits = try student.forward(images, mode: .evaluation)
            let fromStudent = student.backward(identityGradient(studentLogits, labels: labels, weight: share, losses: &losses),
                                               needsInputGradient: true)
            for index in 0..<imageGradient.count { imageGradient[index] += fromStudent[index] }
        }
        let fromDiscriminator = prior.discriminator.backward(realismGradient, needsInputGradient: true)
        for index in 0..<imageGradient.count { imageGradient[index] += fromDiscriminator[index] }
        latentGradient.copy(from: prior.generator.backward(imageGradient, needsInputGradient: true))
        return (losses, priorLosses, confidences)
    }

    /// Adds `weight` x the identity loss of each row of `logits` at its label to `losses` (GMI's cross-entropy or the
    /// logit loss's −logit_y) and returns its gradient with respect to the logits.
    private func identityGradient(_ logits: Tensor, labels: [Int], weight: Float, losses: inout [Float]) -> Tensor {
        let classes = logits.shape[1]
        let gradient = Tensor(zeros: logits.shape)
        for (row, label) in labels.enumerated() {
            let scores = logits.pointer + row * classes
            if settings.variant.usesLogitLoss {
                losses[row] -= weight * scores[label]
                gradient[row * classes + label] = -weight
            } else {
                let probabilities = Self.probabilities(scores, count: classes)
                losses[row] -= weight * logf(max(probabilities[label], 1e-30))
                for entry in 0..<classes {
                    gradient[row * classes + entry] = weight * (probabilities[entry] - (entry == label ? 1 : 0))
                }
            }
        }
        return gradient
    }

    /// Runs every restart of every class of `classes` as one batch and keeps, per class, the restart whose image the
    /// target is most confident in.
    private func search(_ classes: [Int], target: Sequential, prior: GenerativePrior, context: AttackContext) throws {
        if settings.gan == .knowledgeEnriched { return try distributionSearch(classes, target: target, prior: prior, context: context) }
        let restarts = max(settings.restarts, 1)
        let labels = classes.flatMap { Array(repeating: $0, count: restarts) }
        var rng = RandomGenerator(seed: context.seed &+ 2)
        let latent = Parameter(GenerativePrior.sampleLatent(labels.count, rng: &rng))
        let optimizer = SGD(parameters: [latent], learningRate: settings.learningRate, momentum: settings.momentum, nesterov: true)
        try context.observe(.stage("\(method): latent search for \(classes.count) classes x \(restarts) starts, \(settings.iterations) iterations"))
        let pixels = prior.imageSize * prior.imageSize
        // Each class's start the target is most confident in, and its image.
        func best(_ confidences: [Float]) throws -> (rows: [Int], images: Tensor) {
            let rows = classes.indices.map { position in
                (position * restarts..<(position + 1) * restarts).max { confidences[$0] < confidences[$1] }!
            }
            let all = try prior.generator.forward(latent.value, mode: .evaluation)
            let chosen = Tensor(zeros: [classes.count, 1, prior.imageSize, prior.imageSize])
            for (position, row) in rows.enumerated() {
                (chosen.pointer + position * pixels).update(from: all.pointer + row * pixels, count: pixels)
            }
            return (rows, chosen)
        }
        let mean = { (values: [Float]) in values.reduce(0, +) / Float(values.count) }
        for iteration in 1...max(settings.iterations, 1) {
            try context.checkpoint()
            let (losses, priorLosses, reached) = try objective(latent.value, labels: labels, target: target, prior: prior,
                                                               latentGradient: latent.gradient)
            if iteration % 10 == 0 {
                try context.observe(.step(model: .attack, epoch: 1, epochs: 1, step: iteration, steps: settings.iterations,
                                          loss: mean(losses)))
            }
            if let watch, iteration % max(watch.interval, 1) == 0 {
                try watch.see(AttackSnapshot(iteration: iteration, iterations: settings.iterations, images: try best(reached).images,
                                             priorLoss: mean(priorLosses), identityLoss: mean(losses) - mean(priorLosses)))
            }
            optimizer.step()
            for index in 0..<latent.value.count { latent.value[index] = min(max(latent.value[index], -1), 1) }
        }
        // The confidences of the final latents, after the last step.
        let (losses, priorLosses, confidences) = try objective(latent.value, labels: labels, target: target, prior: prior,
                                                               latentGradient: Tensor(zeros: latent.value.shape))
        let (rows, images) = try best(confidences)
        for (position, label) in classes.enumerated() {
            made[label] = Array(images.sample(position))
            confidence[label] = confidences[rows[position]]
        }
        if let watch {
            try watch.see(AttackSnapshot(iteration: settings.iterations, iterations: settings.iterations, images: images,
                                         priorLoss: mean(priorLosses), identityLoss: mean(losses) - mean(priorLosses)))
        }
    }
}
