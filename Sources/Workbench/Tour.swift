import Lab

/// The classroom tour: the paper's story in steps, each a caption, the release and attacker settings it shows, and
/// the view it opens. Space goes on, Backspace back; every other key works as usual in between.
struct Tour {
    /// One step of the story.
    struct Step {
        let caption: String
        let attack: AttackSettings
        let view: WorkbenchApp.View
    }

    let steps: [Step]
    private(set) var position = 0

    var current: Step { steps[position] }

    /// The steps for a session started with `start` (its auxiliary set, of `auxiliaryImages` images, is the "generic"
    /// background knowledge). Where that set is a kind of the data, a step shows the attack from a tenth of it.
    init(from start: AttackSettings, auxiliaryImages: Int) {
        let generic = start.auxiliary
        func settings(_ auxiliary: AuxiliarySource, _ release: ReleasePolicy, _ training: TrainingRelease) -> AttackSettings {
            AttackSettings(auxiliary: auxiliary, victimRelease: release, trainingRelease: training)
        }
        var story: [(text: String, attack: AttackSettings, view: WorkbenchApp.View)] = [
            ("The target: a face classifier; the service answers each photo with a prediction vector",
             settings(generic, .full, .likeVictims), .dashboard),
            ("The attack: from full prediction vectors, the attacker's decoder redraws the faces",
             settings(generic, .full, .likeVictims), .dashboard),
        ]
        if case .kind(let kind) = generic, auxiliaryImages >= 20 {
            let fewer = auxiliaryImages / 10
            story.append(("Less background knowledge: from \(fewer) of the attacker's \(auxiliaryImages) photos, faces blur",
                          settings(.sample(kind, count: fewer), .full, .likeVictims), .dashboard))
        }
        story += [
            ("The defence: the service releases only the top-1 confidence, and the faces degrade",
             settings(generic, .topK(1), .fixed(.full)), .dashboard),
            ("Truncation alignment: trained on top-1 vectors too, the decoder gets the faces back",
             settings(generic, .topK(1), .likeVictims), .dashboard),
            ("Background knowledge: from non-faces (distinct) instead of faces, the attack fails",
             settings(.kind(.distinct), .full, .likeVictims), .dashboard),
            ("Class inference: each class's one-hot vector decodes to that person's typical face",
             settings(generic, .topK(1), .likeVictims), .classInference),
        ]
        steps = story.enumerated().map { number, step in
            Step(caption: "\(number + 1)/\(story.count) \(step.text)", attack: step.attack, view: step.view)
        }
    }

    /// Moves by `offset` steps, staying within the tour; whether it moved.
    mutating func move(by offset: Int) -> Bool {
        let next = max(0, min(steps.count - 1, position + offset))
        defer { position = next }
        return next != position
    }

    /// Every distinct setting the steps need, in order, so the models can train while earlier steps are shown.
    var settingsNeeded: [AttackSettings] {
        steps.map(\.attack).reduce(into: []) { needed, settings in if !needed.contains(settings) { needed.append(settings) } }
    }
}
