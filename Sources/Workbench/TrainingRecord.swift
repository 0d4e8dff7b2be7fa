import Foundation
import Lab

/// What the workbench has learned from a session's events: curves, the current stage, progress and speed.
struct TrainingRecord {
    var stage = "starting"
    var classifierLoss: [Double] = []
    var trainAccuracy: [Double] = []
    var testAccuracy: [Double] = []
    var inversionLoss: [Double] = []
    var victimTrainMSE: [Double] = []
    var victimTestMSE: [Double] = []
    /// The latest step: which model, epoch of epochs, step of steps.
    var position: (model: TrainedModel, epoch: Int, epochs: Int, step: Int, steps: Int)?
    /// Recent step times, for the rate and the time left.
    private var stepTimes: [Date] = []
    let batch: Int

    /// A record starting from `saved`, the epochs of models opened from a run folder. Their steps were not kept, so
    /// each inversion epoch's auxiliary MSE stands in for the auxiliary curve's points.
    init(batch: Int, saved: [LabEvent] = []) {
        self.batch = batch
        for event in saved {
            absorb(event)
            if case let .inversionEpoch(_, auxiliaryMSE, _, _, _) = event { TrainingRecord.append(Double(auxiliaryMSE), to: &inversionLoss) }
        }
    }

    /// Curves keep at most this many points; older ones are thinned by half.
    private static let pointLimit = 400

    mutating func absorb(_ event: LabEvent, at time: Date = Date()) {
        switch event {
        case .stage(let text):
            stage = text
            stepTimes.removeAll()
        case let .step(model, epoch, epochs, step, steps, loss):
            position = (model, epoch, epochs, step, steps)
            stepTimes.append(time)
            if stepTimes.count > 20 { stepTimes.removeFirst(stepTimes.count - 20) }
            switch model {
            case .classifier: TrainingRecord.append(Double(loss), to: &classifierLoss)
            case .inversion: TrainingRecord.append(Double(loss), to: &inversionLoss)
            case .evaluator, .attack: break  // the dashboard charts the classifier and the inversion model only
            }
        case let .classifierEpoch(_, _, train, test):
            trainAccuracy.append(train)
            testAccuracy.append(test)
        case let .inversionEpoch(_, _, _, train, test):
            victimTrainMSE.append(train)
            victimTestMSE.append(test)
        }
    }

    private static func append(_ value: Double, to values: inout [Double]) {
        values.append(value)
        if values.count > pointLimit { values = stride(from: 0, to: values.count, by: 2).map { values[$0] } }
    }

    /// Training steps a second over the recent steps.
    var stepsPerSecond: Double? {
        guard stepTimes.count >= 2, let first = stepTimes.first, let last = stepTimes.last, last > first else { return nil }
        return Double(stepTimes.count - 1) / last.timeIntervalSince(first)
    }

    /// Images a second, from the step rate and the batch size.
    var imagesPerSecond: Double? { stepsPerSecond.map { $0 * Double(batch) } }

    /// The fraction of the current model's training done.
    var fractionDone: Double {
        guard let position else { return 0 }
        return Double((position.epoch - 1) * position.steps + position.step) / Double(max(1, position.epochs * position.steps))
    }

    /// Seconds left for the current model's training.
    var secondsLeft: Double? {
        guard let position, let rate = stepsPerSecond else { return nil }
        let remaining = position.epochs * position.steps - ((position.epoch - 1) * position.steps + position.step)
        return Double(remaining) / rate
    }
}
