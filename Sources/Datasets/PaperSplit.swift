import NeuralNet

/// The attacker's background knowledge in the paper's experiments.
public enum AuxiliaryKind: String, CaseIterable, Sendable {
    /// Held-out images of the private classes, never used to train the classifier.
    case same
    /// Images of other classes of the same kind (other people, other digits), or a separate set the user names.
    case generic
    /// Another kind of image entirely (non-faces).
    case distinct
    /// The generic set filtered by an attribute to match the private data (frontal faces only): background-knowledge
    /// alignment.
    case aligned
    /// The classifier's training data plus the generic set: the malicious developer's case.
    case augmented
}

/// The paper's split of a labelled private data set, deterministic by seed: the first `privateClasses` classes are
/// the target's; of each, a fifth is held out (the *same* auxiliary set) and the rest split 80 / 20 into
/// classifier-train and classifier-test, both victims of reconstruction. The remaining classes are the *generic*
/// auxiliary set unless a separate one is given.
public struct PaperSplit: Sendable {
    public let privateClasses: Int
    public let classifierTrain: ImageSet
    public let classifierTest: ImageSet
    public let heldOut: ImageSet
    /// Every image of the private classes, in the data's order (the same whatever the seed).
    public let privateImages: ImageSet
    public let generic: ImageSet?
    public let distinct: ImageSet?

    /// Splits `data`. `generic` replaces the leftover classes as the generic set; `distinct` is kept for `.distinct`.
    public init(_ data: ImageSet, privateClasses: Int, seed: UInt64, generic: ImageSet? = nil,
                distinct: ImageSet? = nil) throws {
        guard data.labels != nil else {
            throw DatasetError(data.origin, "has no labels; the private data set must be labelled")
        }
        let groups = data.indicesByClass()
        guard privateClasses >= 2 else { throw DatasetError(data.origin, "needs at least 2 private classes, not \(privateClasses)") }
        guard privateClasses <= groups.count else {
            throw DatasetError(data.origin, "has \(groups.count) classes; \(privateClasses) private classes asked for")
        }
        var rng = RandomGenerator(seed: seed)
        var (train, test, held) = ([Int](), [Int](), [Int]())
        for (label, members) in groups.prefix(privateClasses).enumerated() {
            guard members.count >= 3 else {
                // No image at all means the labels skip a number, which reads as a corrupt file, not a small class.
                let reason = members.isEmpty
                    ? "no image has label \(label) although the labels go up to \(data.classCount - 1); classes must be numbered 0 to K-1"
                    : "class \(data.classNames?[label] ?? String(label)) has \(members.count) images; each private class needs at least 3"
                throw DatasetError(data.origin, reason)
            }
            let shuffled = members.shuffled(using: &rng)
            let heldCount = max(1, Int((Double(members.count) * 0.2).rounded()))
            let testCount = max(1, Int((Double(members.count - heldCount) * 0.2).rounded()))
            held += shuffled.prefix(heldCount)
            test += shuffled.dropFirst(heldCount).prefix(testCount)
            train += shuffled.dropFirst(heldCount + testCount)
        }
        self.privateClasses = privateClasses
        let names = data.classNames.map { Array($0.prefix(privateClasses)) }
        func part(_ indices: [Int], _ role: String) -> ImageSet {
            var set = data.subset(indices.sorted(), origin: "\(role) of \(data.origin)")
            set.classNames = names
            return set
        }
        classifierTrain = part(train, "classifier-train")
        classifierTest = part(test, "classifier-test")
        heldOut = part(held, "held-out images of the private classes")
        privateImages = part(train + test + held, "images of the private classes")
        let others = groups.dropFirst(privateClasses).flatMap { $0 }
        if let generic {
            self.generic = generic
        } else if others.isEmpty {
            self.generic = nil
        } else {
            var rest = data.subset(others, origin: "\(groups.count - privateClasses) other classes of \(data.origin)")
            rest.classNames = nil
            self.generic = rest
        }
        self.distinct = distinct
    }

    /// The auxiliary set of `kind`. `aligned` keeps generic images whose `attribute` magnitude lies within what the
    /// private training images show (its 95th percentile), for example only frontal faces.
    public func auxiliary(_ kind: AuxiliaryKind, attribute: String = "yaw") throws -> ImageSet {
        switch kind {
        case .same:
            return heldOut
        case .generic:
            return try requireGeneric()
        case .distinct:
            guard let distinct else { throw DatasetError("auxiliary set 'distinct'", "no distinct data set was given") }
            return distinct
        case .augmented:
            let generic = try requireGeneric()
            return classifierTrain.appending(generic, origin: "classifier-train plus \(generic.origin)")
        case .aligned:
            let generic = try requireGeneric()
            guard let privateValues = classifierTrain.attributes[attribute], let values = generic.attributes[attribute] else {
                throw DatasetError("auxiliary set 'aligned'", "needs the attribute '\(attribute)' on both the private and the generic images; \(generic.origin) lacks it")
            }
            let magnitudes = privateValues.map(abs).sorted()
            let limit = magnitudes[min(magnitudes.count - 1, Int(Double(magnitudes.count) * 0.95))]
            let kept = values.indices.filter { abs(values[$0]) <= limit }
            guard !kept.isEmpty else {
                throw DatasetError("auxiliary set 'aligned'", "no generic image has |\(attribute)| ≤ \(limit); the filtered set is empty")
            }
            return generic.subset(kept, origin: "\(generic.origin) with |\(attribute)| ≤ \(String(format: "%.2f", limit)) (aligned)")
        }
    }

    private func requireGeneric() throws -> ImageSet {
        guard let generic else {
            throw DatasetError("auxiliary set 'generic'", "every class is private; leave some classes out or name a separate generic set")
        }
        return generic
    }

    /// The split in words, for reports.
    public var summary: String {
        var lines = ["classifier: \(privateClasses) classes, \(classifierTrain.count) training and \(classifierTest.count) test images",
                     "held out (auxiliary 'same'): \(heldOut.count) images of the private classes"]
        if let generic { lines.append("generic: \(generic.count) images, \(generic.origin)") }
        if let distinct { lines.append("distinct: \(distinct.count) images, \(distinct.origin)") }
        return lines.joined(separator: "\n")
    }
}
