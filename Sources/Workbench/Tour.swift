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

    /// The steps for a session started with `start` (its auxiliary set is the "generic" background knowledge).
    init(from start: AttackSettings) {
        let generic = start.auxiliary
        func settings(_ auxiliary: AuxiliarySource, _ release: ReleasePolicy, _ training: TrainingRelease) -> AttackSettings {
            AttackSettings(auxiliary: auxiliary, victimRelease: release, trainingRelease: training)
        }
        steps = [
            Step(caption: "1/6 The target: a face classifier; the service answers each photo with a prediction vector",
                 attack: settings(generic, .full, .likeVictims), view: .dashboard),
            Step(caption: "2/6 The attack: from full prediction vectors, the attacker's decoder redraws the faces",
                 attack: settings(generic, .full, .likeVictims), view: .dashboard),
            Step(caption: "3/6 The defence: the service releases only the top-1 confidence, and the faces degrade",
                 attack: settings(generic, .topK(1), .fixed(.full)), view: .dashboard),
            Step(caption: "4/6 Truncation alignment: trained on top-1 vectors too, the decoder gets the faces back",
                 attack: settings(generic, .topK(1), .likeVictims), view: .dashboard),
            Step(caption: "5/6 Background knowledge: from non-faces (distinct) instead of faces, the attack fails",
                 attack: settings(.kind(.distinct), .full, .likeVictims), view: .dashboard),
            Step(caption: "6/6 Class inference: each class's one-hot vector decodes to that person's typical face",
                 attack: settings(generic, .topK(1), .likeVictims), view: .classInference),
        ]
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
