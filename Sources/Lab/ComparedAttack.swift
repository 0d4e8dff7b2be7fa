import NeuralNet

/// An attack `invertlab compare` measures on the same target and the same identities.
public enum ComparedAttack: Hashable, Sendable {
    /// The paper's training-based inversion: its decoder trained on vectors released like the victims' (aligned)
    /// or on whole vectors (unaligned), then fed the victims' released vectors.
    case trainingBased(aligned: Bool)
    /// Fredrikson et al.'s gradient descent on the image.
    case fredrikson
    /// GMI or one of LOMMA's variants of it.
    case gmi(GMIAttack.Variant)
    /// KEDMI or one of LOMMA's variants of it.
    case kedmi(GMIAttack.Variant)
    /// What an attacker gets without inverting anything.
    case baseline(Baseline)

    /// Every attack, in the table's order: black-box training-based, white-box optimisation, baselines.
    public static let all: [ComparedAttack] = [.trainingBased(aligned: true), .trainingBased(aligned: false)] + optimisation
        + Baseline.allCases.map { .baseline($0) }

    /// The white-box optimisation attacks, in the table's order: KEDMI alone and with both of LOMMA's additions,
    /// where LOMMA reports its largest gains (its other variants are for `invertlab attack`).
    public static let optimisation: [ComparedAttack] = [.fredrikson] + GMIAttack.Variant.allCases.map { .gmi($0) } + [.kedmi(.gmi), .kedmi(.lomma)]

    /// The GAN this row searches, for the GMI and KEDMI rows.
    public var gan: GenerativePrior.Kind? {
        switch self {
        case .gmi: .general
        case .kedmi: .knowledgeEnriched
        case .trainingBased, .fredrikson, .baseline: nil
        }
    }

    /// A fresh optimisation attack for this row with `fredrikson`'s or `gmi`'s settings (the variant and GAN the
    /// row's), given the GAN of the row's kind and, for the augmented variants, the students when already trained;
    /// nil for the other rows.
    public func makeOptimisationAttack(fredrikson: FredriksonAttack.Settings, gmi: GMIAttack.Settings,
                                       prior: GenerativePrior?, students: [Sequential]) -> (any ClassAttack)? {
        switch self {
        case .fredrikson: return FredriksonAttack(settings: fredrikson)
        case .gmi(let variant), .kedmi(let variant):
            var settings = gmi
            settings.variant = variant
            settings.gan = gan!
            return GMIAttack(settings: settings, prior: prior, augmented: variant.augmentsModels ? students : [])
        case .trainingBased, .baseline: return nil
        }
    }

    /// The name in tables and in `--attacks`.
    public var name: String {
        switch self {
        case .trainingBased(let aligned): aligned ? "aligned" : "unaligned"
        case .fredrikson: "fredrikson"
        case .gmi(let variant): variant.rawValue
        case .kedmi(let variant): GMIAttack.method(variant, gan: .knowledgeEnriched)
        case .baseline(let baseline): "baseline-\(baseline.rawValue)"
        }
    }

    /// What the attacker must have: the released vectors (black-box queries), the target's gradients (white-box),
    /// public images of other people.
    public var needs: String {
        switch self {
        case .trainingBased, .baseline(.nearest): "released vectors, public data"
        case .fredrikson, .gmi, .kedmi: "gradients, public data"
        case .baseline(.mean), .baseline(.random): "public data"
        }
    }

    /// Parses a comma-separated list of names (or `all`); the error names `option` and the names it takes.
    public static func parseList(_ text: String, option: String) throws -> [ComparedAttack] {
        if text == "all" { return all }
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let chosen = try names.map { name in
            guard let attack = all.first(where: { $0.name == name }) else {
                throw ConfigurationError("\(option) '\(name)': not an attack; the attacks are all or \(all.map(\.name).joined(separator: ", "))")
            }
            return attack
        }
        guard !chosen.isEmpty else {
            throw ConfigurationError("\(option) '\(text)': name at least one attack (all or \(all.map(\.name).joined(separator: ", ")))")
        }
        guard Set(chosen).count == chosen.count else {
            throw ConfigurationError("\(option) '\(text)': name each attack once")
        }
        // The table keeps its order, whatever the order asked: each GAN's rows reuse the GAN the first one trains.
        return all.filter(chosen.contains)
    }
}
