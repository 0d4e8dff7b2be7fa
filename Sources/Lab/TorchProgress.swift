/// One progress line of `scripts/torch_engine.py` (a JSON object on its stdout): a stage, a step, an epoch of
/// either model, or the closing summary.
struct TorchProgress: Decodable {
    let event: String
    let text: String?
    /// On `inversion_epoch`: the decoder's file.
    let file: String?
    let model: String?
    let epoch: Int?
    let epochs: Int?
    let step: Int?
    let steps: Int?
    let loss: Double?
    let trainAccuracy: Double?
    let testAccuracy: Double?
    let heldOutMSE: Double?
    let victimTrainMSE: Double?
    let victimTestMSE: Double?
    /// On `done`: where it ran, its torch version, and the epoch each decoder file kept (null when none trained).
    let device: String?
    let torch: String?
    let chosenEpochs: [String: Int?]?

    enum CodingKeys: String, CodingKey {
        case event, text, file, model, epoch, epochs, step, steps, loss, trainAccuracy = "train_accuracy"
        case testAccuracy = "test_accuracy", heldOutMSE = "held_out_mse", victimTrainMSE = "victim_train_mse"
        case victimTestMSE = "victim_test_mse", device, torch, chosenEpochs = "chosen_epochs"
    }

    /// The lab event this line reports, nil for `done` or a line missing what its kind needs.
    var labEvent: LabEvent? {
        switch event {
        case "stage":
            return text.map { .stage("torch engine: \($0)") }
        case "step":
            guard let model = model.flatMap(TrainedModel.init(rawValue:)), let epoch, let epochs, let step, let steps,
                  let loss else { return nil }
            return .step(model: model, epoch: epoch, epochs: epochs, step: step, steps: steps, loss: Float(loss))
        case "classifier_epoch":
            guard let epoch, let loss, let trainAccuracy, let testAccuracy else { return nil }
            return .classifierEpoch(epoch: epoch, loss: Float(loss), trainAccuracy: trainAccuracy, testAccuracy: testAccuracy)
        case "inversion_epoch":
            guard let epoch, let loss, let heldOutMSE, let victimTrainMSE, let victimTestMSE else { return nil }
            return .inversionEpoch(epoch: epoch, auxiliaryMSE: Float(loss), heldOutMSE: heldOutMSE,
                                   victimTrainMSE: victimTrainMSE, victimTestMSE: victimTestMSE)
        default:
            return nil
        }
    }
}
